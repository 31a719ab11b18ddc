"""A poster's web pages over loopback HTTP, on SQLite and PostgreSQL: the landing page of a
section's, a ward's and a campaign-wide poster, its language, the web comment from the form
to the receipt page, and everything the form refuses."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlmodel import select

from bot import links
from bot.config import CommentSettings, ZaloSettings
from scheduler.clock import FrozenClock
from storage.comments import MAX_NAME, add_reply
from storage.forms import MAX_TEXT
from storage.models import (
    Comment,
    CommentAttachment,
    CommentMedium,
    CommentStatus,
    Person,
    Stance,
)
from storage.web_comments import photo_of
from tests.chat import at
from tests.web_pages import SECTION_TEXT, ZALO_URL, Pages, serve_pages


def jpeg(size: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = jpeg()


class Elements(HTMLParser):
    """The page's elements that have an id, with their attributes and text; and every tag."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._open: list[str] = []
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if tag == "select":
            self._select = values.get("name")
            self.options[self._select or ""] = []
        if tag == "option" and self._select is not None:
            self.options[self._select].append((values.get("value", ""), ""))
        if "id" in values:
            self.by_id[values["id"]] = {"tag": tag, **values}
            self.text[values["id"]] = ""
            self._open.append(values["id"])
        elif tag not in ("input", "br", "meta"):
            self._open.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if self._open and tag not in ("input", "br", "meta"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element in self._open:
            if element:
                self.text[element] += data
        if self._select is not None and self.options[self._select]:
            value, label = self.options[self._select][-1]
            self.options[self._select][-1] = (value, (label + data).strip())


@pytest.fixture
async def pages(database_url: str, clock: FrozenClock) -> AsyncIterator[Pages]:
    async with serve_pages(database_url, clock) as served:
        yield served


async def get(pages: Pages, path: str, **headers: str) -> tuple[int, str, Elements]:
    response = await pages.client.get(path, headers=headers, allow_redirects=False)
    html = await response.text()
    return response.status, html, Elements(html)


async def comments(pages: Pages) -> list[Comment]:
    async with pages.runtime.db.sessions() as session:
        return list((await session.execute(select(Comment))).scalars().all())


# --- the landing page ---------------------------------------------------------------------


async def test_a_sections_poster_shows_the_section_and_every_way_to_comment(
    pages: Pages,
) -> None:
    code = pages.codes.section
    response = await pages.client.get(f"/q/GY-{code}")
    html = await response.text()
    page = Elements(html)
    assert response.status == 200
    for words in (
        "Góp ý dự thảo văn kiện Đại hội XIV",
        "Dự thảo Báo cáo chính trị",
        "I. Kết quả thực hiện Nghị quyết Đại hội XIII",
        "Đánh giá thành tựu nổi bật nhiệm kỳ 2021–2025.",
        "Áp phích của Chi bộ Tổ dân phố số 1",
        "gõ mã này vào Zalo",
    ):
        assert words in html
    assert SECTION_TEXT.split("\n")[1] in html
    assert page.by_id["zalo"]["href"] == ZALO_URL
    assert page.text["zalo"] == "Góp ý qua Zalo"
    assert page.text["code"] == f"GY-{code}"
    assert "hidden" in page.by_id["copy"], "the copy button shows only when its script runs"
    assert page.by_id["telegram"]["href"] == f"https://t.me/gopy_test_bot?start=gy-{code}"
    assert page.text["telegram"] == "Góp ý qua Telegram"
    assert (page.by_id["web"]["href"], page.text["web"]) == (
        "#comment",
        "Góp ý ngay trên trang này",
    )
    assert page.by_id["draft"]["href"] == links.draft_path(code)
    assert page.text["draft"] == "Đọc toàn văn dự thảo"
    form = page.by_id["comment"]
    assert (form["method"], form["action"]) == ("post", links.landing_path(code))
    assert form["enctype"] == "multipart/form-data"
    assert "ward" not in page.by_id, "the poster says where: no ward to choose"
    # Fast and self-contained: nothing fetched from elsewhere, small even before gzip.
    assert len(html.encode()) < 30_000
    assert not [t for t, a in page.tags if t in ("img", "link", "iframe") or "src" in a]
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None and f'<script nonce="{nonce[1]}">' in html
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.cookies["gopy_b"]
    assert re.fullmatch(r"[0-9a-f]{32}", cookie.value)
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]


async def test_a_wards_poster_names_the_ward_and_links_the_kept_draft(pages: Pages) -> None:
    code = pages.codes.ward
    status, html, page = await get(pages, f"/q/GY-{code}")
    assert status == 200
    assert "Dự thảo Luật Thủ đô" in html and "Áp phích của Đảng ủy phường Ba Đình" in html
    assert page.by_id["draft"]["href"] == links.draft_path(code)
    assert "ward" not in page.by_id


async def test_a_campaign_wide_poster_lists_the_drafts_and_asks_the_ward(pages: Pages) -> None:
    code = pages.codes.city
    status, html, page = await get(pages, f"/q/GY-{code}")
    assert status == 200
    assert "Áp phích của" not in html, "a campaign-wide poster belongs to no unit"
    assert "draft" not in page.by_id
    document_links = [
        a["href"] for t, a in page.tags if t == "a" and "/draft" in a.get("href", "")
    ]
    assert document_links == [links.draft_path(code, "ltd")], "the one draft gopy keeps"
    assert "Tờ trình dự án Luật" in html
    wards = dict(page.options["ward"])
    assert wards[""] == "Không có trong danh sách, hoặc tôi không rõ"
    assert {"Ba Đình", "Hoàn Kiếm", "Ngọc Hà"} <= set(wards.values()), "as residents name them"


async def test_a_code_in_another_spelling_is_sent_to_the_printed_one(pages: Pages) -> None:
    code = pages.codes.section
    response = await pages.client.get(f"/q/gy {code.lower()}?lang=en", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == f"{links.landing_path(code)}?lang=en"


@pytest.mark.parametrize("path", ["/q/GY-22222", "/q/GY-OOOOO", "/q/hello", "/q/GY-22222/r/YK-x"])
async def test_no_such_poster_is_a_polite_404(pages: Pages, path: str) -> None:
    status, html, _page = await get(pages, path)
    assert status == 404
    assert "Không tìm thấy mã này" in html
    status, html, _page = await get(pages, path, **{"Accept-Language": "en"})
    assert status == 404 and "No poster has this code" in html


async def test_the_language_query_then_cookie_then_header(pages: Pages) -> None:
    path = f"/q/GY-{pages.codes.section}"
    _status, _html, page = await get(pages, path)
    assert page.text["zalo"] == "Góp ý qua Zalo"
    # Relative: it keeps the page's address under any path the proxy publishes it at.
    assert (page.by_id["lang"]["href"], page.text["lang"]) == ("?lang=en", "English")
    _status, _html, page = await get(pages, path, **{"Accept-Language": "en-GB,en;q=0.9"})
    assert page.text["zalo"] == "Comment on Zalo"
    assert page.text["lang"] == "Tiếng Việt"
    # The query wins over the header and is kept in a cookie, which wins from then on.
    response = await pages.client.get(f"{path}?lang=en", headers={"Accept-Language": "vi"})
    assert response.cookies["lang"].value == "en"
    assert Elements(await response.text()).text["zalo"] == "Comment on Zalo"
    _status, html, page = await get(pages, path, **{"Accept-Language": "vi"})
    assert page.text["zalo"] == "Comment on Zalo" and '<html lang="en">' in html
    _status, _html, page = await get(pages, f"{path}?lang=vi")
    assert page.text["zalo"] == "Góp ý qua Zalo"


async def test_without_telegram_or_zalo_their_buttons_are_not_shown(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_pages(database_url, clock, zalo=ZaloSettings()) as pages:
        pages.username[0] = None
        _status, _html, page = await get(pages, f"/q/GY-{pages.codes.section}")
    assert not {"zalo", "code", "copy", "telegram"} & set(page.by_id)
    assert {"web", "draft", "comment"} <= set(page.by_id)


async def test_the_browser_cookie_is_secure_behind_https(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_pages(database_url, clock, public_url="https://gopy.example") as pages:
        response = await pages.client.get(f"/q/GY-{pages.codes.section}")
        assert response.cookies["gopy_b"]["secure"]


async def test_pages_published_under_a_path_link_and_redirect_under_it(
    database_url: str, clock: FrozenClock
) -> None:
    # The proxy publishes gopy at https://so.hanoi.gov.vn/gop-y and strips /gop-y: routes stay
    # at the root, but every address the browser is given must carry the path.
    public = "http://so.hanoi.gov.vn/gop-y/"
    async with serve_pages(database_url, clock, public_url=public) as pages:
        code = pages.codes.section
        html = await (await pages.client.get(f"/q/GY-{code}")).text()
        assert f'action="/gop-y/q/GY-{code}"' in html
        assert f'href="/gop-y/q/GY-{code}/draft"' in html
        spelt = await pages.client.get(f"/q/gy-{code.lower()}", allow_redirects=False)
        assert spelt.status == 301 and spelt.headers["Location"] == f"/gop-y/q/GY-{code}"
        status, location, _html = await pages.send(code, "Đề nghị làm rõ Điều 5.")
        assert status == 303 and location.startswith(f"/gop-y/q/GY-{code}/r/YK-")


# --- the web comment ----------------------------------------------------------------------


async def test_a_web_comment_gets_a_receipt_and_is_stored_for_the_posters_unit(
    pages: Pages,
) -> None:
    code = pages.codes.section
    status, location, _html = await pages.send(
        code,
        "Đề nghị bổ sung nội dung về chuyển đổi số.",
        photos=[("image/jpeg", JPEG)],
        stance="partly",
        category="worker",
    )
    assert status == 303
    (comment,) = await comments(pages)
    assert location == links.receipt_path(code, comment.receipt)
    assert comment.medium is CommentMedium.WEB
    assert comment.unit_id == pages.seed.cells[0].id
    assert (comment.document_id, comment.section_id) == (
        pages.seed.documents[0].id,
        pages.seed.sections[0].id,
    )
    assert (comment.stance, str(comment.category)) == (Stance.PARTLY, "worker")
    assert comment.anonymous and comment.author_name is None and comment.phone is None
    async with pages.runtime.db.sessions() as session:
        (attachment,) = (
            await session.execute(
                select(CommentAttachment).where(CommentAttachment.comment_id == comment.id)
            )
        ).scalars()
        assert attachment.id is not None
        photo = await photo_of(session=session, attachment_id=attachment.id)
    assert photo is not None and photo.content_type == "image/jpeg"
    status, html, page = await get(pages, location)
    assert status == 200
    assert page.text["receipt"] == comment.receipt
    assert "Tình trạng: đã tiếp nhận" in html and "1 ảnh" in html
    assert "Đề nghị bổ sung nội dung về chuyển đổi số." in html
    assert "Dự thảo Báo cáo chính trị — I. Kết quả thực hiện Nghị quyết Đại hội XIII" in html


async def test_the_same_comment_again_leads_to_the_same_receipt(pages: Pages) -> None:
    code = pages.codes.section
    first = await pages.send(code, "Một ý kiến gửi hai lần.")
    again = await pages.send(code, "Một ý kiến gửi hai lần.")
    assert first[0] == again[0] == 303 and first[1] == again[1]
    assert len(await comments(pages)) == 1


async def test_a_campaign_wide_comment_counts_for_the_ward_chosen(pages: Pages) -> None:
    ba_dinh = pages.city.wards["Ba Đình"]
    status, _location, _html = await pages.send(
        pages.codes.city, "Góp ý cho Luật Thủ đô.", ward=str(ba_dinh.id), name="Trần Thị Bình"
    )
    assert status == 303
    (comment,) = await comments(pages)
    assert comment.unit_id == ba_dinh.id and comment.medium is CommentMedium.WEB
    assert (comment.campaign_id, comment.document_id) == (pages.city.campaign.id, None)
    assert not comment.anonymous and comment.author_name == "Trần Thị Bình"


async def test_an_answer_shows_on_the_receipt_page_and_moderation_never(pages: Pages) -> None:
    code = pages.codes.section
    _status, location, _html = await pages.send(code, "Xin hỏi về lộ trình thực hiện.")
    async with pages.runtime.db.sessions() as session:
        comment = (await session.execute(select(Comment))).scalar_one()
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
            unit=pages.seed.ward,
            text="Cảm ơn ý kiến của bạn, lộ trình có trong mục III.",
            now=at("2025-11-12 17:00"),
        )
        comment.status = CommentStatus.HIDDEN
        await session.commit()
    status, html, _page = await get(pages, location)
    assert status == 200
    assert "Tình trạng: đã được trả lời" in html
    assert "Trả lời của Đảng ủy phường Ngọc Hà, 17:00 thứ Tư, 12/11" in html
    assert "lộ trình có trong mục III." in html
    assert "đã ẩn" not in html, "the author never learns of moderation"


async def test_a_withdrawn_comment_reads_withdrawn(pages: Pages) -> None:
    _status, location, _html = await pages.send(pages.codes.section, "Tôi sẽ rút ý kiến này.")
    async with pages.runtime.db.sessions() as session:
        comment = (await session.execute(select(Comment))).scalar_one()
        comment.status = CommentStatus.WITHDRAWN
        await session.commit()
    _status, html, _page = await get(pages, location)
    assert "Tình trạng: đã rút" in html


async def test_a_form_without_its_token_is_refused_and_nothing_stored(pages: Pages) -> None:
    code = pages.codes.section
    token = await pages.csrf(code)
    status, _location, html = await pages.send(code, "Không có mã chống giả mạo.", csrf="")
    assert status == 403 and "Bạn vui lòng gửi lại" in html
    # One hex digit changed (a "0" put in place of a last "0" was the right token: 1 run in 16).
    wrong = token[:-1] + ("1" if token.endswith("0") else "0")
    status, _location, _html = await pages.send(code, "Mã sai.", csrf=wrong)
    assert status == 403
    pages.client.session.cookie_jar.clear()  # another browser, with the first one's token
    status, _location, _html = await pages.send(code, "Trình duyệt khác.", csrf=token)
    assert status == 403
    assert await comments(pages) == []


async def test_a_browser_that_keeps_no_cookie_is_asked_to_allow_cookies(pages: Pages) -> None:
    """Without its cookie the form cannot be proven this browser's: «open the page again and
    send from there» was all it said, which a browser refusing cookies can repeat forever."""
    code = pages.codes.section
    token = await pages.csrf(code)
    pages.client.session.cookie_jar.clear()
    status, _location, html = await pages.send(code, "Trình duyệt không giữ cookie.", csrf=token)
    assert status == 403 and "cho phép cookie" in html
    assert await comments(pages) == []


async def test_a_filled_honeypot_looks_sent_and_stores_nothing(pages: Pages) -> None:
    status, _location, html = await pages.send(
        pages.codes.section, "Quảng cáo", website="http://spam.example"
    )
    assert status == 200 and 'id="receipt"' in html
    assert await comments(pages) == []


async def test_an_oversized_body_is_413(pages: Pages) -> None:
    code = pages.codes.section
    token = await pages.csrf(code)
    # 3 photos of 64 KiB are allowed here (pages_settings): five of them are past the limit.
    big = [("image/jpeg", JPEG + bytes(1 << 16)) for _ in range(5)]
    status, _location, html = await pages.send(code, "Ảnh lớn", csrf=token, photos=big)
    assert status == 413 and "Ý kiến quá lớn" in html
    assert await comments(pages) == []


async def test_an_empty_comment_comes_back_with_a_polite_400(pages: Pages) -> None:
    status, _location, html = await pages.send(pages.codes.section, "   ", name="An")
    page = Elements(html)
    assert status == 400
    assert page.by_id["name"]["value"] == "An", "what was typed is kept"
    assert 'role="alert"' in html
    assert await comments(pages) == []


async def test_a_text_filling_the_box_with_line_breaks_is_taken_as_typed(pages: Pages) -> None:
    """The box takes ``MAX_TEXT`` characters, a line break one of them; the browser sends each
    break as CRLF (HTML's rule for a form), which counted two and came back «too long»."""
    typed = ("Ý kiến về mục I." + "." * 83 + "\n") * (MAX_TEXT // 100)
    assert len(typed) == MAX_TEXT
    status, _location, _html = await pages.send(pages.codes.section, typed.replace("\n", "\r\n"))
    assert status == 303
    (comment,) = await comments(pages)
    assert comment.text == typed.strip(), "stored with the chat's line ends"


async def test_the_boxes_take_no_more_than_the_comment_keeps(pages: Pages) -> None:
    """A name of 101 to 255 letters fitted the box and came back as «not letters»."""
    _status, _html, page = await get(pages, f"/q/GY-{pages.codes.section}")
    assert page.by_id["text"]["maxlength"] == str(MAX_TEXT)
    assert page.by_id["name"]["maxlength"] == str(MAX_NAME)


async def test_past_the_hourly_limit_the_form_says_when_to_come_back(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_pages(
        database_url, clock, comments=CommentSettings(per_hour=2, web_photo_bytes=1 << 16)
    ) as pages:
        code = pages.codes.section
        for n in range(2):
            status, _location, _html = await pages.send(code, f"Ý kiến số {n}.")
            assert status == 303
            clock.advance(timedelta(minutes=5))
        response_status, _location, html = await pages.send(code, "Ý kiến thứ ba, chưa gửi được.")
    assert response_status == 429
    assert "Ý kiến thứ ba, chưa gửi được." in html, "the text is kept for later"
    assert "10:00 thứ Hai, 10/11" in html, "an hour after the first of the two"


async def test_many_browsers_behind_one_address_meet_its_limit(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_pages(
        database_url, clock, comments=CommentSettings(per_address_hour=1, web_photo_bytes=1 << 16)
    ) as pages:
        code = pages.codes.section
        assert (await pages.send(code, "Từ máy thứ nhất."))[0] == 303
        pages.client.session.cookie_jar.clear()  # another phone on the same network
        status, _location, html = await pages.send(
            code, "Từ máy thứ hai.", photos=[("image/jpeg", JPEG)]
        )
    assert status == 429
    assert "gửi từ mạng của bạn" in html and "Bạn có thể gửi lại từ 10:00 thứ Hai, 10/11" in html
    assert "Bạn vui lòng chọn lại ảnh." in html, "a browser cannot keep the chosen files"


async def test_a_phone_changing_its_ipv6_address_meets_the_limit_of_its_network(
    database_url: str, clock: FrozenClock
) -> None:
    """A phone on IPv6 picks any address of its network's /64, and a new one whenever it
    likes: counted by address, it had no limit at all. Behind the office's proxy here."""
    async with serve_pages(
        database_url,
        clock,
        trusted_proxies="127.0.0.1",
        comments=CommentSettings(per_address_hour=1, web_photo_bytes=1 << 16),
    ) as pages:
        code = pages.codes.section
        first = {"X-Forwarded-For": "2001:db8:7:42::1"}
        assert (await pages.send(code, "Lần một.", headers=first))[0] == 303
        pages.client.session.cookie_jar.clear()
        again = {"X-Forwarded-For": "2001:db8:7:42:a1b2:c3d4:e5f6:1"}
        status, _location, html = await pages.send(code, "Lần hai.", headers=again)
        assert status == 429 and "gửi từ mạng của bạn" in html
        pages.client.session.cookie_jar.clear()
        elsewhere = {"X-Forwarded-For": "2001:db8:7:43::1"}  # the next /64: another network
        assert (await pages.send(code, "Mạng khác.", headers=elsewhere))[0] == 303


async def test_one_phone_number_meets_the_hourly_limit_from_any_browser(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_pages(
        database_url, clock, comments=CommentSettings(per_hour=1, web_photo_bytes=1 << 16)
    ) as pages:
        code = pages.codes.section
        first = await pages.send(code, "Lần một.", name="Phạm Văn Dũng", phone="0912345678")
        assert first[0] == 303
        pages.client.session.cookie_jar.clear()
        status, _location, html = await pages.send(
            code, "Lần hai.", name="Phạm Văn Dũng", phone="0912 345 678"
        )
    assert status == 429 and "Số điện thoại này đã gửi 1 ý kiến" in html
    assert Elements(html).by_id["phone"]["value"] == "0912 345 678"


async def test_after_the_consultation_the_form_is_gone_and_a_post_is_410(
    database_url: str, clock: FrozenClock
) -> None:
    async with serve_pages(database_url, clock) as pages:
        code = pages.codes.section
        token = await pages.csrf(code)
        clock.set(at("2026-01-02 09:00"))
        status, _html, page = await get(pages, f"/q/GY-{code}")
        assert status == 200 and "comment" not in page.by_id and "draft" in page.by_id
        status, _location, html = await pages.send(code, "Muộn rồi.", csrf=token)
    assert status == 410 and "đã kết thúc" in html


async def test_before_the_consultation_opens_the_page_says_when_it_will(
    database_url: str, clock: FrozenClock
) -> None:
    """Posters go up before the first day: the page said the consultation had ended, at its
    closing date weeks ahead, and a post was 410 Gone."""
    async with serve_pages(database_url, clock) as pages:
        code = pages.codes.section
        token = await pages.csrf(code)
        clock.set(at("2025-10-14 08:00"))  # the seed's campaign opens on 15/10 at 00:00
        status, html, page = await get(pages, f"/q/GY-{code}")
        assert status == 200 and "comment" not in page.by_id and "draft" in page.by_id
        assert "đã kết thúc" not in html
        assert "Đợt lấy ý kiến bắt đầu lúc 00:00 thứ Tư, 15/10" in html
        status, _location, html = await pages.send(code, "Sớm quá.", csrf=token)
        assert status == 409 and "đã kết thúc" not in html
        assert "bắt đầu lúc 00:00 thứ Tư, 15/10" in html
        _status, html, _page = await get(pages, f"/q/GY-{code}?lang=en")
        assert "The consultation opens at 00:00 Wednesday, 15/10" in html


# --- the receipt page ---------------------------------------------------------------------


async def test_an_unknown_receipt_is_404_and_guessing_is_braked(pages: Pages) -> None:
    code = pages.codes.section
    _status, location, _html = await pages.send(code, "Ý kiến thật.")
    for n in range(30):
        status, html, _page = await get(pages, links.receipt_path(code, f"YK-{n:06d}"[:9]))
        assert status == 404
    assert "Không tìm thấy ý kiến có mã biên nhận này" in html
    status, _html, _page = await get(pages, location)
    assert status == 429, "past 30 misses an hour, even a right receipt is not looked up"
    pages.clock.advance(timedelta(hours=1, seconds=1))
    status, _html, _page = await get(pages, location)
    assert status == 200


async def test_a_receipt_of_another_poster_is_not_shown_there(pages: Pages) -> None:
    _status, location, _html = await pages.send(pages.codes.section, "Ý kiến ở mục I.")
    receipt = location.rsplit("/", 1)[1]
    status, _html, _page = await get(pages, links.receipt_path(pages.codes.ward, receipt))
    assert status == 404


async def test_a_page_is_small_gzipped_too(pages: Pages) -> None:
    response = await pages.client.get(f"/q/GY-{pages.codes.city}")
    body = (await response.text()).encode()
    assert len(gzip.compress(body)) < len(body) < 30_000
