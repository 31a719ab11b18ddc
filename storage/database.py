"""The async database engine and session factory: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the simulator page read while the bot writes; NORMAL is durable across a process
    # crash (only an OS crash may lose the last commits), and a busy timeout rides out the short
    # writer lock instead of failing the user's update.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the pragmas this project relies on."""
    # Statement parameters hold what people typed; keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # Track which connections hold SQLite's write lock (see holds_write_lock).
        event.listen(engine.sync_engine, "before_cursor_execute", _mark_write)
        event.listen(engine.sync_engine, "commit", _clear_write)
        event.listen(engine.sync_engine, "rollback", _clear_write)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


WROTE = "gopy_wrote"


def _mark_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not statement.lstrip()[:6].upper().startswith(("SELECT", "PRAGMA")):
        conn.info[WROTE] = True


def _clear_write(conn: Any) -> None:
    # A connection whose task was cancelled mid-query is invalid; it holds no lock any more,
    # and raising here would hide the cancellation from the task.
    with contextlib.suppress(exc.SQLAlchemyError):
        conn.info.pop(WROTE, None)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def sync_url(url: str) -> str:
    """The synchronous driver URL for Alembic's offline tooling."""
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


async def holds_write_lock(session: AsyncSession) -> bool:
    """Whether the session has written in its open transaction (SQLite: holds the write lock)."""
    if not session.in_transaction():
        return False
    connection = await session.connection()
    return bool(
        connection.sync_connection is not None and connection.sync_connection.info.get(WROTE)
    )
