"""Several senders on one outbox (PostgreSQL): each takes its own batch (``FOR UPDATE SKIP
LOCKED``) and every message goes once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import col

from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from scheduler.clock import SystemClock
from scheduler.delivery import Delivery, Limits
from storage.database import Database, create_engine, create_session_factory
from storage.models import Outbox, OutboxStatus
from storage.outbox import next_batch, release
from tests.databases import truncate_postgres
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.integration.test_outbox_crash import FIRST_CHAT, seed_outbox

pytestmark = pytest.mark.postgres
TOTAL = 600
TIMEOUT = 60.0


@pytest.fixture
async def pg_url(postgres_ready: str) -> str:
    await truncate_postgres(postgres_ready)
    return postgres_ready


async def test_batches_of_two_senders_are_disjoint(pg_url: str) -> None:
    now = datetime.now(UTC)
    await seed_outbox(pg_url, 10, now)
    engines = [create_engine(pg_url), create_engine(pg_url)]
    first, second = (create_session_factory(engine)() for engine in engines)
    try:
        until = now + timedelta(minutes=1)
        # The first sender's transaction is still open (its rows locked): the second does
        # not wait for it, it takes the rows nobody holds.
        mine = await next_batch(
            session=first, now=now, channels=["telegram"], until=until, limit=4
        )
        theirs = await asyncio.wait_for(
            next_batch(session=second, now=now, channels=["telegram"], until=until, limit=4),
            TIMEOUT,
        )
        await first.commit()
        await second.commit()
        assert len(mine) == len(theirs) == 4
        assert not {p.id for p in mine} & {p.id for p in theirs}
        assert all(p.lease == until for p in [*mine, *theirs])
        # Committed, the leases keep them apart too: two rows are left for anyone.
        rest = await next_batch(
            session=first, now=now, channels=["telegram"], until=until, limit=10
        )
        assert len(rest) == 2
        await first.commit()
        # Given back (their chat must wait), they may go with the next batch of anyone.
        await release(session=first, parcel_ids=[p.id for p in mine], held=until)
        await first.commit()
        again = await next_batch(
            session=second, now=now, channels=["telegram"], until=until, limit=10
        )
        assert {p.id for p in again} == {p.id for p in mine}
        assert all(p.attempts == 0 for p in again)  # holding a batch is not a try
        await second.commit()
    finally:
        await first.close()
        await second.close()
        for engine in engines:
            await engine.dispose()


async def test_two_delivery_loops_send_each_message_once(pg_url: str) -> None:
    await seed_outbox(pg_url, TOTAL, datetime.now(UTC))
    fake = LimitedTelegram(per_second=None, per_chat_seconds=0)
    runner, api_url = await serve(fake)
    settings = Settings(
        database_url=pg_url,
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
    )
    engines = [create_engine(pg_url), create_engine(pg_url)]
    bots = [build_telegram_bot(settings), build_telegram_bot(settings)]
    # Small batches and a rate that takes a while: the two loops overlap for sure.
    limits = Limits(rate=300, per_chat_seconds=0, concurrency=4, lease=timedelta(seconds=1))
    loops = [
        Delivery(
            db=Database(engine),
            bots={"telegram": bot},
            clock=SystemClock(),
            limits=limits,
        )
        for engine, bot in zip(engines, bots, strict=True)
    ]
    try:
        tallies = await asyncio.wait_for(
            asyncio.gather(*(loop.drain() for loop in loops)), TIMEOUT
        )
    finally:
        for bot in bots:
            await bot.session.close()
        for engine in engines:
            await engine.dispose()
        await runner.cleanup()

    received = fake.per_chat()
    assert set(received) == {FIRST_CHAT + i for i in range(TOTAL)}
    assert fake.duplicates == 0
    assert sum(t.sent for t in tallies) == TOTAL
    assert all(t.sent > 0 for t in tallies), [t.sent for t in tallies]

    engine = create_engine(pg_url)
    try:
        async with create_session_factory(engine)() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(col(Outbox.status) != OutboxStatus.SENT)
            )
            tried_twice = await session.scalar(
                select(func.count()).select_from(Outbox).where(col(Outbox.attempts) > 1)
            )
    finally:
        await engine.dispose()
    assert pending == 0
    assert tried_twice == 0  # no sender claimed a message another one had
