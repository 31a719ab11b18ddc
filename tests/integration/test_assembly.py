"""bot.app.assemble, the composition root: the services are built once and shared by the
dispatcher, the desk and the scheduler; the scheduler starts on the dispatcher's startup and
stops on its shutdown. Against the fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import Gopy, Runtime, assemble
from bot.channels.telegram import build_telegram_bot
from bot.config import SchedulerSettings, Settings, TelegramSettings
from scheduler.clock import FrozenClock
from storage.models import Purpose, SweepRun
from storage.outbox import Letter, enqueue
from storage.people import create_person
from tests.fakes.telegram import FakeTelegram
from tests.seed import TEST_SECRET


@pytest.fixture
async def parts(
    database_url: str, clock: FrozenClock, telegram_api: tuple[FakeTelegram, str]
) -> AsyncIterator[tuple[Runtime, Bot]]:
    _fake, api_url = telegram_api
    settings = Settings(
        database_url=database_url,
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
        secret_key=SecretStr(TEST_SECRET),
        scheduler=SchedulerSettings(enabled=True),
    )
    runtime = Runtime.create(settings, clock)
    bot = build_telegram_bot(settings)
    try:
        yield runtime, bot
    finally:
        await bot.session.close()
        await runtime.close()


@pytest.fixture
async def gopy(parts: tuple[Runtime, Bot]) -> AsyncIterator[Gopy]:
    runtime, bot = parts
    assembled = assemble(runtime, [bot], scheduling=True)
    try:
        yield assembled
    finally:
        await assembled.close()


async def test_the_services_are_built_once_and_shared(gopy: Gopy) -> None:
    services, dp, scheduler = gopy.services, gopy.dp, gopy.scheduler
    assert dp["outreach"] is services.outreach and dp["files"] is services.files
    assert scheduler is not None and scheduler.delivery is not None
    # The chat's and the desk's queueing rings the one delivery loop's bell.
    assert services.outreach.wake == scheduler.delivery.wake
    assert scheduler.sweeper.render is services.outreach.render
    assert scheduler.sweeper.db is gopy.runtime.db is scheduler.delivery.db


async def test_the_scheduler_starts_and_stops_with_the_dispatcher(
    gopy: Gopy, parts: tuple[Runtime, Bot]
) -> None:
    _runtime, bot = parts
    scheduler = gopy.scheduler
    assert scheduler is not None and not scheduler.scheduler.running
    await gopy.dp.emit_startup(bot=bot, bots=[bot])
    try:
        assert scheduler.scheduler.running
        assert scheduler.scheduler.get_job("resync") is not None
    finally:
        await gopy.dp.emit_shutdown(bot=bot, bots=[bot])
    assert not scheduler.scheduler.running


async def test_a_process_that_does_not_schedule_starts_no_scheduler(
    parts: tuple[Runtime, Bot],
) -> None:
    runtime, bot = parts
    gopy = assemble(runtime, [bot], scheduling=False)
    try:
        assert gopy.scheduler is None
        await gopy.dp.emit_startup(bot=bot, bots=[bot])
        await gopy.dp.emit_shutdown(bot=bot, bots=[bot])
    finally:
        await gopy.close()


async def test_a_process_that_does_not_sweep_still_delivers_the_outbox(
    parts: tuple[Runtime, Bot], telegram_api: tuple[FakeTelegram, str], clock: FrozenClock
) -> None:
    """GOPY_SCHEDULER_ENABLED=false (compose's workers): never a sweep, but a letter queued
    here (a reply moved to the outbox, a desk's answer) goes out from this process at once."""
    runtime, bot = parts
    fake, _url = telegram_api
    async with runtime.db.unit_of_work() as session:
        person = await create_person(
            session=session, channel="telegram", external_id="777", full_name="A", now=clock.now()
        )
        letter = Letter(
            key="assembly:1",
            purpose=Purpose.DEFERRED,
            person_id=person.id or 0,
            channel="telegram",
            chat_id="777",
            text="Đã nhận",
            markup=None,
            not_before=clock.now(),
        )
        await enqueue(session=session, letters=[letter], now=clock.now())
    gopy = assemble(runtime, [bot], scheduling=True, sweeps=False)
    try:
        scheduler = gopy.scheduler
        assert scheduler is not None
        await gopy.dp.emit_startup(bot=bot, bots=[bot])
        try:
            await asyncio.wait_for(fake.sent.wait(), 10)
            assert [c.params["text"] for c in fake.calls if c.method == "sendMessage"] == [
                "Đã nhận"
            ]
            assert not scheduler.leader.leading
        finally:
            await asyncio.wait_for(gopy.dp.emit_shutdown(bot=bot, bots=[bot]), 10)
        async with runtime.db.sessions() as session:
            assert (await session.scalars(select(SweepRun))).all() == []
    finally:
        await gopy.close()
