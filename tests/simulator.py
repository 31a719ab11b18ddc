"""The local simulator served on loopback, as ``make run`` without a token serves it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Runtime, build_dispatcher
from bot.channels.local import Hub, LocalSession
from bot.channels.telegram import bot_properties
from bot.config import Settings
from bot.web.app import build_web_app
from bot.web.simulator import Simulator, routes
from scheduler.clock import FrozenClock
from tests.fakes.telegram import serve_app

Loader = Callable[[AsyncSession, Runtime], Awaitable[object]]


@asynccontextmanager
async def serve_simulator(
    database_url: str, clock: FrozenClock, load: Loader
) -> AsyncIterator[str]:
    """The simulator's page and API over ``load``'s units; yields its base URL."""
    runtime = Runtime.create(Settings(database_url=database_url), clock)
    try:
        async with runtime.db.sessions() as session:
            await load(session, runtime)
            await session.commit()
        dp = build_dispatcher(runtime)
        hub = Hub(clock)
        bot = Bot("0:local", session=LocalSession(hub), default=bot_properties())
        app = build_web_app(routes(Simulator(dp, bot, hub, runtime.db.sessions)))
        # A page left open keeps a long poll waiting (up to 25 s) that nobody will read.
        runner, url = await serve_app(app, shutdown_timeout=0.5)
        try:
            yield url
        finally:
            await runner.cleanup()
            await dp.storage.close()
    finally:
        await runtime.close()
