"""The officials' desk in a real browser, on the demo's city: Ngọc Hà's official asks ``/web``
in chat and opens the link; the board shows the demo's cells; a citizen comments in chat and
the answer typed on the desk reaches the citizen's chat; a PDF of posters downloads; signing
out ends the session; every page fits a desktop's and a phone's screen (wide tables scroll in
their own box). Screenshots of each page at both sizes go to docs/screens/ under
``make screens``."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pypdfium2
import pytest
import pytest_asyncio
from babel.messages.pofile import read_po
from playwright.async_api import Browser, Page, expect

import bot
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from tests.browser.conftest import DESKTOP, PHONE, SCREENS, TIMEOUT, Screens, launched
from tests.browser.desk_site import DeskSite, serve_desk_site
from tests.chat import Chat, at, texts
from tests.flow.test_comments import write_named

pytestmark = pytest.mark.asyncio(loop_scope="module")

HA, DAN = 8101, 8102  # Ngọc Hà's official and a citizen, in chat
OPINION = "Đề nghị bổ sung giải pháp phát triển kinh tế số ở phường."
ANSWER = "Cảm ơn bạn, ý kiến đã được tổng hợp gửi Thành ủy."
_RECEIPT = re.compile(r"YK-[A-Z0-9]{6}")
LOCALES = Path(bot.__file__).parent / "locales"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> AsyncIterator[DeskSite]:
    """One demo for the module: its tests add comments and answers, never take any away."""
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def receipt(site: DeskSite) -> str:
    """A citizen's comment sent in chat from the poster of the demo's first draft."""
    citizen = site.chat(DAN, "Trần Văn Dân")
    said = await write_named(citizen, await site.poster(), OPINION)
    found = _RECEIPT.search(said)
    assert found is not None, said
    return found[0]


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
    context.set_default_timeout(TIMEOUT)
    try:
        page = await context.new_page()
        await sign_in(page, await site.desk_link(official))
        yield page
    finally:
        await context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(site: DeskSite, chromium: Browser, official: Chat) -> AsyncIterator[Page]:
    """The official's desk, shared by the tests that look and act (none signs out)."""
    async with signed_in(site, chromium, official) as page:
        yield page


# The elements reaching past the right edge of the window (none inside a box that scrolls
# sideways: a wide table there is as meant).
_STICKING_OUT = """() => {
  const width = window.innerWidth, found = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (e.getBoundingClientRect().right <= width + 0.5) continue;
    const placed = getComputedStyle(e).position;
    if (e.parentElement.closest('.scroll') && placed !== 'absolute') continue;
    const classes = typeof e.className === 'string' ? e.className.trim() : '';
    found.push(e.tagName.toLowerCase() + (classes ? '.' + classes.split(/\\s+/).join('.') : ''));
  }
  return found.slice(0, 8);
}"""


@functools.cache
def english_phrases() -> tuple[str, ...]:
    """Sentences of the catalogue (three words or more, no placeholder) that Vietnamese says
    otherwise: on a Vietnamese page, any of them is a string left untranslated."""
    with (LOCALES / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    return tuple(
        m.id
        for m in catalogue
        if isinstance(m.id, str)
        and isinstance(m.string, str)
        and m.string
        and m.string != m.id
        and len(m.id.split()) >= 3
        and "{" not in m.id
    )


async def english_left(page: Page) -> list[str]:
    text = await page.locator("body").inner_text()
    return [phrase for phrase in english_phrases() if phrase in text]


async def sticking_out(page: Page) -> list[str]:
    """What makes the page scroll sideways (nothing, when it fits its width)."""
    fits = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    if fits:
        return []
    found: list[str] = await page.evaluate(_STICKING_OUT)
    return found or ["?"]


async def test_an_official_opens_the_desk_from_the_chat(
    site: DeskSite, chromium: Browser, official: Chat, screens: Screens
) -> None:
    link = await site.desk_link(official)
    assert "dùng được một lần" in official.last_text()
    context = await chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(TIMEOUT)
    try:
        page = await context.new_page()
        await page.goto(link)
        await expect(page.locator("h1")).to_have_text("Bàn làm việc của cán bộ")
        await screens.take(page, "desk-00-signin-desktop")
        await page.get_by_role("button", name="Mở bàn làm việc").click()
        await expect(page).to_have_url(site.base + paths.BOARD)
        await expect(page.locator("header .name")).to_have_text("Phạm Thu Hà")
        await expect(page.locator("h1")).to_have_text("Bảng theo dõi")
        # The demo's campaign, Ngọc Hà's twelve cells, week by week.
        await expect(page.locator("main h2").first).to_have_text(site.demo.campaign.title)
        cells = page.locator("table.grid tbody tr")
        await expect(cells).to_have_count(12)
        first = cells.first.locator("th")
        await expect(first).to_contain_text("Chi bộ Tổ dân phố số 1")
        await expect(first).to_contain_text("NGOCHA-CB01")
        # The link is used up: opened again, it says so.
        again = await context.new_page()
        await again.goto(link)
        await expect(again.locator("main")).to_contain_text("đã được dùng")
    finally:
        await context.close()


async def test_an_answer_typed_on_the_desk_reaches_the_citizens_chat(
    site: DeskSite, desk: Page, receipt: str
) -> None:
    await desk.goto(site.base + paths.COMMENTS)
    await desk.get_by_role("link", name=receipt).click()
    await expect(desk.locator("h1")).to_have_text(f"Ý kiến {receipt}")
    await expect(desk.locator("main")).to_contain_text(OPINION)
    await desk.locator("#reply-text").fill(ANSWER)
    await desk.get_by_role("button", name="Gửi câu trả lời").click()
    await expect(desk).to_have_url(re.compile(re.escape(paths.comment_path(receipt)) + r"\?"))
    await expect(desk.locator("main")).to_contain_text(ANSWER)

    citizen = site.chat(DAN, "Trần Văn Dân")
    before = len(citizen.sent())
    await site.deliver()  # the outbox's loop, woken by the answer's commit
    letter = texts(citizen.sent()[before:])
    assert f"Trả lời ý kiến {receipt}" in letter
    assert ANSWER in letter
    assert OPINION in letter  # the comment, quoted
    assert "Đảng ủy phường Ngọc Hà" in letter


async def test_a_pdf_of_posters_downloads(site: DeskSite, desk: Page, tmp_path: Path) -> None:
    await desk.goto(site.base + paths.POSTERS)  # one campaign: straight to its form
    form = desk.locator("form.pick")
    draft = await site.document(0)  # the political report, as a whole
    await form.locator(f'input[name="t"][value="d{draft.id}"]').check()
    await form.get_by_label("Đảng ủy phường Ngọc Hà").uncheck()  # ticked: the official's own
    await form.get_by_label("Tất cả đơn vị cấp «Chi bộ» (12)").check()
    await form.get_by_role("button", name="Tiếp tục").click()
    await expect(desk.locator("#count")).to_contain_text("12 áp phích")
    async with desk.expect_download() as started:
        await desk.locator("#make").click()
    download = await started.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(pypdfium2.PdfDocument(data)) == 12  # a poster a cell


async def test_the_desk_in_english_and_back(site: DeskSite, desk: Page) -> None:
    await desk.goto(site.base + await first_cell(site, ""))
    try:
        await desk.locator("#lang").click()
        await expect(desk.locator("html")).to_have_attribute("lang", "en")
        await expect(desk.locator("nav.menu")).to_contain_text("Board")
        assert await english_left(desk), "the check for English left would find nothing"
    finally:
        await desk.locator("#lang").click()
    await expect(desk.locator("html")).to_have_attribute("lang", "vi")
    assert await english_left(desk) == []


async def test_signing_out_ends_the_session(
    site: DeskSite, chromium: Browser, official: Chat, screens: Screens
) -> None:
    async with signed_in(site, chromium, official) as page:
        await page.locator("#signout").click()
        await expect(page.locator("main")).to_contain_text("Bạn đã rời bàn làm việc")
        await screens.take(page, "desk-99-signed-out-desktop")
        answer = await page.goto(site.base + paths.BOARD)
        assert answer is not None and answer.status == 401
        await expect(page.locator("main")).to_contain_text("/web")


# ---- every page, at both sizes ---------------------------------------------------------------

Address = Callable[[DeskSite, str], Awaitable[str]]


def fixed(path: str) -> Address:
    async def address(_site: DeskSite, _receipt: str) -> str:
        return path

    return address


async def first_cell(site: DeskSite, _receipt: str) -> str:
    cell = site.demo.cells[0]
    assert cell.id is not None
    return paths.unit_path(cell.id)


async def the_comment(_site: DeskSite, receipt: str) -> str:
    return paths.comment_path(receipt)


async def a_poster_choice(site: DeskSite, _receipt: str) -> str:
    ward = site.demo.ward
    return f"{paths.POSTERS_PRINT}?campaign={site.demo.campaign.id}&t=c&u={ward.id}"


PAGES: dict[str, Address] = {
    "01-board": fixed(paths.BOARD),
    "02-unit": first_cell,
    "03-comments": fixed(paths.COMMENTS),
    "04-comment": the_comment,
    "05-themes": fixed(paths.THEMES),
    "06-reports": fixed(paths.REPORTS),
    "07-posters": fixed(paths.POSTERS),
    "08-posters-print": a_poster_choice,
    "09-campaign": fixed(paths.CAMPAIGN),
    "10-not-found": fixed(paths.unit_path(999_999)),
}


@pytest.mark.parametrize("name", PAGES)
async def test_each_page_fits_a_desktop_and_a_phone(
    desk: Page, site: DeskSite, receipt: str, screens: Screens, name: str
) -> None:
    address = site.base + await PAGES[name](site, receipt)
    try:
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            await desk.set_viewport_size(viewport)
            answer = await desk.goto(address)
            assert answer is not None
            assert answer.status == (404 if name.endswith("not-found") else 200), name
            await screens.take(desk, f"desk-{name}-{size}", full_page=bool(SCREENS))
            assert await sticking_out(desk) == [], f"{name} is wider than a {size}"
            assert await english_left(desk) == [], f"{name} is not all in Vietnamese"
    finally:
        await desk.set_viewport_size(DESKTOP)
