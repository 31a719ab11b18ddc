"""The process's database: one engine, its sessions, SQLite's writer queue and the unit of work.

SQLite (WAL) by default, PostgreSQL by URL. SQLite lets one connection write at a time; the
writers of this process queue on an asyncio lock held by ``Database`` instead of in SQLite's
busy handler, whose sleeps of up to 100 ms made the slowest writers slow. PostgreSQL takes
writers side by side: there is no lock, and the unit of work is a plain transaction.

Nothing outside ``storage`` sees that lock: code that writes opens ``db.unit_of_work()``, or,
holding a session opened earlier for reading, enters ``db.writing(session)`` before it writes.
Whether a session has already written (and so holds SQLite's lock) is tracked from
SQLAlchemy's typed session events, never read from the SQL text; code of ``storage`` that
writes past the session (on its connection or driver) says so with ``writes_past_the_session``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from storage.sqlite_driver import one_hop_dbapi

SessionFactory = async_sessionmaker[AsyncSession]

# Keys in a session's ``info``: it has written in its open transaction; it holds the process
# lock (inside ``unit_of_work`` or ``writing``).
WROTE = "gopy_wrote"
QUEUED = "gopy_queued"


BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the simulator page read while the bot writes; NORMAL is durable across a process
    # crash (only an OS crash may lose the last commits), and a busy timeout rides out the
    # writer lock instead of failing the user's update. It outlasts the throttle's longest wait
    # (GOPY_OUTBOX_REPLY_WAIT_SECONDS, 20 s): an update that wrote, then answers into a 429,
    # holds the lock that long, and another writer must wait for it rather than fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the pragmas this project relies on."""
    # Statement parameters hold what people typed; keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        if url.startswith("sqlite+aiosqlite"):
            # One hop to aiosqlite's thread per statement instead of four (storage.sqlite_driver).
            kwargs.setdefault("module", one_hop_dbapi())
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class TrackedSession(Session):
    """A session that notes in its ``info`` when its open transaction has written."""


@event.listens_for(TrackedSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    # Anything but a SELECT may write: INSERT, UPDATE, DELETE, and text() of any kind. SQLite
    # takes its write lock at the statement, so the mark goes on before it runs.
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(TrackedSession, "after_flush")
def _flushed(session: Session, _context: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(TrackedSession, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # Only the end of the outermost transaction (commit or rollback) lets SQLite's lock go; a
    # savepoint's does not.
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(
        engine, class_=AsyncSession, sync_session_class=TrackedSession, expire_on_commit=False
    )


def sync_url(url: str) -> str:
    """The synchronous driver URL for Alembic's offline tooling."""
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def writes_past_the_session(session: AsyncSession) -> None:
    """Note that ``session``'s transaction is about to write through its connection or driver
    (``exec_driver_sql``, the driver's own calls), which fire no session event: without the
    note, ``writing`` would queue it behind a writer who waits in SQLite for its lock."""
    session.sync_session.info[WROTE] = True


def wrote(session: AsyncSession) -> bool:
    """Whether ``session`` has written in its open transaction (SQLite: holds the write lock)."""
    return session.in_transaction() and bool(session.sync_session.info.get(WROTE))


class Database:
    """The engine, its sessions and, on SQLite, the queue of this process's writers."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # ``db.sessions()`` opens a plain session (reads; writes go through a unit of work).
        self.sessions: SessionFactory = create_session_factory(engine)
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def connect(cls, url: str, **kwargs: Any) -> Database:
        """The database at ``url``; ``kwargs`` go to the engine (pool sizes, isolation)."""
        return cls(create_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session that may write: queued behind this process's other writers on SQLite,
        committed at the end, rolled back on an error."""
        async with self.sessions() as session, self._queued(session):
            session.sync_session.info[QUEUED] = True
            try:
                yield session
            except Exception:
                await session.rollback()
                raise
            await session.commit()

    @contextlib.asynccontextmanager
    async def writing(self, session: AsyncSession) -> AsyncIterator[AsyncSession]:
        """Write with ``session``, opened earlier to read: queued as a unit of work is, unless
        it already holds SQLite's lock (it wrote, or it is a unit of work's), since waiting
        then would wait for a writer who waits for it. Committed at the end, rolled back on
        an error."""
        already = bool(session.sync_session.info.get(QUEUED)) or wrote(session)
        async with contextlib.nullcontext() if already else self._queued(session):
            info = session.sync_session.info
            info[QUEUED], before = True, info.get(QUEUED)
            try:
                yield session
                await session.commit()
            except Exception:
                await session.rollback()
                raise
            finally:
                if before is None:
                    info.pop(QUEUED, None)

    def waits_for(self, session: AsyncSession) -> bool:
        """Whether a write on another connection would wait for ``session`` (SQLite, once it
        has written, until it commits): a writer that ``session``'s task waits for must then
        write through ``session`` itself, or each waits for the other."""
        return self._write_lock is not None and wrote(session)

    @property
    def writing_now(self) -> bool:
        """Whether a writer of this process holds the queue (SQLite; never on PostgreSQL): for
        probes that slow work runs outside it."""
        return self._write_lock is not None and self._write_lock.locked()

    @contextlib.asynccontextmanager
    async def _queued(self, session: AsyncSession) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        # The session's connection first, then the lock, always in this order: an update's
        # session holds its connection when it comes to write, so a writer that took the lock
        # first and then waited for a connection would deadlock once such updates hold every
        # pooled connection.
        await session.connection()
        async with self._write_lock:
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()
