"""Direct replies at the platform's ceiling, through the Dispatcher and real Updates, against
the limit-enforcing fake Bot API (tests/fakes/limited.py) on loopback: a reply answered 429 is
retried and arrives; past the bound it goes to the outbox and delivery sends it; two processes
on one Redis share one budget; the Zalo bot's session passes through the middleware too."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import col

from bot.app import Runtime, build_dispatcher
from bot.channels import updates
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.throttle.limiter import Limiter, MemoryLimiter, Rate, Slot
from bot.throttle.middleware import RetryBound, Throttle
from bot.throttle.overflow import OutboxOverflow
from bot.throttle.redis_limiter import RedisLimiter
from scheduler.clock import FrozenClock
from scheduler.delivery import Delivery, Limits
from storage.models import Outbox, OutboxStatus, Purpose
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.seed import TEST_SECRET, seed_ward
from tests.zalo_chat import ZaloApp

_ids = itertools.count(1)


@dataclass
class Gopy:
    runtime: Runtime
    dp: Dispatcher
    bot: Bot
    throttle: Throttle

    async def say(self, user_id: int, text: str) -> None:
        update = updates.text_update(
            update_id=next(_ids),
            sender=updates.user(user_id, "Trần Thị Bình"),
            text=text,
            message_id=next(_ids),
            date=self.runtime.clock.now(),
        )
        await self.dp.feed_update(self.bot, update)


Build = Callable[[Limiter, RetryBound], Awaitable[Gopy]]


@pytest.fixture
async def limited() -> AsyncIterator[tuple[LimitedTelegram, str]]:
    # Three seconds per chat: two updates of one chat fall within it even on a loaded machine.
    fake = LimitedTelegram(per_second=20, per_chat_seconds=3.0)
    runner, url = await serve(fake)
    yield fake, url
    await runner.cleanup()


@pytest.fixture
async def gopy(
    database_url: str, clock: FrozenClock, limited: tuple[LimitedTelegram, str]
) -> AsyncIterator[Build]:
    """Builds gopy processes on one database, each with the limiter it is given."""
    _, url = limited
    built: list[Gopy] = []
    settings = Settings(
        database_url=database_url,
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=url),
        secret_key=SecretStr(TEST_SECRET),
    )
    seeded = False

    async def build(limiter: Limiter, bound: RetryBound) -> Gopy:
        nonlocal seeded
        runtime = Runtime.create(settings, clock)
        if not seeded:
            async with runtime.db.sessions() as session:
                await seed_ward(session)
                await session.commit()
            seeded = True
        overflow = OutboxOverflow(
            channel="telegram",
            db=runtime.db,
            clock=clock,
        )
        throttle = Throttle(limiter, bound=bound, overflow=overflow)
        app = Gopy(
            runtime, build_dispatcher(runtime), build_telegram_bot(settings, throttle), throttle
        )
        built.append(app)
        return app

    yield build
    for app in built:
        await app.dp.storage.close()
        await app.bot.session.close()
        await app.throttle.limiter.close()
        await app.runtime.close()


# The limiter set looser than the platform (per chat), as when another client of the same bot
# spent its budget: the platform's 429 is what these tests are about.
LOOSE = Rate(per_second=100, per_chat_seconds=0)


async def test_a_reply_answered_429_is_retried_and_arrives(
    gopy: Build, limited: tuple[LimitedTelegram, str]
) -> None:
    fake, _ = limited
    app = await gopy(MemoryLimiter(LOOSE), RetryBound(tries=3, seconds=20))
    await app.say(501, "/help")
    first = [a.text for a in fake.accepted]
    await app.say(501, "/help")  # within the chat's gap: the platform says 429
    assert fake.throttled >= 1
    assert app.throttle.tally.retried >= 1
    assert [a.text for a in fake.accepted] == first * 2  # all of it, in order
    async with app.runtime.db.sessions() as session:
        assert (await session.scalars(select(Outbox))).all() == []


async def test_past_the_bound_the_reply_goes_to_the_outbox_and_delivery_sends_it(
    gopy: Build, limited: tuple[LimitedTelegram, str]
) -> None:
    fake, _ = limited
    app = await gopy(MemoryLimiter(LOOSE), RetryBound(tries=0, seconds=20))
    await app.say(502, "/help")
    first = [a.text for a in fake.accepted]
    assert len(first) == 1
    await app.say(502, "/help")
    assert [a.text for a in fake.accepted] == first  # not sent, and no apology either
    assert app.throttle.tally.moved == 1
    async with app.runtime.db.sessions() as session:
        (queued,) = (await session.scalars(select(Outbox))).all()
    assert queued.purpose is Purpose.DEFERRED
    assert queued.text == first[0]
    assert queued.chat_id == "502"

    delivery = Delivery(
        db=app.runtime.db,
        bots={"telegram": app.bot},
        clock=app.runtime.clock,
        limits=Limits(),
    )
    # Delivery sends as outbox traffic through the same limiter: it waits out the pause.
    await delivery.drain()
    assert [a.text for a in fake.accepted] == first * 2
    async with app.runtime.db.sessions() as session:
        status = await session.scalar(select(col(Outbox.status)))
    assert status is OutboxStatus.SENT


async def test_two_processes_on_one_redis_share_the_budget(
    gopy: Build, limited: tuple[LimitedTelegram, str], redis_url: str
) -> None:
    fake, _ = limited  # 20 a second
    rate = Rate(per_second=18, per_chat_seconds=1.0)
    first = await gopy(RedisLimiter.from_url(redis_url, "telegram:42", rate), RetryBound())
    second = await gopy(RedisLimiter.from_url(redis_url, "telegram:42", rate), RetryBound())
    await asyncio.gather(
        *((first if n % 2 else second).say(10_000 + n, "/help") for n in range(40))
    )
    assert len(fake.accepted) == 40
    assert fake.throttled == 0
    assert fake.max_in_window(1.0) <= 20


async def test_without_a_limiter_the_same_burst_is_refused(
    limited: tuple[LimitedTelegram, str],
) -> None:
    """The baseline of the test above: it could fail."""
    fake, url = limited
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    bot = Bot("42:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    try:
        results = await asyncio.gather(
            *(bot.send_message(10_000 + n, "xin chào") for n in range(40)),
            return_exceptions=True,
        )
    finally:
        await bot.session.close()
    assert sum(isinstance(r, Exception) for r in results) == fake.throttled > 0


class Counting:
    """A memory limiter that counts what it books."""

    def __init__(self) -> None:
        self.inner = MemoryLimiter(Rate(1000, 0))
        self.chats: list[str | None] = []

    async def book(self, chat: str | None, *, background: bool = False) -> Slot:
        self.chats.append(chat)
        return await self.inner.book(chat, background=background)

    async def sent(self, chat: str) -> None:
        await self.inner.sent(chat)

    async def pause(self, seconds: float) -> None:
        await self.inner.pause(seconds)

    async def paused_for(self) -> float:
        return await self.inner.paused_for()

    async def close(self) -> None:
        return None


async def test_the_zalo_session_passes_through_the_middleware(zalo_app: ZaloApp) -> None:
    counting = Counting()
    zalo_app.bot.session.middleware(Throttle(counting))
    chat = zalo_app.chat(503)
    await chat.say("/help")
    assert chat.sent()  # the reply went out
    assert counting.chats  # …through the limiter, on the chat's local id
    assert all(c is not None and c.isdigit() for c in counting.chats)
