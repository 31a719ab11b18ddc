"""storage.sqlite_driver: SQLite statements in one hop to aiosqlite's thread, with what
SQLAlchemy needs from a cursor (rows, rowcount, lastrowid, errors) as before."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiosqlite
import pytest
from sqlalchemy import exc, insert, select, text, update
from sqlmodel import col

from storage.database import Database
from storage.models import Person, SweepRun
from storage.sqlite_driver import OneHopCursor, execute_all

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database.connect(sqlite_url)
    try:
        yield database
    finally:
        await database.dispose()


async def test_statements_go_through_the_one_hop_cursor(db: Database) -> None:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        # What the adapter uses of aiosqlite: the sqlite3 connection, and running a function in
        # aiosqlite's thread.
        assert isinstance(driver, aiosqlite.Connection)
        assert isinstance(driver._conn, sqlite3.Connection)
        assert await driver._execute(lambda: 42) == 42  # type: ignore[no-untyped-call]
        assert raw.dbapi_connection.cursor().__class__ is OneHopCursor  # type: ignore[union-attr]


async def test_rows_rowcount_lastrowid_and_errors(db: Database) -> None:
    async with db.unit_of_work() as session:
        session.add_all([SweepRun(key=f"k{i}", ran_at=NOW) for i in range(3)])
        person = Person(channel="telegram", external_id="1", full_name="An", created_at=NOW)
        session.add(person)
        await session.flush()
        assert person.id is not None, "the ORM got the new row's id (lastrowid or RETURNING)"
        changed = await session.execute(
            update(SweepRun).where(col(SweepRun.key) != "k0").values(queued=5)
        )
        assert changed.rowcount == 2  # type: ignore[attr-defined]
    async with db.sessions() as session:
        rows = (await session.execute(select(col(SweepRun.key), col(SweepRun.queued)))).all()
        assert sorted(rows) == [("k0", 0), ("k1", 5), ("k2", 5)]
        assert (await session.execute(text("SELECT 1 WHERE 0"))).all() == []
    with pytest.raises(exc.IntegrityError):
        async with db.unit_of_work() as session:
            await session.execute(insert(SweepRun).values(key="k0", ran_at=NOW))
    async with db.unit_of_work() as session:  # executemany
        await session.execute(
            insert(SweepRun), [{"key": f"m{i}", "ran_at": NOW} for i in range(4)]
        )
    async with db.sessions() as session:
        count = (await session.execute(text("SELECT count(*) FROM sweep_run"))).scalar_one()
        assert count == 7


async def test_execute_all_runs_writes_in_order_in_the_transaction(db: Database) -> None:
    async with db.unit_of_work() as session:
        conn = await session.connection()
        driver = (await conn.get_raw_connection()).driver_connection
        moment = "2025-11-10 02:00:00.000000"
        await execute_all(
            driver,
            [
                (
                    "INSERT INTO sweep_run (key, ran_at, queued, skipped) VALUES (?, ?, 1, 0)",
                    ("a", moment),
                ),
                ("UPDATE sweep_run SET queued = queued + 1 WHERE key = ?", ("a",)),
            ],
        )
        await session.rollback()  # not committed: nothing stays
    async with db.sessions() as session:
        assert (await session.execute(select(SweepRun))).first() is None
