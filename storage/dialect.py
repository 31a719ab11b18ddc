"""The one place that knows SQLite and PostgreSQL spell "insert or ignore" differently, and
that only PostgreSQL needs a lock to run two writers one after the other."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, func, select
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


async def one_at_a_time(session: AsyncSession, lock: int) -> None:
    """Hold the transaction-wide lock ``lock`` (any 64-bit number naming a job) until the
    session commits or rolls back: transactions taking it run one after the other, across
    processes, each reading what the one before wrote.

    PostgreSQL only (an advisory lock). SQLite has one writer at a time, and a process's
    writers already queue on its writer lock before they read (``bot.app.Runtime``).
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(lock)))
