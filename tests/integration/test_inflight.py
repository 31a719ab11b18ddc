"""Update dedupe across processes: with Redis, an update being handled by one process is
dropped when its re-delivery reaches another at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.dispatcher.middlewares.user_context import EventContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis

from handlers.middlewares import UpdateSession
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.inflight import MemoryInFlight, RedisInFlight
from tests.fakes.telegram import command_update

pytestmark = pytest.mark.redis
TIMEOUT = 30.0


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(database_url)
    yield create_session_factory(engine)
    await engine.dispose()


def _fsm() -> FSMContextMiddleware:
    """A process's own FSM (state in its memory, its own chat locks)."""
    return FSMContextMiddleware(storage=MemoryStorage(), events_isolation=SimpleEventIsolation())


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    bot = Bot("42:TEST")
    yield bot
    await bot.session.close()


async def test_redelivery_in_another_process_is_dropped_while_handled(
    sessions: SessionFactory, redis_url: str, clock: Any, bot: Bot
) -> None:
    clients = [Redis.from_url(redis_url), Redis.from_url(redis_url)]
    # Two processes: each its own middleware and Redis connection, one Redis.
    first, second = (UpdateSession(sessions, clock, _fsm(), RedisInFlight(c)) for c in clients)
    update = Update.model_validate(command_update(update_id=501, chat_id=9001))
    assert update.message is not None and update.message.from_user is not None
    message = update.message
    user = update.message.from_user
    started, go = asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    async def handler(event: TelegramObject, data: dict[str, Any]) -> str:
        handled.append(data["update_key"])
        started.set()
        await go.wait()
        return "done"

    def data() -> dict[str, Any]:
        context = EventContext(chat=message.chat, user=user)
        return {"event_from_user": user, "event_context": context, "bot": bot}

    try:
        running = asyncio.create_task(first(handler, update, data()))
        await asyncio.wait_for(started.wait(), TIMEOUT)
        assert await asyncio.wait_for(second(handler, update, data()), TIMEOUT) is None
        go.set()
        assert await asyncio.wait_for(running, TIMEOUT) == "done"
        assert handled == ["42:501"]
        # Handled, the mark is gone: from now on the database's dedupe mark decides.
        assert await clients[0].exists("gopy:inflight:42:501") == 0
    finally:
        for client in clients:
            await client.aclose()


async def test_redis_mark_expires_when_its_process_dies(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        dead = RedisInFlight(client, hold=timedelta(seconds=30))
        assert await dead.claim("42:7")
        # The process dies without releasing: another cannot take the update now...
        assert not await RedisInFlight(client).claim("42:7")
        # ...but can once the mark expires, before Telegram's re-delivery.
        ttl = await client.ttl("gopy:inflight:42:7")
        assert 0 < ttl <= 30
    finally:
        await client.aclose()


async def test_memory_in_flight_is_one_process() -> None:
    flight = MemoryInFlight()
    assert await flight.claim("1:1")
    assert not await flight.claim("1:1")
    await flight.release("1:1")
    assert await flight.claim("1:1")
