"""A poster in a real browser, on a phone's screen: its QR codes scanned from the printed PDF,
the landing page with its Zalo and Telegram buttons, the full draft downloaded, a web comment
with a photo, the receipt page, an official's answer on it, and the page in English (on SQLite
and PostgreSQL); a campaign-wide poster's ward picker; the page at a desktop's size."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, FilePayload, Page, expect
from sqlmodel import col, select

from bot.links import absolute, draft_path, landing_path, receipt_path
from scheduler.clock import FrozenClock
from storage.codes import entry_label, entry_payload
from storage.comments import add_reply
from storage.models import (
    AuthorCategory,
    Comment,
    CommentAttachment,
    CommentMedium,
    Person,
    Stance,
)
from tests.browser.conftest import DESKTOP, Screens
from tests.browser.poster_site import BOT, PosterSite, serve_poster_site
from tests.chat import at
from tests.web_pages import ZALO_URL


@pytest.fixture
async def site(database_url: str, clock: FrozenClock) -> AsyncIterator[PosterSite]:
    async with serve_poster_site(database_url, clock) as served:
        yield served


@pytest.fixture
async def sqlite_site(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[PosterSite]:
    """For what the database does not change: a page's layout, a form's fields."""
    async with serve_poster_site(sqlite_url, clock) as served:
        yield served


def photo() -> bytes:
    """A small real JPEG: the server decodes and re-encodes what it keeps."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


async def fits_its_width(page: Page) -> bool:
    """Nothing sticks out sideways: no horizontal scrolling on this screen."""
    found: bool = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    return found


async def comment_of(site: PosterSite, receipt: str) -> tuple[Comment, int]:
    async with site.runtime.db.sessions() as session:
        comment = (
            await session.execute(select(Comment).where(Comment.receipt == receipt))
        ).scalar_one()
        photos = (
            await session.execute(
                select(CommentAttachment).where(col(CommentAttachment.comment_id) == comment.id)
            )
        ).all()
    return comment, len(photos)


async def answer(site: PosterSite, comment: Comment, text: str) -> None:
    """Ba Đình's official answers the comment (as /comments does, in storage)."""
    async with site.runtime.db.sessions() as session:
        official = Person(
            channel="telegram",
            external_id="900",
            full_name="Lê Văn Cường",
            created_at=at("2025-11-01 09:00"),
        )
        session.add(official)
        await session.flush()
        await add_reply(
            session=session,
            comment=comment,
            official=official,
            unit=site.city.wards["Ba Đình"],
            text=text,
            now=at("2025-11-12 17:00"),
        )
        await session.commit()


async def test_a_poster_from_scan_to_answer(
    site: PosterSite, phone: Page, screens: Screens, tmp_path: Path
) -> None:
    code = site.codes.ward  # Ba Đình's poster of the Luật Thủ đô
    landing, full_text = await site.scan("hn", document="ltd", unit="W0")
    assert landing == absolute(site.base, landing_path(code))
    assert full_text == absolute(site.base, draft_path(code))

    await phone.goto(landing)
    await expect(phone.locator("h1")).to_contain_text("Dự thảo Luật Thủ đô")
    await expect(phone.locator("a#zalo")).to_have_attribute("href", ZALO_URL)
    await expect(phone.locator("a#zalo")).to_have_text("Góp ý qua Zalo")
    await expect(phone.locator("#code")).to_have_text(entry_label(code))
    telegram = f"https://t.me/{BOT}?start={entry_payload(code)}"
    await expect(phone.locator("a#telegram")).to_have_attribute("href", telegram)
    assert await fits_its_width(phone)
    await screens.take(phone, "poster-1-landing")

    async with phone.expect_download() as started:
        await phone.locator("a#draft").click()
    draft = await started.value
    assert draft.url == full_text  # the poster's second code
    assert draft.suggested_filename.endswith(".pdf")
    saved = tmp_path / draft.suggested_filename
    await draft.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    form = phone.locator("form#comment")
    await expect(form.locator("select#ward")).to_have_count(0)  # the poster is Ba Đình's
    await form.locator("textarea#text").fill("Đề nghị làm rõ quy định về không gian ngầm.")
    await form.locator("input#photos").set_input_files(
        files=[FilePayload(name="ham-ngam.jpg", mimeType="image/jpeg", buffer=photo())]
    )
    await form.get_by_label("Đồng ý một phần").check()
    await form.locator("select#category").select_option(AuthorCategory.WORKER.value)
    await form.locator("input#name").fill("Trần Thị Bình")
    await form.locator("input#phone").fill("0912 345 678")
    await screens.take(phone, "poster-2-form-filled")

    await form.get_by_role("button", name="Gửi góp ý").click()
    await expect(phone).to_have_url(re.compile(r"/r/YK-"))
    receipt = (await phone.locator("#receipt").inner_text()).strip()
    assert phone.url == absolute(site.base, receipt_path(code, receipt))
    await expect(phone.locator("main")).to_contain_text("Tình trạng: đã tiếp nhận")
    await expect(phone.locator("main")).to_contain_text("không gian ngầm")
    assert await fits_its_width(phone)
    await screens.take(phone, "poster-3-receipt")

    comment, photos = await comment_of(site, receipt)
    assert comment.medium is CommentMedium.WEB
    assert comment.unit_id == site.city.wards["Ba Đình"].id
    assert comment.document_id == site.city.documents[0].id
    assert (comment.stance, comment.category) == (Stance.PARTLY, AuthorCategory.WORKER)
    assert comment.author_name == "Trần Thị Bình" and not comment.anonymous
    assert photos == 1

    await answer(site, comment, "Cảm ơn bạn, quy định này có ở Điều 12.")
    await phone.reload()
    await expect(phone.locator("main")).to_contain_text("Tình trạng: đã được trả lời")
    reply = phone.locator(".reply")
    await expect(reply).to_contain_text("Trả lời của Đảng ủy phường Ba Đình, 17:00 thứ Tư, 12/11")
    await expect(reply).to_contain_text("quy định này có ở Điều 12.")
    await screens.take(phone, "poster-4-answered")

    await phone.locator("a#lang").click()
    await expect(phone.locator("html")).to_have_attribute("lang", "en")
    await expect(phone.locator("main")).to_contain_text("Status: answered")
    await expect(phone.locator("a#lang")).to_have_text("Tiếng Việt")
    assert await fits_its_width(phone)
    await screens.take(phone, "poster-5-english")


async def test_a_campaign_wide_poster_asks_the_ward(sqlite_site: PosterSite, phone: Page) -> None:
    site = sqlite_site
    code = site.codes.city
    await phone.goto(absolute(site.base, landing_path(code)))
    form = phone.locator("form#comment")
    await form.locator("textarea#text").fill("Góp ý chung cho Luật Thủ đô.")
    hoan_kiem = site.city.wards["Hoàn Kiếm"]
    ward = form.locator("select#ward")
    await ward.select_option(value=str(hoan_kiem.id))
    await expect(ward.locator("option:checked")).to_contain_text("Hoàn Kiếm")
    await form.get_by_role("button", name="Gửi góp ý").click()
    await expect(phone).to_have_url(re.compile(r"/r/YK-"))
    receipt = (await phone.locator("#receipt").inner_text()).strip()
    comment, _photos = await comment_of(site, receipt)
    assert comment.unit_id == hoan_kiem.id
    assert comment.medium is CommentMedium.WEB and comment.anonymous


async def test_the_landing_page_fits_a_phone_and_a_desktop(
    sqlite_site: PosterSite, browser: Browser, screens: Screens
) -> None:
    """No horizontal scrolling at 390×844 or 1280×800, on the fullest page (a section with
    its text, and the ward picker of a campaign-wide poster)."""
    site = sqlite_site
    context = await browser.new_context(viewport=DESKTOP, locale="vi-VN")
    try:
        desktop = await context.new_page()
        for code in (site.codes.section, site.codes.city):
            await desktop.goto(absolute(site.base, landing_path(code)))
            await expect(desktop.locator("form#comment")).to_be_visible()
            assert await fits_its_width(desktop), code
            await desktop.set_viewport_size({"width": 390, "height": 844})
            assert await fits_its_width(desktop), code
            await desktop.set_viewport_size(DESKTOP)
        await desktop.goto(absolute(site.base, landing_path(site.codes.section)))
        await screens.take(desktop, "poster-6-desktop", full_page=False)
    finally:
        await context.close()
