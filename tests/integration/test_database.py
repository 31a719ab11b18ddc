"""storage.database.Database: the unit of work commits or rolls back, SQLite's writers of one
process queue, and a session that holds SQLite's lock never waits behind one that waits for it.
On SQLite files and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.database import Database, wrote
from storage.models import SweepRun

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)
# Long enough never to cut a healthy run short; a deadlock fails the test instead of hanging.
DEADLOCK = 10.0


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def _add(session: AsyncSession, key: str) -> None:
    session.add(SweepRun(key=key, ran_at=NOW))
    await session.flush()


async def _keys(db: Database) -> list[str]:
    async with db.sessions() as session:
        return sorted((await session.execute(select(col(SweepRun.key)))).scalars())


async def _yield_many() -> None:
    # Enough turns of the loop for a task that does not wait on a lock to enter its unit of
    # work; no time passes, so nothing here depends on the machine's speed.
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_unit_of_work_commits_at_the_end(db: Database) -> None:
    async with db.unit_of_work() as session:
        await _add(session, "a")
    assert await _keys(db) == ["a"]


async def test_a_unit_of_work_rolls_back_on_an_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await _add(session, "a")
            raise RuntimeError("the handler failed")
    assert await _keys(db) == []
    async with db.unit_of_work() as session:  # the lock was let go
        await _add(session, "b")
    assert await _keys(db) == ["b"]


async def test_writing_with_an_earlier_session_commits_and_rolls_back(db: Database) -> None:
    async with db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(SweepRun))).scalar() == 0
        async with db.writing(session):
            await _add(session, "a")
        with pytest.raises(RuntimeError):
            async with db.writing(session):
                await _add(session, "b")
                raise RuntimeError("failed")
    assert await _keys(db) == ["a"]


async def test_a_session_knows_it_wrote_from_typed_events(db: Database) -> None:
    async with db.sessions() as session:
        await session.execute(select(SweepRun))
        assert not wrote(session)
        await _add(session, "a")  # a flush
        assert wrote(session)
        await session.commit()
        assert not wrote(session)
        await session.execute(SweepRun.__table__.update().values(queued=1))  # type: ignore[attr-defined]
        assert wrote(session)
        await session.rollback()
        assert not wrote(session)
        # Text is not read: it counts as a write.
        await session.execute(text("SELECT 1"))
        assert wrote(session)
        await session.rollback()
        async with session.begin_nested():
            await _add(session, "b")
        assert wrote(session)  # a savepoint's end does not let SQLite's lock go
        await session.rollback()
        assert not wrote(session)


async def test_two_units_of_work_queue_on_sqlite_and_not_on_postgres(db: Database) -> None:
    order: list[str] = []
    second_in = asyncio.Event()

    async def second() -> None:
        async with db.unit_of_work() as session:
            order.append("second in")
            second_in.set()
            await _add(session, "second")

    async with db.unit_of_work() as session:
        order.append("first in")
        await _add(session, "first")
        task = asyncio.create_task(second())
        if db.dialect == "sqlite":
            await _yield_many()
            assert order == ["first in"]  # queued behind the first writer
        else:
            await asyncio.wait_for(second_in.wait(), DEADLOCK)  # side by side
        order.append("first out")
    await asyncio.wait_for(task, DEADLOCK)
    if db.dialect == "sqlite":
        assert order == ["first in", "first out", "second in"]
    assert await _keys(db) == ["first", "second"]


async def test_writing_queues_a_session_that_has_not_written(db: Database) -> None:
    entered = asyncio.Event()

    async def late_writer() -> None:
        async with db.sessions() as session:
            await _keys(db)
            async with db.writing(session):
                entered.set()
                await _add(session, "late")

    async with db.unit_of_work() as session:
        task = asyncio.create_task(late_writer())
        if db.dialect == "sqlite":
            await _yield_many()
            assert not entered.is_set()
        await _add(session, "first")
    await asyncio.wait_for(task, DEADLOCK)
    assert await _keys(db) == ["first", "late"]


async def test_a_session_that_wrote_does_not_wait_behind_one_that_waits_for_it(
    db: Database,
) -> None:
    """The update that wrote mid-handler holds SQLite's lock; a unit of work that then takes
    the process lock waits in SQLite for it. The update's final write must go ahead, or
    each waits for the other until SQLite gives up."""
    async with db.sessions() as update:
        await _add(update, "update")  # SQLite: this session now holds the write lock
        assert wrote(update)
        holding = asyncio.Event()

        async def other_writer() -> None:
            async with db.unit_of_work() as session:
                holding.set()
                await _add(session, "other")  # SQLite: waits for the update's commit

        task = asyncio.create_task(other_writer())
        await asyncio.wait_for(holding.wait(), DEADLOCK)
        async with asyncio.timeout(DEADLOCK), db.writing(update):
            await _add(update, "update 2")
    await asyncio.wait_for(task, DEADLOCK)
    assert await _keys(db) == ["other", "update", "update 2"]


async def test_writing_inside_a_unit_of_work_does_not_wait_for_itself(db: Database) -> None:
    async with asyncio.timeout(DEADLOCK), db.unit_of_work() as session:
        async with db.writing(session):
            await _add(session, "a")
        await _add(session, "b")
    assert await _keys(db) == ["a", "b"]


async def test_a_writer_waiting_for_a_connection_holds_no_lock(database_url: str) -> None:
    """An update's session holds its pooled connection when it comes to write; a unit of work
    that took the lock first and then waited for a connection would never get one."""
    db = Database.connect(database_url, pool_size=1, max_overflow=0)
    try:
        async with db.sessions() as update:
            await _keys_in(update)  # holds the only connection
            task = asyncio.create_task(_add_in_unit(db, "other"))
            await _yield_many()
            async with asyncio.timeout(DEADLOCK), db.writing(update):
                await _add(update, "update")
        await asyncio.wait_for(task, DEADLOCK)
        assert await _keys(db) == ["other", "update"]
    finally:
        await db.dispose()


async def _keys_in(session: AsyncSession) -> list[str]:
    return sorted((await session.execute(select(col(SweepRun.key)))).scalars())


async def _add_in_unit(db: Database, key: str) -> None:
    async with db.unit_of_work() as session:
        await _add(session, key)
