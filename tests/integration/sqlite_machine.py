"""A Hypothesis state machine on its own SQLite file and event loop: each example copies a
migrated template, runs its steps' coroutines on its loop, and removes everything after."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from hypothesis.stateful import RuleBasedStateMachine

from storage.database import create_engine, create_session_factory

T = TypeVar("T")


class SqliteMachine(RuleBasedStateMachine):
    template: Path  # a migrated SQLite file, set by the test
    prefix = "machine-"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix=self.prefix))
        path = self.folder / "gopy.db"
        shutil.copy(self.template, path)
        self.engine = create_engine(f"sqlite+aiosqlite:///{path}")
        self.sessions = create_session_factory(engine=self.engine)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)
