"""A golden check: the demo ward's weekly table, filed the same way every time, is exactly the
committed ``tests/golden/demo_week.csv``; and Vietnamese typed in either form comes out NFC."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

from docx import Document as open_docx
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo import load_demo
from bot.i18n import build_i18n
from bot.report_files import render_report
from services.consolidated import begun_weeks, consolidate, week_of
from storage.letterheads import letterhead_of
from storage.models import Unit
from storage.people import get_or_create_person
from storage.reports import file_report
from tests.integration.test_consolidated import VALUES
from tests.seed import TEST_KEY

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "demo_week.csv"
NOW = datetime(2025, 11, 13, 2, 0, tzinfo=UTC)  # Thursday 09:00: last Wednesday's week closed
NFD_ANSWER = unicodedata.normalize("NFD", "Bà con đề nghị giữ ổn định đội ngũ cán bộ cơ sở.")


async def demo_week(session: AsyncSession) -> tuple[bytes, bytes]:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=timedelta(days=7))
    person = await get_or_create_person(
        session=session, channel="telegram", external_id="1", full_name="An", now=NOW
    )
    ward = await session.get(Unit, demo.ward.id)
    assert ward is not None
    periods = await begun_weeks(session=session, unit=ward, campaign=demo.campaign, now=NOW)
    week = periods[-2]  # the last closed week (the open one is last)
    for n, cell in enumerate(demo.cells[:11], start=1):
        late = n == 11
        values = {
            **VALUES,
            "news_count": n,
            "meetings_count": n % 3 + 1,
            "participants_count": 40 * n,
            "letters_count": 2 * n,
            "highlights": NFD_ANSWER if n == 1 else VALUES["highlights"],
        }
        when = week.deadline_at + (timedelta(hours=2) if late else -timedelta(hours=n))
        await file_report(
            session=session, period=week, unit=cell, values=values, person=person, now=when
        )
    report = await consolidate(
        session=session,
        unit=ward,
        campaign=demo.campaign,
        week=week_of(week, demo.campaign.timezone),
        as_of=NOW,
    )
    letterhead = await letterhead_of(session=session, unit=ward)
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        table = render_report(report, "csv", letterhead=letterhead, today=NOW.date())
        letter = render_report(report, "docx", letterhead=letterhead, today=NOW.date())
    return table, letter


async def test_the_demo_weeks_table_is_the_golden_one(session: AsyncSession) -> None:
    table, _letter = await demo_week(session)
    assert table.decode("utf-8-sig") == GOLDEN.read_text("utf-8").replace("\n", "\r\n")


async def test_decomposed_vietnamese_comes_out_composed(session: AsyncSession) -> None:
    _table, letter = await demo_week(session)
    text = "\n".join(p.text for p in open_docx(io.BytesIO(letter)).paragraphs)
    assert unicodedata.normalize("NFC", NFD_ANSWER) in text
    assert NFD_ANSWER not in text
    assert "10/12 chi bộ báo cáo đúng hạn (83%), 1 trễ hạn, 1 chưa báo cáo." in text
