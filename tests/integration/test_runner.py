"""``gopy run`` as a whole: the simulator, a Telegram webhook and long polling, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot import links
from bot.config import Settings, TelegramSettings, WebhookSettings
from bot.runner import run
from bot.web.simulator import CITY_OFFICIAL_ID, OFFICIAL_ID
from bot.web.telegram import SECRET_HEADER, webhook_path
from storage.database import create_engine, create_session_factory
from storage.entries import Target, entry_for
from tests.chat import at
from tests.fakes.telegram import FakeTelegram, command_update
from tests.seed import seed_ward

SECRET = "runner-secret_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[str]:
    task = asyncio.create_task(run(settings))
    base = f"http://127.0.0.1:{settings.web_port}"
    up = False
    # Bounded polling for the server to come up; every other wait is on an event.

    async with aiohttp.ClientSession() as http:
        for _ in range(400):
            if task.done():
                task.result()  # the runner failed: show why
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(base + "/health") as response:
                    up = response.status == 200
            if up:
                break
            await asyncio.sleep(0.025)
    assert up, "the web app did not come up"
    try:
        yield base
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def poster_page(base: str, database_url: str) -> str:
    """The landing page of a poster of the seed's ward, printed into the running bot's
    database; and an unknown code's page (the route's own 404, not the router's)."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            seed = await seed_ward(session)
            seed.campaign.ends_at = at("2099-12-31 17:00")  # open on the real clock
            entry = await entry_for(
                session=session,
                target=Target(seed.campaign, seed.documents[0]),
                now=at("2025-11-10 09:00"),
                unit=seed.cells[0],
            )
            await session.commit()
    finally:
        await engine.dispose()
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/q/GY-22222") as missing:
            assert missing.status == 404 and "Không tìm thấy mã này" in await missing.text()
        async with http.get(base + links.landing_path(entry.code)) as page:
            assert page.status == 200
            return await page.text()


async def test_simulator_mode_migrates_loads_the_demo_and_serves_the_page(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}", web_port=free_port()
    )
    async with running(settings) as base, aiohttp.ClientSession() as http:
        async with http.get(base + "/") as page:
            assert page.status == 200 and "trình mô phỏng" in await page.text()
        async with http.get(base + "/api/personas") as response:
            personas = (await response.json())["personas"]
        # The demo's ward is taken: the posters' pages are on the demo's data.
        async with http.get(base + "/q/GY-22222") as missing:
            assert missing.status == 404 and "Không tìm thấy mã này" in await missing.text()
    # The demo's chain: a secretary per cell of both wards, each ward's official, the city's.
    secretaries = [p for p in personas if p["role"] == "secretary"]
    assert len(secretaries) == 19 and secretaries[0]["unit"] == "Chi bộ Tổ dân phố số 1"
    assert {p["group"] for p in secretaries} == {
        "Đảng ủy phường Ngọc Hà",
        "Đảng ủy phường Giảng Võ",
    }
    officials = [(p["unit"], p["id"]) for p in personas if p["role"] == "official"]
    assert officials == [
        ("Đảng bộ Thành phố Hà Nội", CITY_OFFICIAL_ID),
        ("Đảng ủy phường Ngọc Hà", OFFICIAL_ID),
        ("Đảng ủy phường Giảng Võ", OFFICIAL_ID + 1),
    ]


async def test_webhook_mode_registers_and_answers(
    tmp_path: Path, telegram_api: tuple[FakeTelegram, str]
) -> None:
    fake, api_url = telegram_api
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}",
        web_port=free_port(),
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
        webhook=WebhookSettings(url="https://bot.example.org", secret=SecretStr(SECRET)),
    )
    async with running(settings) as base:
        (registered,) = [c for c in fake.calls if c.method == "setWebhook"]
        assert registered.params["url"] == "https://bot.example.org" + webhook_path(SECRET)
        assert registered.params["secret_token"] == SECRET
        update = command_update(7, 960)
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                base + webhook_path(SECRET), json=update, headers={SECRET_HEADER: SECRET}
            ) as response,
        ):
            assert response.status == 200
        page = await poster_page(base, settings.database_url)
    assert any(c.method == "sendMessage" and c.chat_id == 960 for c in fake.calls)
    # The deep link names the bot as getMe does: no GOPY_TELEGRAM_BOT_USERNAME is set.
    assert 'id="telegram" class="btn" href="https://t.me/gopy_test_bot?start=gy-' in page


async def test_polling_mode_drops_the_webhook_and_answers(
    tmp_path: Path, telegram_api: tuple[FakeTelegram, str]
) -> None:
    fake, api_url = telegram_api
    fake.pending.append(command_update(9, 970))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}",
        web_port=free_port(),
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
    )
    async with running(settings) as base:
        await asyncio.wait_for(fake.sent.wait(), timeout=10)
        page = await poster_page(base, settings.database_url)
    assert "https://t.me/gopy_test_bot?start=gy-" in page
    methods = [c.method for c in fake.calls]
    assert "deleteWebhook" in methods and "getMe" in methods
    menus = {
        c.params.get("language_code"): c.params["commands"]
        for c in fake.calls
        if c.method == "setMyCommands"
    }
    assert set(menus) == {None, "en"}
    assert menus[None][0] == {"command": "comment", "description": "Góp ý dự thảo văn kiện"}
    # Everyone sees this menu: citizens are not offered /report (issue 12, bug 5).
    assert {"command": "mycomments", "description": "Ý kiến bạn đã gửi"} in menus[None]
    assert not {"report", "myreports"} & {m["command"] for m in menus[None]}
    assert menus["en"][0]["description"] == "Comment on the draft documents"
    assert any(c.method == "sendMessage" and c.chat_id == 970 for c in fake.calls)


async def test_the_running_bot_delivers_what_is_queued(
    tmp_path: Path, telegram_api: tuple[FakeTelegram, str]
) -> None:
    """The scheduler and its delivery loop run inside ``gopy run``: a queued message goes out."""
    from datetime import UTC, datetime

    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade
    from storage.models import OutboxStatus, Purpose
    from storage.outbox import Letter, counts, enqueue
    from storage.people import get_or_create_person

    fake, api_url = telegram_api
    url = f"sqlite+aiosqlite:///{tmp_path / 'gopy.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        person = await get_or_create_person(
            session=session, channel="telegram", external_id="980", full_name="An", now=now
        )
        assert person.id is not None
        letter = Letter(
            "test:run", Purpose.DIGEST, person.id, "telegram", "980", "Chào", None, now
        )
        await enqueue(session=session, letters=[letter], now=now)
        await session.commit()
    settings = Settings(
        database_url=url,
        web_port=free_port(),
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
    )
    sent = (Purpose.DIGEST, OutboxStatus.SENT)
    async with running(settings):
        await asyncio.wait_for(fake.sent.wait(), timeout=10)
        for _ in range(250):  # bounded: the mark is committed right after the send returns
            async with sessions() as session:
                if (await counts(session=session)).get(sent):
                    break
            await asyncio.sleep(0.02)
    async with sessions() as session:
        assert (await counts(session=session))[sent] == 1
    await engine.dispose()
    assert any(c.method == "sendMessage" and c.chat_id == 980 for c in fake.calls)
