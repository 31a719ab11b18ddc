"""aiogram FSM storage in the project database, so a half-filled form survives a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
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

# The session of the update being handled. FSM writes join it, so they commit together with
# the handler's own writes and never wait on the write lock that session already holds.
update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


class DatabaseStorage(BaseStorage):
    """One row per key holding both state and data.

    Inside an update the calls use that update's session (committed by its middleware);
    elsewhere each call is one short transaction of its own.
    """

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
    async def _session(self) -> AsyncIterator[AsyncSession]:
        shared = update_session.get()
        if shared is not None:
            yield shared
            return
        async with self._sessions() as session:
            yield session
            await session.commit()

    async def _row(self, key: StorageKey) -> tuple[str | None, dict[str, Any]] | None:
        async with self._session() as session:
            result = await session.execute(
                select(FsmRecord.state, FsmRecord.data).where(
                    FsmRecord.key == self.key_builder.build(key)
                )
            )
            row = result.first()
            return (row[0], row[1]) if row else None

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        async with self._session() as session:
            row = {"key": self.key_builder.build(key), "updated_at": self._now(), **values}
            row.setdefault("data", {})
            statement = dialect_insert(session)(FsmRecord).values(**row)
            statement = statement.on_conflict_do_update(
                index_elements=["key"],
                set_={name: statement.excluded[name] for name in ("updated_at", *values)},
            )
            await session.execute(statement)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._row(key)
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not data:
            # An empty mapping with no state is the "cleared" key: drop the row.
            row = await self._row(key)
            if row is None or row[0] is None:
                await self._delete(key)
                return
        await self._upsert(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._row(key)
        return dict(row[1]) if row else {}

    async def _delete(self, key: StorageKey) -> None:
        async with self._session() as session:
            await session.execute(
                delete(FsmRecord).where(col(FsmRecord.key) == self.key_builder.build(key))
            )

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""
