"""Defects a review found in the reporting chain, each kept as the test that showed it (they
failed on 54485db). The two strict xfails are the chain's known limits (README)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.consolidated import Consolidated, consolidate
from services.reporting import Assignment, target
from services.signing import draft, own_form
from storage.models import Campaign, Unit, UnitLevel
from tests.chat import at
from tests.flow.test_chain import docx_text as _docx_text
from tests.integration.test_chain_consolidation import build, file_cell, sign_unit


async def draft_now(
    session: AsyncSession, campaign: Campaign, unit: Unit, now: datetime
) -> Consolidated:
    """The unit's draft for the week open at ``now``, with no own answers."""
    found = await target(session=session, assignment=Assignment(unit, campaign, True), now=now)
    assert found is not None
    form = await own_form(session=session, unit=unit, campaign=campaign)
    return await draft(
        session=session,
        unit=unit,
        campaign=campaign,
        period=found.period,
        now=now,
        own={},
        form=form,
    )


async def test_last_week_of_a_campaign_ending_after_the_cells_deadline(
    session: AsyncSession,
) -> None:
    """The campaign ends Thursday 13/11 at 12:00: the cells' last week is the one to Wednesday
    17:00 (then a stub week Wed 17:00 - Thu 12:00 that nobody files). The commune's week to
    Thursday 11:30 must read the cells' week to Wednesday 17:00, where they filed."""
    tree = await build(session)
    tree.campaign.ends_at = at("2025-11-13 12:00")
    await session.flush()
    await file_cell(session, tree, "A1", 10, at("2025-11-12 09:00"))
    await file_cell(session, tree, "A2", 20, at("2025-11-12 09:00"))
    unit = tree.units["A"]
    now = at("2025-11-13 09:00")
    report = await draft_now(session, tree.campaign, unit, now)
    assert report.ends_at == at("2025-11-12 17:00")
    # Reviewed code: the commune reads the stub week (deadline Thu 12:00): 0/2 filed, 0 news.
    assert report.periods[0].deadline_at == at("2025-11-12 17:00")
    assert (report.on_time, report.totals["news_count"]) == (2, 30)


@pytest.mark.xfail(
    strict=True,
    reason="known limitation (issue 14 note): one reporting level per unit; units of another "
    "level beside it are not read",
)
async def test_mixed_levels_a_commune_right_under_the_province_is_lost(
    session: AsyncSession,
) -> None:
    """Lai Châu: most communes sit under a bloc committee (DISTRICT), but commune C reports
    straight to the province. The province reads the DISTRICT level only: what C signed is
    neither a row, nor missing, nor in the totals."""
    tree = await build(session)
    c = Unit(code="C", name="Đảng ủy xã C", level=UnitLevel.WARD, parent_id=tree.units["LC"].id)
    session.add(c)
    await session.flush()
    tree.units["C"] = c
    c1 = Unit(code="C1", name="Chi bộ C1", level=UnitLevel.CELL, parent_id=c.id)
    session.add(c1)
    await session.flush()
    tree.units["C1"] = c1
    await file_cell(session, tree, "C1", 7, at("2025-11-12 09:00"))
    signed = await sign_unit(session, tree, "C", 100, at("2025-11-13 09:00"))
    assert signed.report.totals["news_count"] == 107
    province = await consolidate(
        session=session,
        unit=tree.units["LC"],
        campaign=tree.campaign,
        week=at("2025-11-13 09:00").date(),
        as_of=at("2025-11-14 10:00"),
    )
    names = [r.name for r in province.rows]
    assert "Đảng ủy xã C" in names, names  # reviewed code: only the bloc's row
    assert province.totals["news_count"] == 107


async def test_campaign_opening_between_the_cells_and_the_communes_deadline(
    session: AsyncSession,
) -> None:
    """A campaign that opens on a Thursday at 00:00 (a bare date): the commune's first week
    runs Thu 00:00 - Thu 11:30 and holds no cells' deadline. The commune's official is offered
    the report (``signing_assignments``, ``target``), but drafting it raises NothingToReport,
    which no handler catches (see test_review_chat for the chat)."""
    tree = await build(session)
    tree.campaign.starts_at = at("2025-11-13 00:00")
    await session.flush()
    unit = tree.units["A"]
    now = at("2025-11-13 09:00")
    report = await draft_now(session, tree.campaign, unit, now)
    assert report.expected == 2


async def test_previous_week_of_an_unsigned_week_is_not_compared(
    session: AsyncSession,
) -> None:
    """Same cells' figures both weeks (30 news); the commune did not sign last week and adds
    3 of its own this week. The letter says «33 (tuần trước 30, +3)»: last week is the cells alone,
    this week cells + own, so the commune's own work reads as the cells' growth."""
    tree = await build(session)
    for when in ("2025-11-05 09:00", "2025-11-12 09:00"):
        await file_cell(session, tree, "A1", 10, at(when))
        await file_cell(session, tree, "A2", 20, at(when))
    signed = await sign_unit(session, tree, "A", 3, at("2025-11-13 09:00"))
    report = signed.report
    assert report.totals["news_count"] == 33
    # Nothing signed last week to compare with: no comparison rather than a false one.
    assert report.previous is None
    # Unchanged cells, and the own work is not "growth": the letter must not say «+3».
    letter = _docx_text(signed.files["docx"][1])
    assert "(tuần trước 30, +3)" not in letter


async def test_the_signed_workbook_depends_on_the_wall_clock(session: AsyncSession) -> None:
    """The issue: «the DOCX/XLSX of a signed report are … byte-for-byte reproducible». The
    DOCX is stamped with the letter's date (letter_docx._set_properties, _stamp_zip); the XLSX
    (bot.render.tables.write_xlsx) keeps openpyxl's defaults: docProps/core.xml says
    creator «openpyxl» and created/modified = the wall clock, and every zip member is dated by
    the clock, so the same signed report renders to other bytes a second later."""
    import io
    import zipfile

    tree = await build(session)
    await file_cell(session, tree, "A1", 10, at("2025-11-12 09:00"))
    signed = await sign_unit(session, tree, "A", 3, at("2025-11-13 09:00"))
    data = signed.files["xlsx"][1]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        core = archive.read("docProps/core.xml").decode()
        stamps = {info.date_time[:3] for info in archive.infolist()}
    assert "openpyxl" not in core, core
    assert "2025-11-1" in core, core  # the report's dates, not today's
    assert stamps <= {(2025, 11, 13), (1980, 1, 1)}, stamps


async def test_the_level_above_never_reads_its_units_assessment_or_proposals(
    session: AsyncSession,
) -> None:
    """Commune A signs with its assessment and a proposal «to the level above». The bloc's
    report carries them in its filings (SignedValues.as_answers), but the letter and the
    workbook only walk ``report.form`` (the campaign's form, which has no assessment/proposals
    keys): neither the bloc's DOCX nor its XLSX shows what A proposed to it."""
    import io

    from openpyxl import load_workbook

    from storage.forms import signing_form

    tree = await build(session)
    await file_cell(session, tree, "A1", 10, at("2025-11-12 09:00"))
    unit = tree.units["A"]
    found = await target(
        session=session,
        assignment=Assignment(unit, tree.campaign, True),
        now=at("2025-11-13 09:00"),
    )
    assert found is not None
    from services.signing import sign
    from tests.integration.test_chain_consolidation import render

    form = signing_form(await own_form(session=session, unit=unit, campaign=tree.campaign))
    await sign(
        session=session,
        unit=unit,
        campaign=tree.campaign,
        period=found.period,
        own={"assessment": "Xã A làm tốt", "proposals": "Đề nghị cấp thêm tài liệu số"},
        form=form,
        person=tree.person,
        now=at("2025-11-13 09:00"),
        seen=0,
        render=render,
    )
    bloc = await sign_unit(session, tree, "UBND", 0, at("2025-11-13 15:00"))
    assert any(
        f.values.get("proposals") == "Đề nghị cấp thêm tài liệu số" for f in bloc.report.filings
    )
    letter = _docx_text(bloc.files["docx"][1])
    book = load_workbook(io.BytesIO(bloc.files["xlsx"][1]))
    cells = " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert "Đề nghị cấp thêm tài liệu số" in letter + cells


async def test_a_cell_answer_kind_signed_is_read_as_a_signature(session: AsyncSession) -> None:
    """SignedValues is told from a cell's answers by ``values["kind"] == "signed"``, in the same
    namespace as the form's keys, and no form refuses a field keyed ``kind``. A cell of a form
    with a text question ``kind`` («Hình thức») answered «signed» has its whole filing read as
    an empty signature: its 10 news items vanish from the commune's sums."""
    from storage.reports import file_report

    tree = await build(session)
    unit = tree.units["A1"]
    now = at("2025-11-12 09:00")
    found = await target(session=session, assignment=Assignment(unit, tree.campaign), now=now)
    assert found is not None
    await file_report(
        session=session,
        period=found.period,
        unit=unit,
        values={"kind": "signed", "news_count": 10},
        person=tree.person,
        now=now,
    )
    signed = await sign_unit(session, tree, "A", 0, at("2025-11-13 09:00"))
    assert signed.report.children_totals["news_count"] == 10
