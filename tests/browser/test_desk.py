"""The officials' desk in a real browser, on the demo's city: an official asks ``/web`` in
chat and opens the link; the board shows the demo's cells; a reply typed on the desk reaches
the citizen's chat; a PDF of posters downloads; signing out ends the session; every page fits
a desktop's and a phone's screen (wide tables scroll in their own box). Screenshots of each
page at both sizes go to docs/screens/ under ``make screens``."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from tests.browser.conftest import DESKTOP, PHONE, SCREENS, Screens, launched
from tests.browser.desk_site import DeskSite, serve_desk_site
from tests.chat import Chat, at

pytestmark = pytest.mark.asyncio(loop_scope="module")

HA = 8101  # Ngọc Hà's official, in chat


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> AsyncIterator[DeskSite]:
    """One demo for the module: its tests add comments and replies, never take any away."""
    path = tmp_path_factory.mktemp("desk") / "gopy.db"
    shutil.copy(sqlite_template, path)
    clock = FrozenClock(at("2025-11-10 09:00"))
    async with serve_desk_site(f"sqlite+aiosqlite:///{path}", clock) as served:
        yield served


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with launched() as browser:
        yield browser


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def official(site: DeskSite) -> Chat:
    """Ngọc Hà's official, joined in chat with the demo's invite."""
    return await site.official(HA, "Phạm Thu Hà", site.demo.official_invite)


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Screens:
    folder = Path(SCREENS) if SCREENS else tmp_path_factory.mktemp("screens")
    folder.mkdir(parents=True, exist_ok=True)
    return Screens(folder)


async def sign_in(page: Page, link: str) -> None:
    """Open a ``/web`` link and press its button, as the official does."""
    await page.goto(link)
    await page.get_by_role("button", name="Mở bàn làm việc").click()
    await expect(page.locator("h1")).to_have_text("Bảng theo dõi")


@asynccontextmanager
async def signed_in(site: DeskSite, chromium: Browser, official: Chat) -> AsyncIterator[Page]:
    """A desktop browser of its own, signed in from a fresh ``/web`` link."""
    context = await chromium.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    try:
        page = await context.new_page()
        await sign_in(page, await site.desk_link(official))
        yield page
    finally:
        await context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(site: DeskSite, chromium: Browser, official: Chat) -> AsyncIterator[Page]:
    """The official's desk, shared by the tests that only look and act (none signs out)."""
    async with signed_in(site, chromium, official) as page:
        yield page


async def fits_its_width(page: Page) -> bool:
    """Nothing sticks out sideways: the page body never scrolls horizontally."""
    found: bool = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    return found


async def test_an_official_opens_the_desk_from_the_chat(
    site: DeskSite, chromium: Browser, official: Chat, screens: Screens
) -> None:
    link = await site.desk_link(official)
    assert "dùng được một lần" in official.last_text()
    context = await chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    try:
        page = await context.new_page()
        await page.goto(link)
        await expect(page.locator("h1")).to_have_text("Bàn làm việc của cán bộ")
        await screens.take(page, "desk-0-signin")
        await page.get_by_role("button", name="Mở bàn làm việc").click()
        await expect(page).to_have_url(site.base + paths.BOARD)
        await expect(page.locator("header .name")).to_have_text("Phạm Thu Hà")
        await expect(page.locator("h1")).to_have_text("Bảng theo dõi")
        # The link is used up: opened again, it says so.
        again = await context.new_page()
        await again.goto(link)
        await expect(again.locator("main")).to_contain_text("đã được dùng")
    finally:
        await context.close()


async def test_signing_out_ends_the_session(
    site: DeskSite, chromium: Browser, official: Chat
) -> None:
    async with signed_in(site, chromium, official) as page:
        await page.locator("#signout").click()
        await expect(page.locator("main")).to_contain_text("Bạn đã rời bàn làm việc")
        answer = await page.goto(site.base + paths.BOARD)
        assert answer is not None and answer.status == 401
        await expect(page.locator("main")).to_contain_text("/web")


# Every desk page, by the path it opens at (what ``site`` holds makes the addresses).
PAGES: dict[str, str] = {
    "board": paths.BOARD,
}


@pytest.mark.parametrize("name", PAGES)
async def test_each_page_fits_a_desktop_and_a_phone(
    desk: Page, site: DeskSite, screens: Screens, name: str
) -> None:
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        await desk.set_viewport_size(viewport)
        answer = await desk.goto(site.base + PAGES[name])
        assert answer is not None and answer.status == 200, name
        assert await fits_its_width(desk), f"{name} sticks out sideways on a {size}"
        await screens.take(desk, f"desk-{name}-{size}")
