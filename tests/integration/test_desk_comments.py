"""The desk's comments page: what an official reads, filtered, searched without accents, and
paged newest first by keyset (SQLite and PostgreSQL, through the real server)."""

from __future__ import annotations

import html as markup
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update
from sqlmodel import col

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage import comment_search_pg
from storage.comment_match import search_words
from storage.comment_search import Filters, find_comments
from storage.comment_search_pg import Count
from storage.keyset import Cursor
from storage.models import (
    AuthorCategory,
    Comment,
    CommentMedium,
    CommentStatus,
    Stance,
)
from storage.places import fold
from tests.chat import at
from tests.desk_comments import Writer
from tests.desk_world import Client, DeskWorld, serve_desk

_RECEIPT = re.compile(r'class="receipt"><a href="[^"]+">(YK-[A-Z0-9]+)</a>')
_OLDER = re.compile(r'<a href="([^"]+)" rel="next" id="older">')
_NEWER = re.compile(r'<a href="([^"]+)" rel="prev">')
_COUNT = re.compile(r'<span class="count" id="count">([^<]+)</span>')


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock) as served:
        yield served


@pytest.fixture
def writer(world: DeskWorld) -> Writer:
    return Writer(world)


class Listing:
    """One comments page as the official sees it."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.receipts = _RECEIPT.findall(html)
        count = _COUNT.search(html)
        self.count = count[1] if count else ""
        older, newer = _OLDER.search(html), _NEWER.search(html)
        self.older = markup.unescape(older[1]) if older else None
        self.newer = markup.unescape(newer[1]) if newer else None

    def row(self, receipt: str) -> str:
        """The table row of ``receipt``."""
        (found,) = [row for row in self.html.split("<tr")[1:] if receipt in row]
        return found


async def listing(browser: Client, path: str = paths.COMMENTS, **query: Any) -> Listing:
    page = await browser.get(path, params={k: str(v) for k, v in query.items()})
    text = await page.text()
    assert page.status == 200, text[:3000]
    return Listing(text)


def receipts(*comments: Comment) -> list[str]:
    return [c.receipt for c in comments]


async def test_newest_first_with_what_an_official_reads(world: DeskWorld, writer: Writer) -> None:
    cell = world.seed.cells[0]
    named = await writer.add(
        "Đề nghị bổ sung giải pháp chuyển đổi số cho tổ dân phố",
        unit=cell,
        at=at("2025-11-09 20:00"),
        stance=Stance.AGREE,
        category=AuthorCategory.CITIZEN,
        name="Trần Văn Nam",
        chat_photos=1,
        web_photos=1,
    )
    anonymous = await writer.add("Cần thêm cây xanh trên phố", at=at("2025-11-10 08:00"))
    hidden = await writer.add("Quảng cáo bán hàng", status=CommentStatus.HIDDEN)
    withdrawn = await writer.add("Tôi rút ý kiến", status=CommentStatus.WITHDRAWN)
    browser = await world.browser("ward_official")

    page = await listing(browser, campaign=world.seed.campaign.id)
    assert page.receipts == receipts(anonymous, named)
    assert page.count == "2 ý kiến"
    row = page.row(named.receipt)
    for shown in ("20:00 Chủ nhật, 09/11", "Chi bộ Tổ dân phố số 1", "Tán thành", "Nhân dân"):
        assert shown in row, shown
    assert "Trần Văn Nam" in row and "2 ảnh" in row and "0912345678" not in row
    assert "Ẩn danh" in page.row(anonymous.receipt)
    # Hidden, spam and withdrawn ones are there for those who look for them.
    assert (
        await listing(browser, campaign=world.seed.campaign.id, status="hidden")
    ).receipts == receipts(hidden)
    every = await listing(browser, campaign=world.seed.campaign.id, status="all")
    assert set(every.receipts) == set(receipts(named, anonymous, hidden, withdrawn))


async def test_filters_narrow_within_the_campaign(world: DeskWorld, writer: Writer) -> None:
    seed = world.seed
    first, second = seed.sections
    on_first = await writer.add(
        "Về phần I",
        section=first,
        unit=seed.cells[0],
        stance=Stance.AGREE,
        medium=CommentMedium.LETTER,
        at=at("2025-11-01 10:00"),
    )
    on_second = await writer.add(
        "Về phần II",
        section=second,
        unit=seed.cells[1],
        stance=Stance.DISAGREE,
        at=at("2025-11-05 10:00"),
    )
    on_statute = await writer.add(
        "Về Điều lệ",
        document=seed.documents[1],
        stance=Stance.PARTLY,
        medium=CommentMedium.WEB,
        at=at("2025-11-09 23:30"),
    )
    general = await writer.add("Ý kiến chung", at=at("2025-11-10 08:00"))
    browser = await world.browser("ward_official")

    async def shown(**query: Any) -> list[str]:
        return (await listing(browser, campaign=seed.campaign.id, **query)).receipts

    assert await shown() == receipts(general, on_statute, on_second, on_first)
    assert await shown(document=seed.documents[0].id) == receipts(on_second, on_first)
    assert await shown(section=second.id) == receipts(on_second)
    # Two menus of one form: a section chosen with another document still means the section.
    assert await shown(section=first.id, document=seed.documents[1].id) == receipts(on_first)
    assert await shown(unit=seed.cells[0].id) == receipts(on_first)
    assert await shown(unit=seed.ward.id) == receipts(general, on_statute, on_second, on_first)
    assert await shown(stance="partly") == receipts(on_statute)
    assert await shown(medium="letter") == receipts(on_first)
    assert await shown(medium="web") == receipts(on_statute)
    # Local dates, both ends included: 23:30 on the 9th in Hanoi is the 9th.
    assert await shown(**{"to": "2025-11-09"}) == receipts(on_statute, on_second, on_first)
    assert await shown(**{"from": "2025-11-10"}) == receipts(general)
    assert await shown(**{"from": "2025-11-02", "to": "2025-11-09"}) == receipts(
        on_statute, on_second
    )
    assert await shown(stance="agree", unit=seed.cells[1].id) == []


async def test_the_search_ignores_accents_and_case(world: DeskWorld, writer: Writer) -> None:
    capital = await writer.add("Thủ đô cần nhiều cây xanh hơn", at=at("2025-11-08 09:00"))
    shouting = await writer.add("THỦ ĐÔ NGÀN NĂM VĂN HIẾN", at=at("2025-11-09 09:00"))
    bare = await writer.add("thu do phai sach dep", at=at("2025-11-07 09:00"))
    street = await writer.add("Đường phố còn nhiều ổ gà", at=at("2025-11-06 09:00"))
    await writer.add("Thu hút đầu tư vào phường", at=at("2025-11-05 09:00"))
    browser = await world.browser("ward_official")

    async def found(q: str) -> set[str]:
        return set((await listing(browser, campaign=world.seed.campaign.id, q=q)).receipts)

    capitals = set(receipts(capital, shouting, bare))
    for query in ("thu do", "Thủ đô", "THỦ ĐÔ", "thủ  đô!", "Thu Do"):
        assert await found(query) == capitals, query
    for query in ("duong", "Đường", "ĐƯỜNG", "đuong", "Duong"):
        assert await found(query) == set(receipts(street)), query
    assert await found("xanh thu") == set(receipts(capital)), "every word, in any order"
    noise = await writer.add("Tiếng ồn karaoke ban đêm", at=at("2025-11-04 09:00"))
    for query in ("karaoke", "KARAOKE", "karao", "ban dem kara"):
        assert await found(query) == set(receipts(noise)), "a long last word may be cut short"
    for query in ("ka", "karao ban", "thu d", "thuh"):
        assert await found(query) == set(), "whole words: «thu» is not the start of «thủ»…"
    assert await found("thu do xe") == set()
    page = await listing(browser, campaign=world.seed.campaign.id, q="thủ đô")
    assert page.count == "3 ý kiến"
    assert 'value="thủ đô"' in page.html, "the search box keeps what was typed"


async def test_pages_hold_still_while_comments_arrive(world: DeskWorld, writer: Writer) -> None:
    start = at("2025-10-20 08:00")
    made = []
    for n in range(120):
        # Pairs sent in the same second: the id breaks the tie, the same way every time.
        made.append(await writer.add(f"Ý kiến số {n}", at=start + timedelta(minutes=n // 2)))
    newest_first = [c.receipt for c in sorted(made, key=lambda c: (c.created_at, c.id))][::-1]
    browser = await world.browser("ward_official")

    first = await listing(browser, campaign=world.seed.campaign.id)
    assert first.receipts == newest_first[:50] and first.count == "120 ý kiến"
    assert first.older is not None and first.newer is None
    for n in range(3):
        await writer.add(f"Ý kiến mới {n}", at=world.clock.now() + timedelta(minutes=n))
    second = await listing(browser, first.older)
    assert second.receipts == newest_first[50:100], "the new comments shift nothing"
    assert second.older is not None and second.newer is not None
    third = await listing(browser, second.older)
    assert third.receipts == newest_first[100:]
    assert third.older is None and third.count == "123 ý kiến"
    assert third.newer is not None
    back = await listing(browser, third.newer)
    assert back.receipts == newest_first[50:100]


async def test_the_count_stops_at_its_cap(world: DeskWorld, writer: Writer) -> None:
    for n in range(7):
        await writer.add(f"Giao thông đô thị {n}")
    await writer.add("Không liên quan")
    campaign_id = world.seed.campaign.id
    assert campaign_id is not None
    async with world.runtime.db.sessions() as session:
        words = Filters(campaign_id, words=search_words("giao thong"))
        assert (await find_comments(session=session, filters=words, cap=100)).count == Count(7)
        assert (await find_comments(session=session, filters=words, cap=5)).count == Count(
            5, exact=False
        )
        everything = Filters(campaign_id)
        assert (await find_comments(session=session, filters=everything, cap=3)).count == Count(
            3, exact=False
        )


async def test_an_official_of_the_city_reads_every_ward(world: DeskWorld, writer: Writer) -> None:
    consultation = world.consultation
    ngoc_ha = await writer.add("Ở Ngọc Hà", campaign=consultation, unit=world.seed.cells[0])
    kim_ma = await writer.add("Ở Kim Mã", campaign=consultation, unit=world.other_ward)
    city = await world.browser("city_official")
    everything = await listing(city, campaign=consultation.id)
    assert set(everything.receipts) == set(receipts(ngoc_ha, kim_ma))
    assert (await listing(city, campaign=consultation.id, unit=world.other_ward.id)).receipts == [
        kim_ma.receipt
    ]
    ward = await listing(await world.browser("ward_official"), campaign=consultation.id)
    assert ward.receipts == [ngoc_ha.receipt]
    assert "Đảng ủy phường Ngọc Hà" in ward.html.split('class="muted"')[1].split("</p>")[0]


async def test_no_filter_reaches_beyond_the_officials_units(
    world: DeskWorld, writer: Writer
) -> None:
    consultation = world.consultation
    await writer.add("Ở Ngọc Hà", campaign=consultation, unit=world.seed.cells[0])
    browser = await world.browser("other_official")  # Kim Mã
    for query in (
        {"campaign": world.seed.campaign.id},  # Ngọc Hà's own campaign
        {"campaign": consultation.id, "unit": world.seed.ward.id},
        {"campaign": consultation.id, "unit": world.seed.cells[0].id},
        {"campaign": consultation.id, "unit": 999_999},
        {"campaign": consultation.id, "document": world.seed.documents[0].id},
        {"campaign": consultation.id, "section": world.seed.sections[0].id},
        {"campaign": 999_999},
    ):
        page = await browser.get(paths.COMMENTS, params={k: str(v) for k, v in query.items()})
        assert page.status == 404, query
        assert "Ở Ngọc Hà" not in await page.text()
    mine = await listing(browser, campaign=consultation.id)
    assert mine.receipts == [] and "Ở Ngọc Hà" not in mine.html


@pytest.mark.parametrize(
    "query",
    [
        "campaign=abc",
        "unit=-3",
        "document=1%00",
        "section=99999999999999999999999",
        "stance=maybe",
        "status=deleted",
        "medium=%F0%9F%90%A6",
        "from=2025-13-01",
        "to=yesterday",
        "before=abc",
        "after=1_0",
        "before=1_1&after=1_2",
    ],
)
async def test_malformed_filters_are_a_polite_400(world: DeskWorld, query: str) -> None:
    browser = await world.browser("ward_official")
    page = await browser.get(f"{paths.COMMENTS}?{query}")
    assert page.status == 400
    assert "bộ lọc" in await page.text()


# What people write: letters of any script, digits, punctuation, spaces (PostgreSQL's parser
# drops symbols such as «²», so a comment of symbols alone is not found there).
SAID = st.text(alphabet=st.characters(categories=("L", "Nd", "P", "Zs")), min_size=1, max_size=60)


SIGNED_IN: dict[int, Client] = {}  # one browser per world across a test's examples


@given(q=st.text(max_size=120), said=SAID)
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_any_search_is_answered(world: DeskWorld, q: str, said: str) -> None:
    """No string typed in the search box is a server error or a broken search query, and a
    comment is found by any of its words, typed with or without accents."""
    writer = Writer(world)
    await writer.add(q.replace("\x00", "") or "trống")  # no text stored holds a NUL
    plain = await writer.add(said)
    browser = SIGNED_IN.get(id(world)) or await world.browser("ward_official")
    SIGNED_IN[id(world)] = browser
    page = await browser.get(
        paths.COMMENTS, params={"campaign": str(world.seed.campaign.id), "q": q}
    )
    assert page.status == 200, await page.text()
    for typed in (said, fold(said), said.upper()):
        # Upper case is no way back for every letter (dotless «ı» comes back as «i»).
        if search_words(typed) and fold(typed) == fold(said):
            found = await listing(browser, campaign=world.seed.campaign.id, q=typed)
            assert plain.receipt in found.receipts, typed


async def test_a_moderated_comment_leaves_the_default_list(
    world: DeskWorld, writer: Writer
) -> None:
    comment = await writer.add("Sẽ bị ẩn")
    browser = await world.browser("ward_official")
    assert (await listing(browser, campaign=world.seed.campaign.id)).receipts == [comment.receipt]
    async with world.runtime.db.sessions() as session:
        await session.execute(
            update(Comment).where(col(Comment.id) == comment.id).values(status=CommentStatus.SPAM)
        )
        await session.commit()
    assert (await listing(browser, campaign=world.seed.campaign.id)).receipts == []
    assert (await listing(browser, campaign=world.seed.campaign.id, status="spam")).receipts == [
        comment.receipt
    ]


async def test_every_way_of_searching_finds_the_same(
    world: DeskWorld, writer: Writer, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """PostgreSQL reads the newest comments first and turns to the word index for a word too
    rare among them: with a window of four comments both ways run here, and agree."""
    monkeypatch.setattr(comment_search_pg, "WINDOWS", (2, 4))
    start = at("2025-10-20 08:00")
    common, rare = [], []
    for n in range(12):
        said = f"Đề nghị số {n}" + (" về karaoke" if n in (1, 6) else "")
        comment = await writer.add(said, at=start + timedelta(hours=n))
        common.append(comment)
        if n in (1, 6):
            rare.append(comment)
    await writer.add("karaoke ở chiến dịch khác", campaign=world.consultation)
    browser = await world.browser("ward_official")
    campaign = world.seed.campaign.id
    page = await listing(browser, campaign=campaign, q="karaoke")
    assert page.receipts == receipts(*reversed(rare)) and page.count == "2 ý kiến"
    page = await listing(browser, campaign=campaign, q="de nghi")
    assert page.receipts == receipts(*reversed(common))
    # PostgreSQL counts a word that common from the newest it read: more than those two.
    postgres = database_url.startswith("postgresql")
    assert page.count == ("Hơn 2 ý kiến" if postgres else "12 ý kiến")
    campaign_id = world.seed.campaign.id
    assert campaign_id is not None
    async with world.runtime.db.sessions() as session:
        found = await find_comments(
            session=session,
            filters=Filters(campaign_id, words=search_words("de nghi")),
            limit=5,
            cap=3,
        )
        assert [r.comment.receipt for r in found.page.rows] == receipts(*common[::-1][:5])
        # SQLite counts up to the cap; PostgreSQL says more than the newest two it read.
        assert found.count == Count(2 if postgres else 3, exact=False)
        assert found.page.older is not None
        older = await find_comments(
            session=session,
            filters=Filters(campaign_id, words=search_words("nghi so")),
            before=found.page.older,
            limit=5,
        )
        assert [r.comment.receipt for r in older.page.rows] == receipts(*common[::-1][5:10])
        # Two of the newest two match, so the newest four are read for a page of two.
        pair = await find_comments(
            session=session,
            filters=Filters(campaign_id, words=search_words("so")),
            limit=2,
        )
        assert [r.comment.receipt for r in pair.page.rows] == receipts(*common[::-1][:2])
        back = await find_comments(
            session=session,
            filters=Filters(campaign_id, words=search_words("karaoke")),
            after=Cursor(common[0].created_at, common[0].id or 0),
            limit=1,
        )
        assert [r.comment.receipt for r in back.page.rows] == [rare[0].receipt]
        assert back.page.newer is not None, "another one further on"


async def test_a_count_that_takes_too_long_says_more_than(
    world: DeskWorld, writer: Writer, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """PostgreSQL: a count through the word index is cut at its time budget; the page still
    comes, saying «more than» what it saw."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the word index and the statement timeout are PostgreSQL's")
    monkeypatch.setattr(comment_search_pg, "WINDOWS", (2, 4))
    monkeypatch.setattr(comment_search_pg, "COUNT_BUDGET", "50ms")

    async def slow(session: Any, where: Any, cap: int) -> int:
        await session.execute(text("SELECT pg_sleep(2)"))
        raise AssertionError("the budget should have cut it")

    monkeypatch.setattr(comment_search_pg, "capped_count", slow)
    start = at("2025-10-20 08:00")
    for n in range(8):
        said = "Đề nghị giảm tiếng ồn karaoke" if n == 2 else f"Đề nghị số {n}"
        await writer.add(said, at=start + timedelta(hours=n))
    browser = await world.browser("ward_official")
    page = await listing(browser, campaign=world.seed.campaign.id, q="karaoke")
    assert page.count == "Quá nhiều ý kiến để đếm nhanh"
    assert len(page.receipts) == 1, "the page itself is whole"
    page = await listing(browser, campaign=world.seed.campaign.id, q="de nghi so")
    assert len(page.receipts) == 7
    assert page.count == "Hơn 2 ý kiến", "more than the newest two it read held"


async def test_a_wards_search_through_the_index_keeps_to_the_ward(
    world: DeskWorld, writer: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part of a campaign reads one window, then asks the word index for its own units."""
    monkeypatch.setattr(comment_search_pg, "WINDOWS", (2, 4))
    consultation = world.consultation
    start = at("2025-10-20 08:00")
    ours = await writer.add(
        "Karaoke ồn ào", campaign=consultation, unit=world.seed.cells[1], at=start
    )
    for n in range(6):
        await writer.add(
            f"Karaoke ở Kim Mã {n}",
            campaign=consultation,
            unit=world.other_ward,
            at=start + timedelta(hours=n + 1),
        )
        await writer.add(
            f"Ý kiến khác {n}",
            campaign=consultation,
            unit=world.seed.cells[0],
            at=start + timedelta(hours=n + 1),
        )
    ward = await world.browser("ward_official")
    page = await listing(ward, campaign=consultation.id, q="karaoke")
    assert page.receipts == [ours.receipt] and page.count == "1 ý kiến"
    city = await world.browser("city_official")
    assert len((await listing(city, campaign=consultation.id, q="karaoke")).receipts) == 7
