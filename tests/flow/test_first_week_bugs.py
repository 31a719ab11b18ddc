"""Bugs a ward hit in its first week (issue 12), each as the conversation that showed it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select

from handlers.callbacks import FileMissed
from storage.models import Period, Report
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_report_flow import fill_form, join, start_report
from tests.zalo_chat import ZaloApp


async def _filed_weeks(app: BotApp | ZaloApp) -> list[tuple[str, bool]]:
    async with app.runtime.sessions() as session:
        rows = await session.execute(
            select(Period.deadline_at, Report.on_time)
            .join(Report, col(Report.period_id) == col(Period.id))
            .order_by(col(Period.deadline_at))
        )
        zone = app.seed.campaign.timezone
        return [(f"{d.astimezone(ZoneInfo(zone)):%d/%m}", on_time) for d, on_time in rows.all()]


async def test_missed_week_can_be_filed_late_from_report_after_this_week_is_filed(
    any_app: BotApp | ZaloApp,
) -> None:
    """Bug 1: once this week was filed, /report went straight to amending it."""
    app = any_app
    chat = app.chat(801)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    asked = texts(await chat.say("/report"))
    assert "chưa gửi báo cáo tuần trước" in asked
    opened = texts(await chat.press("Tuần trước"))
    assert "trễ hạn" in opened and "Câu 1/9" in opened
    await fill_form(chat)
    receipt = texts(await chat.press("Gửi báo cáo"))
    assert "trễ hạn" in receipt
    assert await _filed_weeks(app) == [("05/11", False), ("12/11", True)]


async def test_this_week_can_still_be_changed_when_last_week_is_missing(app: BotApp) -> None:
    chat = app.chat(802)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    await chat.say("/report")
    opened = texts(await chat.press("Tuần này"))
    assert "có thể sửa đến 17:00 thứ Tư, 12/11" in opened


async def test_missed_week_can_be_filed_late_from_myreports(app: BotApp) -> None:
    """Bug 1: /myreports showed «chưa báo cáo» with no button to file it."""
    chat = app.chat(803)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    await chat.say("/myreports")
    opened = texts(await chat.press("Gửi bù"))
    assert "trễ hạn" in opened and "Câu 1/9" in opened
    await fill_form(chat)
    assert "trễ hạn" in texts(await chat.press("Gửi báo cáo"))
    assert await _filed_weeks(app) == [("05/11", False), ("12/11", True)]


async def test_forged_late_filing_button_is_refused(app: BotApp) -> None:
    chat = app.chat(804)
    await join(app, chat)
    other = app.seed.cells[1]
    assert other.id is not None
    async with app.runtime.sessions() as session:
        period = (await session.execute(select(Period))).scalars().first()
    period_id = period.id if period is not None and period.id is not None else 1
    said = texts(await chat.press_data(FileMissed(unit_id=other.id, period_id=period_id).pack()))
    assert "không còn" in said
    assert await _filed_weeks(app) == []


async def test_one_week_label_in_chat(app: BotApp) -> None:
    """Bug 3: the chat said «05/11–12/11» where the letter says «từ 06/11 đến 12/11/2025»."""
    chat = app.chat(805)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")
    listing = texts(await chat.say("/myreports"))
    assert "Tuần từ 06/11 đến 12/11/2025: đúng hạn" in listing
    assert "–" not in listing
