"""Bugs of the consolidated report a ward hit in its first week (issue 12)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.files import Files
from bot.i18n import build_i18n
from services.consolidated import Consolidated, consolidate
from storage.comments import CommentLimits, Identity, submit_comment
from storage.entries import Target
from storage.models import Unit
from storage.reports import file_report
from tests.chat import at
from tests.integration.test_consolidated import (
    VALUES,
    filed,
    render,
    ward_report,
    week_period,
)
from tests.seed import TEST_KEY, Seed, seed_ward


async def whole_campaign(session: AsyncSession, seed: Seed, as_of: str) -> Consolidated:
    ward = await session.get(Unit, seed.ward.id)
    assert ward is not None
    return await consolidate(
        session=session, unit=ward, campaign=seed.campaign, week=None, as_of=at(as_of)
    )


def docx_text(data: bytes) -> str:
    document = open_docx(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_whole_campaign_counts_no_week_that_has_not_begun(session: AsyncSession) -> None:
    """Bug 2: on day 3 «Cả đợt» said «24 chưa báo cáo (12 tuần)»."""
    seed = await seed_ward(session)
    report = await whole_campaign(session, seed, "2025-10-17 09:00")
    # Begun by 17/10: the short first week (deadline 15/10 17:00) and the open one (22/10).
    assert len(report.periods) == 2 and report.expected == 4
    assert report.open_period is report.periods[-1]
    caption = Files(build_i18n("vi")).report_caption(report)
    assert "của 2 tuần" in caption and "4 chưa báo cáo" in caption, caption
    assert "Tuần từ 16/10 đến 22/10/2025 chưa đến hạn" in caption, caption


async def test_whole_campaign_lists_a_missing_unit_once_with_its_weeks(
    session: AsyncSession,
) -> None:
    """Bug 2: every missing cell was repeated once per week."""
    seed, _person = await filed(session)
    report = await whole_campaign(session, seed, "2025-11-12 16:00")
    assert len(report.periods) == 5 and report.open_period is report.periods[-1]
    assert (report.expected, report.on_time, report.missing) == (10, 3, 7)
    missing = report.missing_units()
    assert [(m.filing.name, len(m.periods)) for m in missing] == [
        ("Chi bộ Tổ dân phố số 1", 3),
        ("Chi bộ Tổ dân phố số 2", 4),
    ]

    text = docx_text(render(report, "docx"))
    (line,) = [p for p in text.splitlines() if p.startswith("Chưa báo cáo:")]
    assert line.count("Chi bộ Tổ dân phố số 2") == 1
    assert "tuần từ 06/11 đến 12/11/2025" in line.split("Chi bộ Tổ dân phố số 2")[1]

    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    summary, answers, _comments = book.worksheets
    header = [c.value for c in summary[1]]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=2)]
    weeks = header.index("Các tuần chưa báo cáo")
    assert [r[0] for r in rows] == [
        "Chi bộ Tổ dân phố số 1",
        "Chi bộ Tổ dân phố số 2",
        "Tổng cộng",
    ]
    assert str(rows[1][weeks]).count("tuần từ") == 4
    filed_names = [c.value for c in list(answers.columns)[1]][1:]
    assert "chưa báo cáo" not in str([[c.value for c in r] for r in answers.iter_rows()])
    assert len(filed_names) == 3, "only what was filed; the missing weeks are in the summary"

    table = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == [r[0] for r in rows]


async def test_one_week_label_in_letter_workbook_and_csv(session: AsyncSession) -> None:
    """Bug 3: «02/12–09/12» in chat, «từ 03/12 đến 09/12/2026» in the letter, "09/12/2026"
    in the workbook: one name for a week everywhere, with real dates in the workbook."""
    seed, _person = await filed(session)
    report = await ward_report(session, seed, "2025-11-12 18:00")
    assert "tuần từ 06/11 đến 12/11/2025" in docx_text(render(report, "docx"))

    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    answers = book.worksheets[1]
    header = [c.value for c in answers[1]]
    first = [c.value for c in answers[2]]
    assert first[header.index("Tuần")] == "từ 06/11 đến 12/11/2025"
    assert first[header.index("Từ ngày")] == datetime(2025, 11, 6)
    assert first[header.index("Đến ngày")] == datetime(2025, 11, 12)

    table = render(report, "csv").decode("utf-8-sig")
    assert "từ 06/11 đến 12/11/2025" in table, "the missing cell's week, named the same way"


async def _letter_with_everything(session: AsyncSession) -> bytes:
    """A week with a missing cell nobody joined for, a comment, and an answer in paragraphs."""
    seed, person = await filed(session)
    this = await week_period(session, seed, "2025-11-12 17:00")
    await file_report(
        session=session,
        period=this,
        unit=seed.cells[0],
        values={**VALUES, "highlights": "Đoạn thứ nhất.\n\n  \nĐoạn thứ hai.\nDòng thứ ba."},
        person=person,
        now=at("2025-11-11 11:00"),
    )
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
    return render(report, "docx")


async def test_letter_never_names_the_software(session: AsyncSession) -> None:
    """Bug 4: «qua gopy», «(chưa có bí thư trên gopy)» in an official letter."""
    data = await _letter_with_everything(session)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert "gopy" not in archive.read(name).decode("utf-8", "replace").lower(), name
    text = docx_text(data)
    assert "Chi bộ Tổ dân phố số 2 (chưa có bí thư tham gia)" in text
    assert "Số thư, ý kiến góp ý gửi về Ngọc Hà: 1." in text


async def test_letter_signature_stays_with_the_last_paragraph(session: AsyncSession) -> None:
    """Bug 4: the signature block could sit alone on the last page."""
    document = open_docx(io.BytesIO(await _letter_with_everything(session)))
    body = document.element.body
    closing = body.findall(qn("w:tbl"))[-1]
    before = closing.getprevious()
    assert before is not None and before.tag == qn("w:p")
    last = DocxParagraph(before, document._body)
    assert last.text.strip(), "the last paragraph of the body, not an empty one"
    assert last.paragraph_format.keep_with_next is True
    signature = document.tables[-1]
    texts = [p.text for c in signature.rows[0].cells for p in c.paragraphs]
    assert "Nơi nhận:" in texts and any(t.startswith("T/M") for t in texts)


async def test_letter_answer_with_blank_lines_becomes_paragraphs(session: AsyncSession) -> None:
    """Bug 4: an answer with blank lines was one justified line stretched by line breaks."""
    document = open_docx(io.BytesIO(await _letter_with_everything(session)))
    paragraphs = [p.text for p in document.paragraphs]
    start = next(i for i, t in enumerate(paragraphs) if t.endswith("Đoạn thứ nhất."))
    assert paragraphs[start].startswith("- Chi bộ Tổ dân phố số 1")
    assert paragraphs[start + 1 : start + 3] == ["Đoạn thứ hai.", "Dòng thứ ba."]
    assert not any("\n" in t for t in paragraphs)
