"""The simulator over real HTTP, across a restart of the server (issue 12, bug 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiogram import Bot

from bot.app import Runtime, build_dispatcher
from bot.channels.local import Hub, LocalSession
from bot.channels.telegram import bot_properties
from bot.config import Settings
from bot.web.app import build_web_app
from bot.web.simulator import SECRETARY_BASE, Simulator, chats_folder, routes
from scheduler.clock import FrozenClock
from tests.fakes.telegram import serve_app
from tests.integration.test_simulator import Page
from tests.seed import seed_ward


@asynccontextmanager
async def simulator(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[Page]:
    """One run of ``gopy run`` in simulator mode: a new Hub, as after a restart."""
    runtime = Runtime.create(Settings(database_url=sqlite_url), clock)
    dp = build_dispatcher(runtime)
    hub = Hub(clock, store=chats_folder(sqlite_url))
    bot = Bot("0:local", session=LocalSession(hub), default=bot_properties())
    runner, url = await serve_app(
        build_web_app(routes(Simulator(dp, bot, hub, runtime.db.sessions)))
    )
    try:
        async with aiohttp.ClientSession() as http:
            yield Page(http, url)
    finally:
        await runner.cleanup()
        await runtime.close()


async def _seeded(sqlite_url: str, clock: FrozenClock) -> None:
    runtime = Runtime.create(Settings(database_url=sqlite_url), clock)
    async with runtime.db.sessions() as session:
        await seed_ward(session)
        await session.commit()
    await runtime.close()


async def messages(page: Page, persona: int) -> dict[str, Any]:
    status, body = await page.call("GET", f"/api/messages?persona={persona}&after=0&wait=0")
    assert status == 200
    return dict(body)


async def test_joined_badge_comes_with_the_messages(sqlite_url: str, clock: FrozenClock) -> None:
    """Bug 7: the «đã tham gia» badge changed only after a reload of the page."""
    await _seeded(sqlite_url, clock)
    async with simulator(sqlite_url, clock) as page:
        assert (await messages(page, SECRETARY_BASE))["joined"] is False
        status, _ = await page.call("POST", f"/api/personas/{SECRETARY_BASE}/join")
        assert status == 200
        assert (await messages(page, SECRETARY_BASE))["joined"] is True


async def test_chat_history_survives_a_restart(sqlite_url: str, clock: FrozenClock) -> None:
    """Bug 7: after a restart of the simulator every chat was empty."""
    await _seeded(sqlite_url, clock)
    me = SECRETARY_BASE
    async with simulator(sqlite_url, clock) as page:
        await page.call("POST", f"/api/personas/{me}/join")
        await page.say(me, "/help")
        before = (await messages(page, me))["messages"]
    assert [m["from"] for m in before][:1] == ["user"] and len(before) >= 4

    async with simulator(sqlite_url, clock) as page:
        after = (await messages(page, me))["messages"]
        assert [(m["id"], m["from"], m["text"]) for m in after] == [
            (m["id"], m["from"], m["text"]) for m in before
        ]
        await page.say(me, "/help")
        newer = (await messages(page, me))["messages"]
    assert len(newer) > len(after)
    assert min(m["id"] for m in newer[len(after) :]) > max(m["id"] for m in before), (
        "ids go on after a restart: an old button must not point at a new message"
    )
