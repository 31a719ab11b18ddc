"""Groups of opinions on the desk: counted per document and section, renamed, merged, and a
comment moved, by the campaign's own officials, with the chat's rules (``storage.themes``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.models import Comment, CommentTheme
from storage.themes import LABEL_LENGTH
from tests.desk_comments import Writer
from tests.desk_world import DeskWorld, Who, post_form, serve_desk


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock) as served:
        yield served


@pytest.fixture
def writer(world: DeskWorld) -> Writer:
    return Writer(world)


async def test_the_groups_of_a_section_with_counts(world: DeskWorld, writer: Writer) -> None:
    section = world.seed.sections[0]
    land = [
        await writer.add(f"Giải phóng mặt bằng chậm, bồi thường thấp ({n})", section=section)
        for n in range(3)
    ]
    school = [await writer.add("Trường học quá tải", section=section)]
    await writer.add("Một ý kiến riêng", section=section)  # in no group: «Ý kiến khác»
    elsewhere = await writer.add("Về phần II", section=world.seed.sections[1])
    await writer.theme("Giải phóng mặt bằng", section=section, members=tuple(land))
    await writer.theme("Trường học", section=section, members=tuple(school))
    browser = await world.browser("ward_official")

    page = await browser.get(
        paths.THEMES,
        params={
            "campaign": str(world.seed.campaign.id),
            "document": str(section.document_id),
            "section": str(section.id),
        },
    )
    html = await page.text()
    assert page.status == 200
    assert html.index("Giải phóng mặt bằng") < html.index("Trường học") < html.index("Ý kiến khác")
    assert "3 ý kiến" in html and "1 trên 5 ý kiến chưa thuộc nhóm nào" in html
    assert "«Giải phóng mặt bằng chậm" in html, "a quote of each group"
    assert elsewhere.text not in html
    # Both sections with comments are offered.
    assert "I. Kết quả thực hiện Nghị quyết Đại hội XIII" in html
    assert "II. Bối cảnh, mục tiêu và định hướng phát triển" in html


async def test_rename_merge_and_move(world: DeskWorld, writer: Writer) -> None:
    section = world.seed.sections[0]
    buses = [await writer.add(f"Thêm tuyến xe buýt điện {n}", section=section) for n in range(2)]
    trains = [await writer.add("Đường sắt đô thị", section=section)]
    parking = await writer.add("Thiếu bãi đỗ xe", section=section)
    bus = await writer.theme("xe buyt dien", section=section, members=tuple(buses))
    train = await writer.theme("Đường sắt", section=section, members=tuple(trains))
    await writer.theme("Bãi đỗ", section=section, members=(parking,))
    other_section = await writer.theme("Phần II", section=world.seed.sections[1])
    browser = await world.browser("ward_official")  # the campaign is the ward's own
    page = paths.theme_path(bus.id or 0)

    renamed = await post_form(
        browser,
        paths.theme_path(bus.id or 0, paths.THEME_RENAME_ROUTE),
        {"label": "  Xe buýt   điện  "},
        page=page,
    )
    assert renamed.status == 303 and renamed.headers["Location"] == f"{page}?done=renamed"
    stored = await writer.get_theme(bus)
    assert (stored.label, stored.renamed) == ("Xe buýt điện", True)
    shown = await (await browser.get(renamed.headers["Location"])).text()
    assert "<h1>Xe buýt điện</h1>" in shown and "Đã đổi tên nhóm" in shown

    merged = await post_form(
        browser,
        paths.theme_path(train.id or 0, paths.THEME_MERGE_ROUTE),
        {"target": str(bus.id)},
        page=paths.theme_path(train.id or 0),
    )
    assert merged.headers["Location"] == f"{page}?done=merged"
    assert (await writer.get_theme(train)).merged_into_id == bus.id
    assert (await writer.get(trains[0])).theme_id == bus.id
    assert (await browser.get(paths.theme_path(train.id or 0))).status == 404, "merged for good"

    comment_page = paths.comment_path(parking.receipt)
    options = await (await browser.get(comment_page)).text()
    assert "Xe buýt điện" in options and "Phần II" not in options, "its section's groups only"
    moved = await post_form(
        browser,
        paths.comment_action_path(paths.COMMENT_THEME_ROUTE, parking.receipt),
        {"theme": str(bus.id)},
        page=comment_page,
    )
    assert moved.headers["Location"] == f"{comment_page}?done=moved"
    kept = await writer.get(parking)
    assert (kept.theme_id, kept.theme_pinned) == (bus.id, True)
    assert "Thiếu bãi đỗ xe" in (await writer.get_theme(bus)).examples
    # A group of another section is refused, and nothing moves.
    refused = await post_form(
        browser,
        paths.comment_action_path(paths.COMMENT_THEME_ROUTE, parking.receipt),
        {"theme": str(other_section.id)},
        page=comment_page,
    )
    assert refused.status == 400
    assert (await writer.get(parking)).theme_id == bus.id
    async with world.runtime.db.sessions() as session:
        live = await session.execute(
            select(col(CommentTheme.label)).where(col(CommentTheme.merged_into_id).is_(None))
        )
        assert sorted(live.scalars().all()) == sorted(["Xe buýt điện", "Bãi đỗ", "Phần II"])


@pytest.mark.parametrize(
    ("label", "said"),
    [("", "1 đến 120"), ("\u200b \u200b", "1 đến 120"), ("x" * (LABEL_LENGTH + 1), "1 đến 120")],
)
async def test_a_name_that_does_not_fit(
    world: DeskWorld, writer: Writer, label: str, said: str
) -> None:
    theme = await writer.theme("Tên cũ", section=world.seed.sections[0])
    browser = await world.browser("ward_official")
    refused = await post_form(
        browser,
        paths.theme_path(theme.id or 0, paths.THEME_RENAME_ROUTE),
        {"label": label},
        page=paths.theme_path(theme.id or 0),
    )
    assert refused.status == 400 and said in await refused.text()
    assert (await writer.get_theme(theme)).label == "Tên cũ"


async def test_a_wards_official_reads_the_citys_groups_but_edits_none(
    world: DeskWorld, writer: Writer
) -> None:
    consultation = world.consultation
    ours = await writer.add("Ngọc Hà", campaign=consultation, unit=world.seed.cells[0])
    theirs = await writer.add("Kim Mã", campaign=consultation, unit=world.other_ward)
    group = await writer.theme("Chung", campaign=consultation, members=(ours, theirs))
    other = await writer.theme("Khác", campaign=consultation)
    officials: list[tuple[Who, str, bool]] = [
        ("ward_official", "1 ý kiến", False),
        ("city_official", "2 ý kiến", True),
    ]
    for who, count, editor in officials:
        browser = await world.browser(who)
        listing = await browser.get(paths.THEMES, params={"campaign": str(consultation.id)})
        assert count in await listing.text(), who
        page = await (await browser.get(paths.theme_path(group.id or 0))).text()
        assert ('name="label"' in page) is editor, who
        comment = await (await browser.get(paths.comment_path(ours.receipt))).text()
        assert ("Chuyển sang nhóm khác" in comment) is editor, who
    ward = await world.browser("ward_official")
    refused = await post_form(
        ward,
        paths.comment_action_path(paths.COMMENT_THEME_ROUTE, ours.receipt),
        {"theme": str(other.id)},
        page=paths.comment_path(ours.receipt),
    )
    assert refused.status == 404
    async with world.runtime.db.sessions() as session:
        stored = await session.get(Comment, ours.id)
        assert stored is not None and stored.theme_id == group.id
