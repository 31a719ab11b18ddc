"""The process smoke (tests/smoke/processes.py) starts gopy where a developer's .env is out of
reach: gopy reads ``.env`` from its working directory, and the checkout's may hold real tokens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.smoke import processes
from tests.smoke.wheel_smoke import CHECKOUT


class Exited:
    returncode = 0
    pid = 0

    async def communicate(self) -> tuple[bytes, bytes]:
        return b"", b""


# review: every process ran with cwd=CHECKOUT, so the checkout's .env filled in whatever the
# smoke's environment left unset (GOPY_ZALO_TOKEN: a real Zalo bot's webhook re-pointed at
# 127.0.0.1; GOPY_SMTP_URL, GOPY_PUBLIC_URL…), and /readyz then checked a "zalo" it did not expect.
async def test_gopy_runs_outside_the_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folders: list[Path] = []

    async def record(*_args: Any, cwd: Path, **_kw: Any) -> Exited:
        folders.append(Path(cwd))
        return Exited()

    monkeypatch.setattr(asyncio, "create_subprocess_exec", record)
    await processes.migrate({}, tmp_path)
    await processes.start("worker-1", ["run"], {}, 1, tmp_path)
    assert folders
    for folder in folders:
        assert folder.resolve() != CHECKOUT
        assert CHECKOUT not in folder.resolve().parents
