"""aiogram FSM storage in the project database, so a half-filled form survives a restart.

Inside an update the storage works on that update's ``FsmScope``: the row is read once, changes
stay in memory, and ``flush`` writes them in the update's own transaction just before it
commits. The SQLite write lock is then held for one short statement instead of across the
handler's network calls, and the state commits together with the handler's own writes.
Outside an update (a script, a test) every call is a short transaction of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
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


@dataclass(slots=True)
class FsmScope:
    """The FSM rows one update has read, and which of them it changed."""

    session: AsyncSession
    rows: dict[str, FsmRow] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    storage: DatabaseStorage | None = None


current_scope: ContextVar[FsmScope | None] = ContextVar("fsm_scope", default=None)


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

    @asynccontextmanager
    async def _own_session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session
            await session.commit()

    async def _read(self, session: AsyncSession, key: str) -> FsmRow:
        result = await session.execute(
            select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == key)
        )
        found = result.first()
        return FsmRow(found[0], dict(found[1])) if found else FsmRow()

    async def _load(self, key: StorageKey) -> FsmRow:
        built = self.key_builder.build(key)
        scope = current_scope.get()
        if scope is None:
            async with self._own_session() as session:
                return await self._read(session, built)
        if built not in scope.rows:
            scope.rows[built] = await self._read(scope.session, built)
        return scope.rows[built]

    async def _store(self, key: StorageKey, row: FsmRow) -> None:
        built = self.key_builder.build(key)
        scope = current_scope.get()
        if scope is None:
            async with self._own_session() as session:
                await self._write(session, built, row)
            return
        scope.rows[built] = row
        scope.dirty.add(built)
        scope.storage = self

    async def _write(self, session: AsyncSession, key: str, row: FsmRow) -> None:
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

    async def flush(self, scope: FsmScope) -> None:
        """Write the scope's changed rows in its session (the caller commits)."""
        for key in sorted(scope.dirty):
            await self._write(scope.session, key, scope.rows[key])
        scope.dirty.clear()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        row = await self._load(key)
        value = state.state if isinstance(state, State) else state
        await self._store(key, FsmRow(value, row.data))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        row = await self._load(key)
        await self._store(key, FsmRow(row.state, dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._load(key)).data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""


async def commit_now(session: AsyncSession) -> None:
    """Commit the update's work so far, its conversation state included.

    For a handler that must not lose what it stored if a later network call fails: after this,
    a failure rolls back nothing the person was told about.
    """
    scope = current_scope.get()
    if scope is not None and scope.storage is not None and scope.session is session:
        await scope.storage.flush(scope)
    await session.commit()
