"""The local simulator over real HTTP: personas join with a real invite and file a report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot

from bot.app import Runtime, build_dispatcher
from bot.channels.local import Hub, LocalSession
from bot.channels.telegram import bot_properties
from bot.config import Settings
from bot.web.app import build_web_app
from bot.web.simulator import SECRETARY_BASE, Simulator, routes
from scheduler.clock import FrozenClock
from tests.fakes.telegram import serve_app
from tests.seed import seed_ward


class Page:
    """What the web page does: JSON calls to the simulator API."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base, self.after = http, base, 0

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.base + path, json=body) as response:
            return response.status, await response.json()

    async def say(self, persona: int, text: str) -> list[dict[str, Any]]:
        status, _ = await self.call("POST", "/api/send", {"persona": persona, "text": text})
        assert status == 200
        return await self.news(persona)

    async def news(self, persona: int) -> list[dict[str, Any]]:
        status, body = await self.call(
            "GET", f"/api/messages?persona={persona}&after={self.after}&wait=0"
        )
        assert status == 200
        self.after = body["last"]
        return list(body["messages"])


@pytest.fixture
async def page(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[Page]:
    runtime = Runtime.create(Settings(database_url=sqlite_url), clock)
    async with runtime.sessions() as session:
        await seed_ward(session)
        await session.commit()
    dp = build_dispatcher(runtime)
    hub = Hub(clock)
    bot = Bot("0:local", session=LocalSession(hub), default=bot_properties())
    runner, url = await serve_app(build_web_app(routes(Simulator(dp, bot, hub, runtime.sessions))))
    async with aiohttp.ClientSession() as http:
        yield Page(http, url)
    await runner.cleanup()
    await runtime.close()


async def test_page_and_personas(page: Page) -> None:
    async with page.http.get(page.base + "/") as response:
        assert response.status == 200 and "gopy" in await response.text()
    status, body = await page.call("GET", "/api/personas")
    assert status == 200
    secretaries = [p for p in body["personas"] if p["role"] == "secretary"]
    assert len(secretaries) == 2 and not any(p["joined"] for p in secretaries)


async def test_secretary_joins_and_starts_a_report(page: Page) -> None:
    me = SECRETARY_BASE
    status, _ = await page.call("POST", f"/api/personas/{me}/join")
    assert status == 200
    joined = await page.news(me)
    assert joined[0]["from"] == "user" and joined[0]["text"].startswith("/start i-")
    assert "bí thư" in joined[-1]["text"]
    assert joined[-1]["keyboard"][0][0] == "📝 Báo cáo tuần"
    _, body = await page.call("GET", "/api/personas")
    assert next(p for p in body["personas"] if p["id"] == me)["joined"]

    asked = await page.say(me, "📝 Báo cáo tuần")
    choice = asked[-1]
    this_week = next(b for row in choice["buttons"] for b in row if "Tuần này" in b["text"])
    status, _ = await page.call(
        "POST",
        "/api/press",
        {"persona": me, "message_id": choice["id"], "data": this_week["data"]},
    )
    assert status == 200
    assert "Câu 1/9" in (await page.news(me))[-1]["text"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/send", "not an object", 400),
        ("POST", "/api/send", {"persona": 1001, "text": ""}, 400),
        ("POST", "/api/send", {"persona": 1001, "text": "x" * 9000}, 400),
        ("POST", "/api/send", {"persona": 42, "text": "hi"}, 404),
        ("POST", "/api/send", {"persona": True, "text": "hi"}, 404),
        ("POST", "/api/press", {"persona": 1001, "message_id": "x", "data": "a"}, 400),
        ("POST", "/api/press", {"persona": 1001, "message_id": 999, "data": "a"}, 404),
        ("POST", "/api/personas/abc/join", None, 404),
        ("GET", "/api/messages?persona=x", None, 400),
        ("GET", "/api/messages?persona=1001&wait=nan", None, 400),
    ],
)
async def test_garbage_gets_4xx(
    page: Page, method: str, path: str, body: Any, status: int
) -> None:
    got, payload = await page.call(method, path, body)
    assert got == status and "error" in payload
