"""``gopy run`` with Zalo: polling alone, Telegram and Zalo in one process, both webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import Settings, TelegramSettings, WebhookSettings, ZaloSettings
from bot.runner import run
from bot.web import zalo
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import RoleKind
from tests.chat import at
from tests.fakes.telegram import FakeTelegram, command_update, serve_app
from tests.fakes.zalo import TOKEN, FakeZalo, ZaloCall, hex_id, text_event
from tests.integration.test_runner import free_port, running
from tests.seed import TEST_SECRET, invite, seed_ward

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


async def said(fake: FakeZalo, user: str, done: Callable[[list[ZaloCall]], bool]) -> None:
    """Wait (on the fake's sends, 10 s at most) until what ``user`` got satisfies ``done``."""
    async with asyncio.timeout(10):
        while True:
            fake.sent.clear()
            if done(fake.to(user)):
                return
            await fake.sent.wait()


async def test_polling_zalo_links_files_at_the_public_address(
    tmp_path: Path, zalo_api: tuple[FakeZalo, str]
) -> None:
    """Regression: polling with GOPY_PUBLIC_URL set, the files Zalo gets as links (a poster,
    an export) pointed at 127.0.0.1, which no phone can open: the Shelf's links took
    GOPY_WEBHOOK_URL only."""
    fake, url = zalo_api
    public = "https://gopy.example.vn"
    settings = settings_for(tmp_path, url, public_url=public, secret_key=SecretStr(TEST_SECRET))
    await upgrade(settings.database_url, key=settings.server_key())
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            seed = await seed_ward(session)
            seed.campaign.ends_at = at("2099-12-31 17:00")  # open on the real clock
            code = await invite(session, seed.ward, role=RoleKind.OFFICIAL, now=datetime.now(UTC))
            await session.commit()
    finally:
        await engine.dispose()
    user = hex_id()
    async with running(settings):
        fake.pending.append(text_event(user, f"/start i-{code}"))
        await said(fake, user, bool)
        fake.pending.append(text_event(user, "/qr"))
        await said(fake, user, lambda calls: bool(calls[-1].buttons))
        (whole,) = [b for b in fake.to(user)[-1].buttons if "cả đợt" in b["text"]]
        fake.pending.append(text_event(user, whole["choice"]))
        await said(fake, user, lambda calls: "/poster-gy-" in calls[-1].text)
    (photo,) = [c for c in fake.to(user) if "/gy-" in c.text + str(c.params.get("photo"))]
    assert photo.method == "sendPhoto", photo.text
    assert str(photo.params["photo"]).startswith(f"{public}/f/"), "the code, as Zalo's photo"
    assert f"{public}/q/GY-" in photo.text
    poster = fake.to(user)[-1].text
    assert f"{public}/f/" in poster and "127.0.0.1" not in poster
