"""The letters count the comments of their unit's subtree: a ward's letter its ward's (also in
its city's campaign), the city's all of them with a table per ward; stance and sender in a
sentence each, only when any comment told them."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from services.consolidated import consolidate
from storage.models import AuthorCategory, CommentMedium, Stance, Unit
from tests.chat import at
from tests.integration.test_comment_counts import City, city_campaign, comment
from tests.integration.test_consolidated import render
from tests.integration.test_first_week_reports import docx_text

WEEK = date(2025, 11, 12)


async def placed(session: AsyncSession) -> City:
    world = await city_campaign(session)
    cells = world.seed.cells
    await comment(session, world, cells[0], 0, stance=Stance.AGREE, category=AuthorCategory.CADRE)
    await comment(session, world, cells[1], 1, stance=Stance.AGREE, medium=CommentMedium.LETTER)
    await comment(session, world, world.seed.ward, 2, stance=Stance.PARTLY)
    await comment(session, world, world.kimma_cell, 3, medium=CommentMedium.MEETING)
    await comment(session, world, None, 4)
    return world


async def letter_of(session: AsyncSession, world: City, unit: Unit) -> str:
    report = await consolidate(
        session=session,
        unit=unit,
        campaign=world.seed.campaign,
        week=WEEK,
        as_of=at("2025-11-12 18:00"),
    )
    return docx_text(render(report, "docx"))


async def test_a_wards_letter_counts_its_wards_comments_of_the_citys_campaign(
    session: AsyncSession,
) -> None:
    world = await placed(session)
    text = await letter_of(session, world, world.seed.ward)
    assert "Số thư, ý kiến góp ý gửi về Ngọc Hà: 3, trong đó: thư tay 1." in text
    assert "Về quan điểm: tán thành 2, đồng ý một phần 1." in text
    assert "Theo đối tượng góp ý: cán bộ 1." in text
    assert "ý kiến 3" not in text, "Kim Mã's comment is not Ngọc Hà's"

    other = await letter_of(session, world, world.kimma)
    assert (
        "Số thư, ý kiến góp ý gửi về Đảng ủy phường Kim Mã: 1, trong đó: hội nghị, tọa đàm 1."
        in other
    )
    assert "Về quan điểm" not in other and "Theo đối tượng" not in other


async def test_the_citys_letter_rolls_up_per_ward(session: AsyncSession) -> None:
    world = await placed(session)
    text = await letter_of(session, world, world.city)
    assert "Số thư, ý kiến góp ý gửi về Đảng bộ Thành phố Hà Nội: 5" in text
    lines = text.splitlines()
    table = lines[lines.index("Thư tay") - 2 :]
    # Ward, comments, by letter, at meetings; the city's own (place not known); the total.
    assert table[4:8] == ["Đảng ủy phường Kim Mã", "1", "0", "1"]
    assert table[8:12] == ["Đảng ủy phường Ngọc Hà", "3", "1", "0"]
    assert table[12:14] == ["Đảng bộ Thành phố Hà Nội (gửi trực tiếp)", "1"]
    assert "Tổng cộng" in table and "5" in table


async def test_the_citys_workbook_has_the_comments_per_ward(session: AsyncSession) -> None:
    world = await placed(session)
    report = await consolidate(
        session=session,
        unit=world.city,
        campaign=world.seed.campaign,
        week=WEEK,
        as_of=at("2025-11-12 18:00"),
    )
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    sheet = book.worksheets[-1]
    assert sheet.title == "Ý kiến theo đơn vị"
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True)}
    # Comments, tán thành, không tán thành, đồng ý một phần, cán bộ …
    assert rows["Đảng ủy phường Ngọc Hà"][:5] == (3, 2, 0, 1, 1)
    assert rows["Đảng ủy phường Kim Mã"][:2] == (1, 0)
    assert rows["Tổng cộng"][0] == 5
