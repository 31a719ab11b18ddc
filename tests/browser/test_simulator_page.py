"""The simulator page (``make run`` without a token) in a real browser, on a phone's screen:
a secretary joins, starts a report with the buttons, and types an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Runtime
from bot.web.simulator import SECRETARY_BASE
from scheduler.clock import FrozenClock
from tests.browser.conftest import Screens
from tests.seed import seed_ward
from tests.simulator import serve_simulator


@pytest.fixture
async def simulator(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[str]:
    async def ward(session: AsyncSession, _runtime: Runtime) -> None:
        await seed_ward(session)

    async with serve_simulator(sqlite_url, clock, ward) as url:
        yield url


async def test_a_secretary_reports_from_the_simulator_page(
    simulator: str, phone: Page, screens: Screens
) -> None:
    await phone.goto(f"{simulator}/#{SECRETARY_BASE}")
    meta = phone.locator("#meta")
    await expect(meta).to_contain_text("chưa tham gia")
    await expect(phone.locator(".empty")).to_contain_text("Chưa có tin nhắn nào")

    await meta.get_by_role("button", name="Tham gia bằng mã mời").click()
    bot_says = phone.locator(".msg.bot .bubble")
    await expect(bot_says.last).to_contain_text("bí thư")
    await expect(meta).to_contain_text("đã tham gia")
    keyboard = phone.locator("#kbd")
    await screens.take(phone, "simulator-1-joined", full_page=False)

    await keyboard.get_by_role("button", name="📝 Báo cáo tuần").click()
    await phone.locator(".msg.bot").last.get_by_role("button", name="Tuần này").click()
    await expect(bot_says.last).to_contain_text("Câu 1/9")

    # Typed, not pressed: the answer goes through the text box and Enter, as on a phone.
    box = phone.get_by_role("textbox", name="Tin nhắn")
    await box.fill("3")
    await box.press("Enter")
    await expect(phone.locator(".msg.user .bubble").last).to_contain_text("3")
    await expect(bot_says.last).to_contain_text("Câu 2/9")
    await expect(box).to_have_value("")
    await screens.take(phone, "simulator-2-answered", full_page=False)
