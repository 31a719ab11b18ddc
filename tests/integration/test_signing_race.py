"""Two officials signing the ward's report at once, over and over: one signature stored each
time, the other told someone signed first; revisions stay 1..N with no gap and no error.

On PostgreSQL the two officials are two OS processes, released together each round by an
advisory lock the test holds; on both databases, two tasks of one process (as the bot runs
two updates at once)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from services.reporting import Assignment, target
from services.signing import Signed, own_form, sign
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.models import Campaign, Period, Person, Report, ReportRevision, SignedFile, Unit
from storage.reports import file_report
from tests.databases import truncate_postgres
from tests.integration.signing_worker import SIGNED_AT
from tests.integration.signing_world import World, build_world, render

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20
LOCK_CLASS = 7114  # the advisory locks' first key: the rounds' gates
WAIT = 60.0  # seconds; only reached when something is broken


async def seed(sessions: SessionFactory) -> tuple[World, Period]:
    """The world, two cells filed, and the ward's week that is open on Thursday morning."""
    async with sessions() as session:
        world = await build_world(session, cells=2)
        for news, cell in enumerate(world.cells, start=1):
            found = await target(
                session=session, assignment=Assignment(cell, world.campaign), now=SIGNED_AT
            )
            assert found is not None
            await file_report(
                session=session,
                period=found.period,
                unit=cell,
                values={"news_count": news},
                person=world.person,
                now=SIGNED_AT - timedelta(days=1),
            )
        ward = await target(
            session=session,
            assignment=Assignment(world.ward, world.campaign, signs=True),
            now=SIGNED_AT,
        )
        assert ward is not None and ward.report is None
        await session.commit()
        return world, ward.period


async def stored(sessions: SessionFactory, ward: Unit) -> tuple[list[int], int, int]:
    """The ward's revision numbers, its report's count of them, its signed files."""
    async with sessions() as session:
        report = (
            await session.execute(select(Report).where(col(Report.unit_id) == ward.id))
        ).scalar()
        assert report is not None
        numbers = await session.execute(
            select(col(ReportRevision.number))
            .where(col(ReportRevision.report_id) == report.id)
            .order_by(col(ReportRevision.number))
        )
        files = await session.scalar(
            select(func.count())
            .select_from(SignedFile)
            .join(ReportRevision, col(ReportRevision.id) == SignedFile.revision_id)
            .where(col(ReportRevision.report_id) == report.id)
        )
        return list(numbers.scalars().all()), report.revisions, int(files or 0)


@contextlib.asynccontextmanager
async def official(
    url: str, world: World, period: Period
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A signing process (tests/integration/signing_worker.py); killed if running at exit."""
    ids = (world.ward.id, period.id, world.person.id, ROUNDS, LOCK_CLASS)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.signing_worker",
        url,
        *(str(n) for n in ids),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def waiting(gate: AsyncConnection, number: int) -> int:
    """How many processes wait at round ``number``'s gate."""
    found = await gate.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = :c AND objid = :r AND objsubid = 2"
        ),
        {"c": LOCK_CLASS, "r": number},
    )
    return int(found or 0)


async def outcome(process: asyncio.subprocess.Process) -> dict[str, int | None]:
    assert process.stdout is not None and process.stderr is not None
    line = await asyncio.wait_for(process.stdout.readline(), WAIT)
    if not line:
        error = await process.stderr.read()
        pytest.fail(f"a signing process died:\n{error.decode()}")
    found: dict[str, int | None] = json.loads(line)
    return found


@pytest.mark.postgres
async def test_two_processes_sign_at_once_one_wins_each_round(postgres_ready: str) -> None:
    await truncate_postgres(postgres_ready)
    engine = create_engine(postgres_ready)
    sessions = create_session_factory(engine)
    try:
        world, period = await seed(sessions)
        async with engine.connect() as gate:
            await gate.execution_options(isolation_level="AUTOCOMMIT")
            for number in range(ROUNDS):  # every gate shut before the processes start
                await gate.execute(
                    text("SELECT pg_advisory_lock(:c, :r)"), {"c": LOCK_CLASS, "r": number}
                )
            async with (
                official(postgres_ready, world, period) as first,
                official(postgres_ready, world, period) as second,
            ):
                for number in range(ROUNDS):
                    # Both at the gate: PostgreSQL shows a waiting lock only when asked, so ask
                    # until both are there (a condition, not a guessed delay).
                    async with asyncio.timeout(WAIT):
                        while await waiting(gate, number) < 2:  # noqa: ASYNC110
                            await asyncio.sleep(0.01)
                    await gate.execute(
                        text("SELECT pg_advisory_unlock(:c, :r)"), {"c": LOCK_CLASS, "r": number}
                    )
                    results = [await outcome(first), await outcome(second)]
                    assert [r["round"] for r in results] == [number, number]
                    assert sorted(results, key=lambda r: r["number"] is None) == [
                        {"round": number, "number": number + 1},
                        {"round": number, "number": None},
                    ], results
                assert await first.wait() == 0
                assert await second.wait() == 0
        numbers, count, files = await stored(sessions, world.ward)
        assert numbers == list(range(1, ROUNDS + 1))
        assert count == ROUNDS
        assert files == 3 * ROUNDS
    finally:
        await engine.dispose()


async def test_two_tasks_sign_at_once_one_wins_each_round(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        world, period = await seed(sessions)

        async def attempt(seen: int, barrier: asyncio.Barrier) -> int | None:
            async with sessions() as session:
                ward = await session.get(Unit, world.ward.id)
                campaign = await session.get(Campaign, world.campaign.id)
                person = await session.get(Person, world.person.id)
                assert ward is not None and campaign is not None and person is not None
                form = await own_form(session=session, unit=ward, campaign=campaign)
                await barrier.wait()
                signed: Signed | None = await sign(
                    session=session,
                    unit=ward,
                    campaign=campaign,
                    period=period,
                    own={"news_count": seen},
                    form=form,
                    person=person,
                    now=SIGNED_AT + timedelta(minutes=seen),
                    seen=seen,
                    render=render,
                )
                await session.commit()
                return signed.filed.revision.number if signed is not None else None

        for seen in range(ROUNDS):
            barrier = asyncio.Barrier(2)
            results = await asyncio.gather(attempt(seen, barrier), attempt(seen, barrier))
            assert sorted(results, key=lambda n: n is None) == [seen + 1, None], results
        numbers, count, files = await stored(sessions, world.ward)
        assert numbers == list(range(1, ROUNDS + 1))
        assert count == ROUNDS
        assert files == 3 * ROUNDS
    finally:
        await engine.dispose()
