"""The one place that knows SQLite and PostgreSQL spell "insert or ignore" differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def rowcount(result: Result[Any]) -> int:
    """Rows changed by an INSERT/UPDATE/DELETE (the result of ``session.execute`` of DML)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def dialect_insert(session: AsyncSession) -> Any:
    """The dialect's ``insert`` construct, which knows ``on_conflict_do_*``."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


def insert_ignore(session: AsyncSession, table: Any, **values: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database."""
    return dialect_insert(session)(table).values(**values).on_conflict_do_nothing()
