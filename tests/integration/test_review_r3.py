"""Review r3 (issue 18, storage shape): proofs of defects found by the review, each kept as a
regression test. On SQLite files and PostgreSQL unless a test says otherwise."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from sqlmodel import col

from storage.database import Database, wrote
from storage.fsm import DatabaseStorage, FsmRow
from storage.models import FsmRecord, ProcessedUpdate, SweepRun
from storage.outbox import enqueue
from storage.update_rows import closing, opening
from tests.integration.test_database import db
from tests.integration.test_enqueue import letter, people

__all__ = ["db"]  # the fixture, shared with the Database's own tests

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)
DEADLOCK = 10.0


async def _people(db: Database) -> list[tuple[int, str]]:
    async with db.unit_of_work() as session:
        return await people(session, 2)


# review: storage.bulk_insert writes through connection.exec_driver_sql, which fires no session
# event, so a session that queued letters (services.oversight's /remind in a handler) did not
# count as having written although SQLite's write lock was its own.
async def test_queueing_letters_counts_as_a_write(db: Database) -> None:
    found = await _people(db)
    async with db.sessions() as session:
        assert await enqueue(session=session, letters=[letter(*found[0], 1)], now=NOW) == 1
        assert wrote(session)


# review: ...and so its final write (Commit → Database.writing) queued behind a unit of work
# that itself waited in SQLite for that session's lock: each waited for the other until
# SQLite's busy timeout failed the unit of work ("database is locked").
async def test_a_session_that_queued_letters_does_not_wait_behind_one_that_waits_for_it(
    db: Database,
) -> None:
    found = await _people(db)
    async with db.sessions() as update:
        await enqueue(session=update, letters=[letter(*found[0], 1)], now=NOW)
        holding = asyncio.Event()

        async def other_writer() -> None:
            async with db.unit_of_work() as session:
                holding.set()
                session.add(SweepRun(key="other", ran_at=NOW))
                await session.flush()  # SQLite: waits for the update's commit

        task = asyncio.create_task(other_writer())
        await asyncio.wait_for(holding.wait(), DEADLOCK)
        async with asyncio.timeout(DEADLOCK / 4), db.writing(update):
            update.add(SweepRun(key="update", ran_at=NOW))
    await asyncio.wait_for(task, DEADLOCK)
    async with db.sessions() as session:
        keys = (await session.execute(select(col(SweepRun.key)))).scalars()
        assert sorted(keys) == ["other", "update"]


# review (checked sound): the update's closing rows go in as raw SQL through the driver and must
# read back as the ORM stores them, and the ORM's as they are read: quotes and Vietnamese in the
# state's data, an aware moment of another zone stored as UTC, a cleared state dropped, a mark
# written once.
async def test_the_update_rows_round_trip_with_the_orm(db: Database) -> None:
    hanoi = timezone(timedelta(hours=7))
    now = datetime(2025, 11, 10, 9, 30, 15, 123456, tzinfo=hanoi)
    data = {"text": 'Góp ý: đường "Lê Lợi"\'); DROP TABLE fsm_state; --', "n": [1, None]}
    async with db.sessions() as session, db.writing(session):
        await closing(
            session,
            channel="telegram",
            key="7:1",
            now=now,
            states=[("a", FsmRow("Flow:writing", data)), ("b", FsmRow(None, {"kept": 1}))],
        )
    async with db.sessions() as session:
        record = await session.get(FsmRecord, "a")
        assert record is not None
        assert (record.state, record.data, record.updated_at) == ("Flow:writing", data, now)
        assert record.updated_at.tzinfo is not None
        mark = await session.get(ProcessedUpdate, ("telegram", "7:1"))
        assert mark is not None and mark.received_at == now
        assert await opening(session, channel="telegram", key="7:1", state_key="a") == (
            True,
            FsmRow("Flow:writing", data),
        )
        assert await opening(session, channel="telegram", key="7:2", state_key="b") == (
            False,
            FsmRow(None, {"kept": 1}),
        )
        assert await opening(session, channel="zalo", key="7:1", state_key="nobody") == (
            False,
            FsmRow(None, {}),
        )
    later = now + timedelta(hours=1)
    async with db.sessions() as session, db.writing(session):  # cleared; the same mark again
        await closing(session, channel="telegram", key="7:1", now=later, states=[("a", FsmRow())])
    storage = DatabaseStorage(db.sessions, lambda: later)
    async with db.sessions() as session, db.writing(session):
        await storage.write(session, "c", FsmRow("Other:state", {"ý": "kiến"}))
    async with db.sessions() as session:
        assert await session.get(FsmRecord, "a") is None
        mark = await session.get(ProcessedUpdate, ("telegram", "7:1"))
        assert mark is not None and mark.received_at == now
        assert await opening(session, channel="telegram", key="7:3", state_key="c") == (
            False,
            FsmRow("Other:state", {"ý": "kiến"}),
        )
