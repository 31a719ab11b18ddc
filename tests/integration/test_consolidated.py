"""The consolidated weekly report: numbers, completeness, as-of, and the three files."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import build_i18n
from bot.report_files import ReportFormat, render_report
from services.consolidated import Consolidated, NothingToReport, consolidate, iso_week
from storage.comments import CommentLimits, Identity, submit_comment
from storage.entries import Target
from storage.letterheads import default_letterhead, letterhead_of
from storage.models import Period, Person, Unit, UnitLevel
from storage.people import get_or_create_person
from storage.reports import ensure_period, file_report
from tests.chat import at
from tests.seed import TEST_KEY, Seed, seed_ward

WEEK = date(2025, 11, 10)  # the week of the deadline Wednesday 12/11 17:00
VALUES: dict[str, Any] = {
    "leadership": "Chi ủy họp triển khai, phân công đảng viên phụ trách từng tổ.",
    "propaganda": ["meetings", "social"],
    "news_count": 12,
    "meetings_count": 3,
    "participants_count": 1200,
    "letters_count": 45,
    "highlights": "Nhiều ý kiến về phòng, chống tham nhũng, lãng phí.",
    "expectations": "Mong dự thảo nói rõ hơn về chuyển đổi số.",
    "difficulties": None,
}


async def week_period(session: AsyncSession, seed: Seed, deadline: str) -> Period:
    end = at(deadline)
    return await ensure_period(
        session=session,
        campaign=seed.campaign,
        level=UnitLevel.CELL,
        starts_at=end - timedelta(days=7),
        deadline_at=end,
    )


async def people(session: AsyncSession) -> Person:
    return await get_or_create_person(
        session=session, channel="telegram", external_id="1", full_name="An", now=at("2025-11-01")
    )


async def filed(session: AsyncSession) -> tuple[Seed, Person]:
    """Cell 1 filed last week and this week on time; cell 2 only last week."""
    seed = await seed_ward(session)
    person = await people(session)
    last = await week_period(session, seed, "2025-11-05 17:00")
    this = await week_period(session, seed, "2025-11-12 17:00")
    for cell, count in ((seed.cells[0], 10), (seed.cells[1], 5)):
        await file_report(
            session=session,
            period=last,
            unit=cell,
            values={**VALUES, "news_count": count},
            person=person,
            now=at("2025-11-04 10:00"),
        )
    await file_report(
        session=session,
        period=this,
        unit=seed.cells[0],
        values=VALUES,
        person=person,
        now=at("2025-11-11 10:00"),
    )
    return seed, person


async def ward_report(session: AsyncSession, seed: Seed, as_of: str) -> Consolidated:
    ward = await session.get(Unit, seed.ward.id)
    assert ward is not None
    return await consolidate(
        session=session, unit=ward, campaign=seed.campaign, week=WEEK, as_of=at(as_of)
    )


async def test_weekly_figures_completeness_and_last_week(session: AsyncSession) -> None:
    seed, _person = await filed(session)
    report = await ward_report(session, seed, "2025-11-12 18:00")
    assert (report.expected, report.on_time, report.late, report.missing) == (2, 1, 0, 1)
    assert report.totals["participants_count"] == 1200 and report.totals["news_count"] == 12
    assert report.previous is not None and report.previous["news_count"] == 15
    (missing,) = report.missing_filings()
    assert missing.name == "Chi bộ Tổ dân phố số 2"
    assert [r.name for r in report.rows] == ["Chi bộ Tổ dân phố số 1", "Chi bộ Tổ dân phố số 2"]


async def test_a_report_as_of_a_moment_is_reproducible(session: AsyncSession) -> None:
    seed, person = await filed(session)
    before = await ward_report(session, seed, "2025-11-12 18:00")
    this = await week_period(session, seed, "2025-11-12 17:00")
    await file_report(
        session=session,
        period=this,
        unit=seed.cells[0],
        values={**VALUES, "news_count": 99},
        person=person,
        now=at("2025-11-13 09:00"),
    )
    again = await ward_report(session, seed, "2025-11-12 18:00")
    later = await ward_report(session, seed, "2025-11-13 10:00")
    assert before.totals == again.totals and again.totals["news_count"] == 12
    assert later.totals["news_count"] == 99
    assert later.filings[0].revised_late and not again.filings[0].revised_late


async def test_an_empty_week_is_zero_of_n_not_an_error(session: AsyncSession) -> None:
    seed = await seed_ward(session)
    report = await ward_report(session, seed, "2025-11-12 18:00")
    assert (report.expected, report.on_time, report.missing) == (2, 0, 2)
    assert all(value == 0 for value in report.totals.values())
    formats: tuple[ReportFormat, ...] = ("docx", "xlsx", "csv")
    for fmt in formats:
        assert render(report, fmt)


async def test_weeks_outside_the_campaign_and_a_cell_are_refused(session: AsyncSession) -> None:
    seed = await seed_ward(session)
    ward = await session.get(Unit, seed.ward.id)
    assert ward is not None
    with pytest.raises(NothingToReport):
        await consolidate(
            session=session,
            unit=ward,
            campaign=seed.campaign,
            week=date(2024, 1, 1),
            as_of=at("2025-11-12 18:00"),
        )
    with pytest.raises(NothingToReport):
        await consolidate(
            session=session,
            unit=seed.cells[0],
            campaign=seed.campaign,
            week=WEEK,
            as_of=at("2025-11-12 18:00"),
        )
    assert iso_week("2025-W46") == date(2025, 11, 10)
    with pytest.raises(ValueError, match="2025-W46"):
        iso_week("46")


async def test_the_whole_campaign_for_the_final_report(session: AsyncSession) -> None:
    seed, _person = await filed(session)
    ward = await session.get(Unit, seed.ward.id)
    assert ward is not None
    report = await consolidate(
        session=session, unit=ward, campaign=seed.campaign, week=None, as_of=at("2026-01-10")
    )
    assert report.final and len(report.periods) == 12  # 15/10 to 31/12, weekly on Wednesdays
    assert report.on_time == 3 and report.expected == 24
    assert report.totals["news_count"] == 27


def render(report: Consolidated, fmt: ReportFormat) -> bytes:
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        return render_report(
            report, fmt, letterhead=default_letterhead(report.unit, None), today=date(2025, 11, 12)
        )


async def test_the_docx_letter(session: AsyncSession) -> None:
    seed, person = await filed(session)
    await submit_comment(
        session=session,
        target=Target(seed.campaign, seed.documents[0], seed.sections[0]),
        person=person,
        key=TEST_KEY,
        text="Đề nghị làm rõ hơn giải pháp chuyển đổi số.",
        attachments=[],
        identity=Identity(),
        channel="telegram",
        now=at("2025-11-10 09:00"),
        limits=CommentLimits(),
    )
    report = await ward_report(session, seed, "2025-11-12 18:00")
    letterhead = await letterhead_of(session=session, unit=seed.ward)
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        data = render_report(report, "docx", letterhead=letterhead, today=date(2025, 11, 12))
    document = open_docx(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "ĐẢNG ỦY PHƯỜNG NGỌC HÀ" in " ".join(cells) and "ĐẢNG CỘNG SẢN VIỆT NAM" in cells
    assert "Ngọc Hà, ngày 12 tháng 11 năm 2025" in cells
    assert "BÁO CÁO" in text and "tuần từ 06/11 đến 12/11/2025" in text
    assert "1/2 chi bộ báo cáo đúng hạn (50%), 0 trễ hạn, 1 chưa báo cáo." in text
    assert "Chi bộ Tổ dân phố số 2" in text, "the missing cell is named"
    assert "Số tin, bài đã đăng: 12 (tuần trước 15, -3)." in text
    assert "Chi ủy họp triển khai" in text and "Hội nghị, họp, Mạng xã hội, nhóm Zalo" in text
    assert "1.200" in cells and "Tổng cộng" in cells
    assert "1 ý kiến" in text and "chuyển đổi số." in text
    assert "Đảng bộ Thành phố Hà Nội" in " ".join(cells)


async def test_the_workbook_and_the_csv(session: AsyncSession) -> None:
    seed, _person = await filed(session)
    report = await ward_report(session, seed, "2025-11-12 18:00")
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    summary, answers, comments = book.worksheets
    header = [c.value for c in summary[1]]
    assert header[:5] == ["Chi bộ", "Phải báo cáo", "Đúng hạn", "Trễ hạn", "Chưa báo cáo"]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=2)]
    assert rows[0][:6] == ["Chi bộ Tổ dân phố số 1", 1, 1, 0, 0, 12]
    assert rows[1][:6] == ["Chi bộ Tổ dân phố số 2", 1, 0, 0, 1, None]
    assert rows[-1][:6] == ["Tổng cộng", 2, 1, 0, 1, 12]
    assert summary.freeze_panes == "A2"
    texts = [str(c.value) for row in answers.iter_rows() for c in row if c.value]
    assert "Chi ủy họp triển khai, phân công đảng viên phụ trách từng tổ." in texts
    assert comments.title == "Ý kiến"

    table = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    assert table[0][0] == "Chi bộ" and table[-1][0] == "Tổng cộng"
