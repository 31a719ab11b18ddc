"""aiogram FSM storage in the project database, so a half-filled form survives a restart.

Outside an update (a script, a test) every call of ``DatabaseStorage`` is a short transaction
of its own. An update works on ``DatabaseStorage.for_update(session)``, a view bound to that
update's session and handed to aiogram's ``FSMContext`` by the update's middleware: the row is
read once, changes stay in memory, and ``flush`` writes them in the update's own transaction
just before it commits. The SQLite write lock is then held for one short statement instead of
across the handler's network calls, and the state commits together with the handler's own
writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.database import SessionFactory
from storage.dialect import dialect_insert
from storage.models import FsmRecord


@dataclass(slots=True)
class FsmRow:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _state_of(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


class DatabaseStorage(BaseStorage):
    """One row per key holding both state and data."""

    def __init__(
        self,
        session_factory: SessionFactory,
        now: Callable[[], datetime],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._sessions = session_factory
        self._now = now
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    def for_update(self, session: AsyncSession) -> UpdateFsm:
        """The storage as one update sees it, in that update's session."""
        return UpdateFsm(self, session)

    async def read(self, session: AsyncSession, key: str) -> FsmRow:
        result = await session.execute(
            select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == key)
        )
        found = result.first()
        return FsmRow(found[0], dict(found[1])) if found else FsmRow()

    async def write(self, session: AsyncSession, key: str, row: FsmRow) -> None:
        if row.state is None and not row.data:
            # A cleared key: drop the row rather than keep an empty one per person forever.
            await session.execute(delete(FsmRecord).where(col(FsmRecord.key) == key))
            return
        values = {"key": key, "state": row.state, "data": row.data, "updated_at": self._now()}
        statement = dialect_insert(session)(FsmRecord).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={name: statement.excluded[name] for name in ("state", "data", "updated_at")},
        )
        await session.execute(statement)

    async def _load(self, key: StorageKey) -> FsmRow:
        async with self._sessions() as session:
            return await self.read(session, self.key_builder.build(key))

    async def _store(self, key: StorageKey, row: FsmRow) -> None:
        async with self._sessions() as session:
            await self.write(session, self.key_builder.build(key), row)
            await session.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        row = await self._load(key)
        await self._store(key, FsmRow(_state_of(state), row.data))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        row = await self._load(key)
        await self._store(key, FsmRow(row.state, dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._load(key)).data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""


class UpdateFsm(BaseStorage):
    """``DatabaseStorage`` bound to one update's session: each row read once, changes kept in
    memory until ``flush`` writes them in that session (the caller commits)."""

    def __init__(self, storage: DatabaseStorage, session: AsyncSession) -> None:
        self.storage = storage
        self.session = session
        self.rows: dict[str, FsmRow] = {}
        self.dirty: set[str] = set()

    def preload(self, key: str, row: FsmRow) -> None:
        """A row the update read together with other things (one round trip)."""
        self.rows.setdefault(key, row)

    def key(self, key: StorageKey) -> str:
        return self.storage.key_builder.build(key)

    async def _load(self, key: StorageKey) -> FsmRow:
        built = self.key(key)
        row = self.rows.get(built)
        if row is None:
            row = self.rows[built] = await self.storage.read(self.session, built)
        return row

    def _store(self, key: StorageKey, row: FsmRow) -> None:
        built = self.key(key)
        self.rows[built] = row
        self.dirty.add(built)

    async def flush(self) -> None:
        """Write the changed rows in the update's session."""
        for key, row in self.changes():
            await self.storage.write(self.session, key, row)

    def changes(self) -> list[tuple[str, FsmRow]]:
        """The changed rows, to be written by the caller; from now on they count as written."""
        changed = [(key, self.rows[key]) for key in sorted(self.dirty)]
        self.dirty.clear()
        return changed

    def forget(self) -> None:
        """The update's transaction was rolled back: what was read or changed is stale."""
        self.rows.clear()
        self.dirty.clear()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        row = await self._load(key)
        self._store(key, FsmRow(_state_of(state), row.data))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        row = await self._load(key)
        self._store(key, FsmRow(row.state, dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._load(key)).data)

    async def close(self) -> None:
        """Nothing of its own to close: the session belongs to the update."""
