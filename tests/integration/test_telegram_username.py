"""The landing page's Telegram button asks getMe of the running bot: a Telegram that does not
answer (a network that drops its packets) must not hold the page for aiogram's minute."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

import bot.runner
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.runner import telegram_username


async def test_a_telegram_that_never_answers_leaves_the_page_without_its_button(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = asyncio.Event()
    never = asyncio.Event()

    async def silent(_request: web.Request) -> web.Response:
        asked.set()
        await never.wait()
        raise AssertionError("unreachable")

    app = web.Application()
    app.router.add_post("/{tail:.*}", silent)
    monkeypatch.setattr(bot.runner, "ASK_TELEGRAM_SECONDS", 0.05)
    async with TestServer(app) as server:
        base = str(server.make_url("")).rstrip("/")
        settings = Settings(
            database_url="sqlite+aiosqlite://",
            telegram=TelegramSettings(token=SecretStr("123:abc"), api_url=base),
        )
        telegram = build_telegram_bot(settings)
        try:
            username = telegram_username(settings, [telegram])
            # aiogram's own timeout is a minute: far past this bound.
            assert await asyncio.wait_for(username(), 20) is None
            assert asked.is_set(), "getMe was asked"
        finally:
            never.set()
            await telegram.session.close()
