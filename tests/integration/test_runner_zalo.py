"""``gopy run`` with Zalo: polling alone, Telegram and Zalo in one process, both webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import Settings, TelegramSettings, WebhookSettings, ZaloSettings
from bot.runner import run
from bot.web import zalo
from tests.fakes.telegram import FakeTelegram, command_update, serve_app
from tests.fakes.zalo import TOKEN, FakeZalo, hex_id, text_event
from tests.integration.test_runner import free_port, running

SECRET = "runner-secret_zalo"


@pytest.fixture
async def zalo_api() -> AsyncIterator[tuple[FakeZalo, str]]:
    fake = FakeZalo()
    runner, url = await serve_app(fake.app())
    yield fake, url
    await runner.cleanup()


def settings_for(tmp_path: Path, zalo_url: str, **more: object) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}",
        web_port=free_port(),
        zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=zalo_url),
        **more,  # type: ignore[arg-type]
    )


async def test_zalo_token_alone_polls_zalo(tmp_path: Path, zalo_api: tuple[FakeZalo, str]) -> None:
    fake, url = zalo_api
    user = hex_id()
    fake.pending.append(text_event(user, "/help"))
    async with running(settings_for(tmp_path, url)):
        await asyncio.wait_for(fake.sent.wait(), timeout=10)
    assert "/comment" in fake.to(user)[0].text
    methods = [c.method for c in fake.calls]
    assert "getWebhookInfo" in methods and "getMe" in methods
    assert "deleteWebhook" not in methods


async def test_polling_refuses_while_a_zalo_webhook_is_set(
    tmp_path: Path, zalo_api: tuple[FakeZalo, str]
) -> None:
    fake, url = zalo_api
    fake.webhook = {"url": "https://elsewhere.example/hook", "secret": "x" * 8}
    # Not in a task of its own: asyncio lets a SystemExit out of a task through the loop.
    with pytest.raises(SystemExit, match="webhook"):
        async with asyncio.timeout(20):
            await run(settings_for(tmp_path, url))


async def test_both_tokens_run_telegram_and_zalo_in_one_process(
    tmp_path: Path, zalo_api: tuple[FakeZalo, str], telegram_api: tuple[FakeTelegram, str]
) -> None:
    zalo_fake, zalo_url = zalo_api
    telegram_fake, telegram_url = telegram_api
    user = hex_id()
    zalo_fake.pending.append(text_event(user, "/help"))
    telegram_fake.pending.append(command_update(11, 990))
    telegram = TelegramSettings(token=SecretStr("42:TEST"), api_url=telegram_url)
    async with running(settings_for(tmp_path, zalo_url, telegram=telegram)):
        await asyncio.wait_for(zalo_fake.sent.wait(), timeout=10)
        await asyncio.wait_for(telegram_fake.sent.wait(), timeout=10)
    assert zalo_fake.to(user)
    assert any(c.method == "sendMessage" and c.chat_id == 990 for c in telegram_fake.calls)
    assert any(c.method == "setMyCommands" for c in telegram_fake.calls), "menu on Telegram"


async def test_webhook_mode_registers_both_and_answers_zalo(
    tmp_path: Path, zalo_api: tuple[FakeZalo, str], telegram_api: tuple[FakeTelegram, str]
) -> None:
    zalo_fake, zalo_url = zalo_api
    telegram_fake, telegram_url = telegram_api
    settings = settings_for(
        tmp_path,
        zalo_url,
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=telegram_url),
        webhook=WebhookSettings(url="https://bot.example.org", secret=SecretStr(SECRET)),
    )
    user = hex_id()
    async with running(settings) as base:
        assert zalo_fake.webhook == {
            "url": "https://bot.example.org" + zalo.webhook_path(SECRET),
            "secret": SECRET,
        }
        assert any(c.method == "setWebhook" for c in telegram_fake.calls)
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                base + zalo.webhook_path(SECRET),
                json=text_event(user, "/help"),
                headers={zalo.SECRET_HEADER: SECRET},
            ) as response,
        ):
            assert response.status == 200
    assert "/comment" in zalo_fake.to(user)[0].text
