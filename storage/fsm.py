"""aiogram FSM storage in the project database, so a half-filled form survives a restart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import delete, select

from storage.database import SessionFactory
from storage.dialect import dialect_insert
from storage.models import FsmRecord


class DatabaseStorage(BaseStorage):
    """One row per key holding both state and data; each call is one short transaction."""

    def __init__(
        self,
        session_factory: SessionFactory,
        now: Callable[[], datetime],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._sessions = session_factory
        self._now = now
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def _row(self, key: StorageKey) -> FsmRecord | None:
        async with self._sessions() as session:
            result = await session.execute(
                select(FsmRecord).where(FsmRecord.key == self.key_builder.build(key))
            )
            return result.scalar_one_or_none()

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        async with self._sessions() as session:
            row = {"key": self.key_builder.build(key), "updated_at": self._now(), **values}
            row.setdefault("data", {})
            statement = dialect_insert(session)(FsmRecord).values(**row)
            statement = statement.on_conflict_do_update(
                index_elements=["key"],
                set_={name: statement.excluded[name] for name in ("updated_at", *values)},
            )
            await session.execute(statement)
            await session.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._row(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not data:
            # An empty mapping with no state is the "cleared" key: drop the row.
            row = await self._row(key)
            if row is None or row.state is None:
                await self._delete(key)
                return
        await self._upsert(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._row(key)
        return dict(row.data) if row else {}

    async def _delete(self, key: StorageKey) -> None:
        async with self._sessions() as session:
            await session.execute(
                delete(FsmRecord).where(FsmRecord.key == self.key_builder.build(key))  # type: ignore[arg-type]
            )
            await session.commit()

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""
