"""The desk's unit page in a real browser: the ward official opens cell 1 from the ward's page,
reads its report's two revisions, makes two invites, prints them (only the cards go to paper)
and a phone's camera reads each card's QR code off the screen as the bot's deep link."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, Page, expect

from bot.config import TelegramSettings
from scheduler.clock import FrozenClock
from tests.browser.conftest import DESKTOP, PHONE, Screens
from tests.desk_unit_seed import cell, comment_in, file_week, unit_url
from tests.desk_world import DeskWorld, serve_desk

BOT = "gopy_test_bot"


@pytest.fixture
async def world(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(sqlite_url, clock, telegram=TelegramSettings(bot_username=BOT)) as w:
        yield w


async def signed_in(browser: Browser, world: DeskWorld, width_height: object) -> Page:
    """A browser page of the ward official, signed in from a fresh link."""
    context = await browser.new_context(viewport=width_height, locale="vi-VN")  # type: ignore[arg-type]
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.refused = refused  # type: ignore[attr-defined]
    base = str(world.server.make_url("")).rstrip("/")
    await page.goto(base + await world.link("ward_official"))
    await page.get_by_role("button").first.click()
    await page.wait_for_url(f"{base}/desk")
    return page


async def fits_its_width(page: Page) -> bool:
    found: bool = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    return found


async def test_read_a_cell_then_print_its_invites(
    browser: Browser, world: DeskWorld, screens: Screens
) -> None:
    await file_week(world)
    await comment_in(world, cell(world), "Đề nghị bổ sung nội dung về chuyển đổi số ở cơ sở.")
    page = await signed_in(browser, world, DESKTOP)
    base = str(world.server.make_url("")).rstrip("/")
    await page.goto(base + unit_url(world.seed.ward))
    await page.get_by_role("link", name="Chi bộ Tổ dân phố số 1").click()
    await expect(page.locator("h1")).to_have_text("Chi bộ Tổ dân phố số 1")
    revisions = page.locator("details.rev")
    await expect(revisions).to_have_count(2)
    # The newest is open, flagged late; the first one is folded away until asked for.
    await expect(revisions.nth(0).locator(".tag.late")).to_have_text("sửa sau hạn")
    await expect(revisions.nth(1).locator("dl")).to_be_hidden()
    await revisions.nth(1).locator("summary").click()
    await expect(revisions.nth(1).locator("dl")).to_be_visible()
    await screens.take(page, "desk-unit-1-cell")

    form = page.locator("#make-invites")
    await form.get_by_label("Số mã (mỗi người một mã)").fill("2")
    await form.get_by_role("button", name="Tạo mã mời").click()
    await expect(page.locator("section.invite")).to_have_count(2)
    await expect(page.get_by_role("alert")).to_contain_text("chỉ hiện một lần")
    await screens.take(page, "desk-unit-2-invites")

    # Each card's code, scanned off the screen, opens the bot with that card's code.
    for card in await page.locator("section.invite").all():
        code = (await card.locator(".code").inner_text()).replace("-", "")
        shot = Image.open(io.BytesIO(await card.locator(".qr").screenshot()))
        found = [c.text for c in zxingcpp.read_barcodes(shot) if c.valid]
        assert found == [f"https://t.me/{BOT}?start=i-{code}"]

    # «In» runs the page's own script (its nonce lets it through the policy).
    await page.evaluate("window.print = () => { window.printed = true; }")
    await page.get_by_role("button", name="In").click()
    assert await page.evaluate("window.printed === true")
    # On paper: the cards alone, no menu, warning or buttons.
    await page.emulate_media(media="print")
    await expect(page.locator("header.top")).to_be_hidden()
    await expect(page.get_by_role("alert")).to_be_hidden()
    await expect(page.locator("#print")).to_be_hidden()
    await expect(page.locator("section.invite").first).to_be_visible()
    await screens.take(page, "desk-unit-3-print")
    assert page.refused == []  # type: ignore[attr-defined]


async def test_the_unit_page_on_a_phone(
    browser: Browser, world: DeskWorld, screens: Screens
) -> None:
    await file_week(world)
    page = await signed_in(browser, world, PHONE)
    base = str(world.server.make_url("")).rstrip("/")
    await page.goto(base + unit_url(cell(world)))
    await expect(page.locator("h1")).to_have_text("Chi bộ Tổ dân phố số 1")
    assert await fits_its_width(page)
    await screens.take(page, "desk-unit-4-phone")
