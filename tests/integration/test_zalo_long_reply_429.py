"""A long Zalo reply (cut into several messages) that meets a 429 half-way.

# review: ``ZaloTransport.send_text`` sends the parts of a text over 2,000 characters one by
# one under a single throttle slot; a 429 on the second part raises for the whole call, so the
# throttle retries the whole ``sendMessage`` (or, past the bound, queues the whole text in the
# outbox) and the parts that Zalo had accepted go out twice. Not a small fix: the session
# would have to remember how far a call got, or the text be cut before the throttle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web
from pydantic import SecretStr

from bot.channels.zalo import build_zalo_bot
from bot.config import Settings, ZaloSettings
from bot.throttle.limiter import MemoryLimiter, Rate
from bot.throttle.middleware import RetryBound, Throttle
from bot.web.shelf import Shelf
from scheduler.clock import FrozenClock
from storage.database import Database, create_engine
from tests.fakes.telegram import serve_app
from tests.fakes.zalo import TOKEN, FakeZalo
from tests.integration.test_zalo_session import COMMANDS, USER


class SecondPartRefused(FakeZalo):
    """Accepts the first message, answers 429 to the second once, then accepts all."""

    refused = False

    def _send(self, method: str, params: dict[str, Any]) -> web.Response:
        if method == "sendMessage" and len(self.calls) == 2 and not self.refused:
            self.refused = True
            self.failures[str(params["chat_id"])] = [(429, "Quota exceeded")]
        return super()._send(method, params)


class Moment:
    """The limiter's time, moved on by its sleeps: Zalo's 429 pauses 30 s, at once here."""

    def __init__(self) -> None:
        self.at = 1000.0

    def now(self) -> float:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.at += max(seconds, 0.0)


@pytest.fixture
async def zalo(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[tuple[Bot, FakeZalo]]:
    fake = SecondPartRefused()
    runner, url = await serve_app(fake.app())
    engine = create_engine(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=url)
    )
    moment = Moment()
    throttle = Throttle(
        MemoryLimiter(Rate(1000, 0), moment.now),
        bound=RetryBound(tries=3, seconds=600),
        sleep=moment.sleep,
        late_after=1e9,
    )
    bot = build_zalo_bot(
        settings,
        db=Database(engine),
        clock=clock,
        commands=COMMANDS,
        shelf=Shelf(clock, base_url="https://gopy.example"),
        poll_floor=0,
        throttle=throttle,
    )
    yield bot, fake
    await bot.session.close()
    await engine.dispose()
    await runner.cleanup()


@pytest.mark.xfail(strict=True, reason="review: the accepted parts of a long Zalo text repeat")
async def test_a_429_half_way_through_a_long_text_repeats_nothing(
    zalo: tuple[Bot, FakeZalo],
) -> None:
    bot, fake = zalo
    chat = await bot.session.ids.local(USER)  # type: ignore[attr-defined]
    text = "\n".join([f"dòng {i} " + "chữ " * 60 for i in range(12)])  # ≈ 3,000 characters
    await bot.send_message(chat, text)
    delivered = [c.text for c in fake.calls if c.method == "sendMessage"]
    assert len(delivered) == len(set(delivered)) == 2
