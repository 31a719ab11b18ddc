"""The desk's reports and posters in a real browser, at a desktop's size and a phone's: a week
signed and sent from the page, a report downloaded, a PDF of posters downloaded and read back.
Screenshots of each page (``make screens`` keeps them in docs/screens/)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from tests import posters
from tests.browser.conftest import DESKTOP, PHONE, Screens
from tests.desk_chat import DeskAndChat, file_cell, make_chain, serve_desk_and_chat
from tests.desk_world import Who
from tests.integration.test_desk_signing import ASSESSMENT, THURSDAY


@pytest.fixture
async def world(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[DeskAndChat]:
    async with serve_desk_and_chat(sqlite_url, clock) as served:
        yield served


def address(world: DeskAndChat, path: str) -> str:
    return str(world.desk.server.make_url(path))


async def signed_in(browser: Browser, world: DeskAndChat, who: Who, size: ViewportSize) -> Page:
    context = await browser.new_context(viewport=size, locale="vi-VN", accept_downloads=True)
    page = await context.new_page()
    await page.goto(address(world, await world.desk.link(who)))
    await page.click("#enter")
    await expect(page.locator("nav.menu")).to_be_visible()
    return page


async def fits_its_width(page: Page) -> bool:
    found: bool = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    return found


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
async def test_a_week_signed_and_sent_from_the_desk(
    browser: Browser, world: DeskAndChat, screens: Screens, size: ViewportSize, name: str
) -> None:
    desk = world.desk
    await make_chain(desk)
    await file_cell(desk)
    desk.clock.set(THURSDAY)
    page = await signed_in(browser, world, "ward_official", size)
    await page.click("nav.menu >> text=Báo cáo")
    await expect(page.locator("h1")).to_have_text("Báo cáo")
    assert await fits_its_width(page), "wide tables scroll inside their box"
    await screens.take(page, f"desk-reports-{name}")

    await page.click("text=Ký và gửi >> nth=0")
    await expect(page.locator("h1")).to_contain_text("Báo cáo của Đảng ủy phường Ngọc Hà")
    await page.fill("#f\\.leadership", "Đảng ủy họp, phân công từng đồng chí.")
    await page.check("text=Hội nghị, họp")
    for field, value in (
        ("news_count", "3"),
        ("meetings_count", "1"),
        ("participants_count", "60"),
        ("letters_count", "4"),
        ("highlights", "Ý kiến về chuyển đổi số."),
        ("expectations", "Bổ sung về y tế cơ sở."),
        ("assessment", ASSESSMENT),
    ):
        await page.fill(f"#f\\.{field}", value)
    assert await fits_its_width(page)
    await screens.take(page, f"desk-report-sign-{name}")
    await page.click("button[value=review]")
    await expect(page.locator("h1")).to_have_text("Ký và gửi báo cáo này?")
    await expect(page.locator("#totals")).to_contain_text("15")  # the cell's 12 and 3
    assert await fits_its_width(page)
    await screens.take(page, f"desk-report-review-{name}")
    await page.click("#sign")
    await expect(page.locator("#flash")).to_contain_text("đã được ký")
    await expect(page.locator("text=Đã ký >> nth=0")).to_be_visible()
    await screens.take(page, f"desk-reports-signed-{name}")

    async with page.expect_download() as info:
        await page.click("a[href$='.docx'] >> nth=0")
    download = await info.value
    assert download.suggested_filename.startswith("bao-cao-ngocha-")
    saved = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert saved.startswith(b"PK")


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
async def test_a_pdf_of_posters_downloads(
    browser: Browser, world: DeskAndChat, screens: Screens, size: ViewportSize, name: str
) -> None:
    desk = world.desk
    page = await signed_in(browser, world, "ward_official", size)
    await page.click("nav.menu >> text=Áp phích")
    await page.click("text=Góp ý dự thảo văn kiện Đại hội XIV")
    await page.check("text=Tất cả các phần (2)")
    await page.check("text=Chi bộ Tổ dân phố số 1")
    await page.check("text=Chi bộ Tổ dân phố số 2")
    await page.check("input[name=report]")
    assert await fits_its_width(page)
    await screens.take(page, f"desk-posters-{name}")
    await page.click("text=Tiếp tục")
    await expect(page.locator("#count")).to_contain_text("7 áp phích")
    await screens.take(page, f"desk-posters-print-{name}")
    async with page.expect_download() as info:
        await page.click("#make")
    download = await info.value
    assert download.suggested_filename == "ap-phich-dh14-a5.pdf"
    pdf = await asyncio.to_thread(Path(await download.path()).read_bytes)
    pages = posters.pages(pdf)
    assert len(pages) == 7
    assert all(codes for codes, _text in pages)
    assert desk.seed.cells[0].name in pages[2][1]
    assert paths.POSTERS in page.url
