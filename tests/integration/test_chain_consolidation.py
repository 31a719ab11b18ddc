"""The chain below the chat: any depth of units signing, each level summing what the level
below signed, silent units opened up in the workbook, signed files kept byte for byte."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from docx import Document as open_docx
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands_report import export_report
from bot.config import Settings
from bot.i18n import build_i18n
from bot.report_files import render_report
from services.consolidated import Consolidated, consolidate, reporting_level
from services.reporting import Assignment, target
from services.signing import Signed, SignedFormat, own_form, sign
from storage.forms import default_form
from storage.letterheads import default_letterhead
from storage.models import Campaign, Deadline, Person, ReportForm, Unit, UnitLevel
from storage.people import get_or_create_person
from storage.reports import file_report
from storage.signed import signed_file
from tests.chat import at
from tests.seed import TEST_SECRET


@dataclass
class Tree:
    units: dict[str, Unit]
    campaign: Campaign
    person: Person


async def build(session: AsyncSession) -> Tree:
    """Lai Châu's chain, four levels: the province, a bloc's party committee, two wards
    (communes) under it, two cells under each."""
    units: dict[str, Unit] = {}

    async def add(code: str, name: str, level: UnitLevel, parent: str | None) -> None:
        unit = Unit(
            code=code,
            name=name,
            level=level,
            parent_id=units[parent].id if parent else None,
        )
        session.add(unit)
        await session.flush()
        units[code] = unit

    await add("LC", "Đảng bộ tỉnh Lai Châu", UnitLevel.PROVINCE, None)
    await add("UBND", "Đảng bộ Ủy ban nhân dân tỉnh", UnitLevel.DISTRICT, "LC")
    for ward in ("A", "B"):
        await add(ward, f"Đảng ủy xã {ward}", UnitLevel.WARD, "UBND")
        for cell in (1, 2):
            await add(f"{ward}{cell}", f"Chi bộ {ward}{cell}", UnitLevel.CELL, ward)
    form = ReportForm(name="default", fields=default_form().dump())
    session.add(form)
    await session.flush()
    assert form.id is not None and units["LC"].id is not None
    campaign = Campaign(
        code="dh14",
        title="Góp ý dự thảo văn kiện Đại hội XIV",
        unit_id=units["LC"].id,
        form_id=form.id,
        starts_at=at("2025-10-15 00:00"),
        ends_at=at("2025-12-31 17:00"),
    )
    session.add(campaign)
    await session.flush()
    assert campaign.id is not None
    # Cells by Wednesday 17:00, communes Thursday 11:30, the bloc Thursday 16:00, the
    # province Friday 17:00.
    for level, weekday, time in (
        (UnitLevel.CELL, 2, "17:00"),
        (UnitLevel.WARD, 3, "11:30"),
        (UnitLevel.DISTRICT, 3, "16:00"),
        (UnitLevel.PROVINCE, 4, "17:00"),
    ):
        session.add(Deadline(campaign_id=campaign.id, level=level, weekday=weekday, time=time))
    person = await get_or_create_person(
        session=session,
        channel="telegram",
        external_id="1",
        full_name="Lò Văn Pá",
        now=at("2025-10-15 08:00"),
    )
    await session.flush()
    return Tree(units, campaign, person)


async def file_cell(
    session: AsyncSession, tree: Tree, code: str, news: int, now: datetime
) -> None:
    unit = tree.units[code]
    found = await target(session=session, assignment=Assignment(unit, tree.campaign), now=now)
    assert found is not None
    await file_report(
        session=session,
        period=found.period,
        unit=unit,
        values={"leadership": f"Chi bộ {code} họp", "news_count": news},
        person=tree.person,
        now=now,
    )


async def render(report: Consolidated, fmt: SignedFormat) -> bytes:
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        letterhead = default_letterhead(report.unit, None)
        return render_report(report, fmt, letterhead=letterhead, today=date(2025, 11, 13))


async def sign_unit(
    session: AsyncSession, tree: Tree, code: str, news: int, now: datetime
) -> Signed:
    unit = tree.units[code]
    item = Assignment(unit, tree.campaign, signs=True)
    found = await target(session=session, assignment=item, now=now)
    assert found is not None
    form = await own_form(session=session, unit=unit, campaign=tree.campaign)
    signed = await sign(
        session=session,
        unit=unit,
        campaign=tree.campaign,
        period=found.period,
        own={"news_count": news, "assessment": f"Đánh giá của {unit.name}"},
        form=form,
        person=tree.person,
        now=now,
        seen=found.report.revisions if found.report else 0,
        render=render,
    )
    assert signed is not None
    return signed


async def test_four_levels_each_sums_what_the_level_below_signed(session: AsyncSession) -> None:
    tree = await build(session)
    for code, news in (("A1", 10), ("A2", 20), ("B1", 5)):
        await file_cell(session, tree, code, news, at("2025-11-12 09:00"))
    # Commune A signs with 3 of its own; commune B never signs.
    signed_a = await sign_unit(session, tree, "A", 3, at("2025-11-13 09:00"))
    assert signed_a.report.totals["news_count"] == 33
    assert (
        await reporting_level(session=session, unit=tree.units["UBND"], campaign=tree.campaign)
        is UnitLevel.WARD
    )

    # The bloc reads what A signed (33) and names B, whose cells the workbook opens up.
    bloc = await sign_unit(session, tree, "UBND", 1, at("2025-11-13 15:00"))
    report = bloc.report
    assert [(r.name, r.counts["news_count"], r.on_time) for r in report.rows] == [
        ("Đảng ủy xã A", 33, 1),
        ("Đảng ủy xã B", 0, 0),
    ]
    assert report.totals["news_count"] == 34
    assert [(f.name, f.status) for f in report.drill] == [
        ("Chi bộ B1", "on_time"),
        ("Chi bộ B2", "missing"),
    ]
    book = load_workbook(io.BytesIO(bloc.files["xlsx"][1]))
    assert "Chưa ký - chi tiết" in book.sheetnames
    letter = "\n".join(p.text for p in open_docx(io.BytesIO(bloc.files["docx"][1])).paragraphs)
    assert "1/2 đơn vị báo cáo đúng hạn" in letter
    assert "Theo các báo cáo đã ký: 2/2 đơn vị cấp dưới báo cáo đúng hạn" in letter

    # The province reads the bloc's signature: 34.
    province = await consolidate(
        session=session,
        unit=tree.units["LC"],
        campaign=tree.campaign,
        week=date(2025, 11, 13),
        as_of=at("2025-11-14 10:00"),
    )
    assert [(r.name, r.counts["news_count"]) for r in province.rows] == [
        ("Đảng bộ Ủy ban nhân dân tỉnh", 34)
    ]
    assert province.totals["news_count"] == 34


async def test_signed_files_stay_as_signed(session: AsyncSession) -> None:
    tree = await build(session)
    await file_cell(session, tree, "A1", 10, at("2025-11-12 09:00"))
    signed = await sign_unit(session, tree, "A", 3, at("2025-11-13 09:00"))
    # The same signed report rendered again gives the same bytes: nothing depends on the clock.
    assert await render(signed.report, "docx") == signed.files["docx"][1]
    # A late cell, a renamed commune: what was signed does not move.
    await file_cell(session, tree, "A2", 99, at("2025-11-13 10:00"))
    tree.units["A"].name = "Đảng ủy xã A mới"
    await session.flush()
    assert signed.filed.revision.id is not None
    for fmt, (_name, content) in signed.files.items():
        kept = await signed_file(session=session, revision_id=signed.filed.revision.id, fmt=fmt)
        assert kept is not None and kept.content == content


async def test_the_command_line_export_hands_back_the_signed_file(
    session: AsyncSession, tmp_path: Path
) -> None:
    tree = await build(session)
    await file_cell(session, tree, "A1", 10, at("2025-11-12 09:00"))
    signed = await sign_unit(session, tree, "A", 3, at("2025-11-13 09:00"))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        secret_key=SecretStr(TEST_SECRET),
    )
    caption, data = await export_report(
        session=session,
        settings=settings,
        unit_code="A",
        campaign_code="dh14",
        week="2025-W46",
        whole=False,
        fmt="docx",
    )
    assert data == signed.files["docx"][1]
    assert caption == "Bản đã ký lúc 09:00 thứ Năm, 13/11 (lần 1)."
