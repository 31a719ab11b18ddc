"""The secretary's weekly report, as conversations through the real Dispatcher."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from scheduler.clock import FrozenClock
from storage.models import Report, ReportRevision
from tests.chat import Chat, Talk, at, texts
from tests.conftest import BotApp
from tests.fakes.telegram import Call
from tests.seed import invite
from tests.zalo_chat import ZaloApp

FIRST_ANSWER = "Chi ủy họp triển khai, phân công đảng viên phụ trách từng tổ."
ANSWERS: list[str | None] = [
    FIRST_ANSWER,
    None,  # propaganda: buttons
    "12",
    "3",
    "1.200",
    "45",
    "Nhiều ý kiến về phòng, chống tham nhũng, lãng phí.",
    "Mong dự thảo nói rõ hơn về chuyển đổi số.",
]


async def join(app: BotApp | ZaloApp, chat: Talk, unit_index: int = 0) -> None:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.cells[unit_index])
    await chat.say(f"/start i-{code}")


async def start_report(chat: Talk) -> str:
    """Open /report and pick this week if the bot asks (last week is unfiled in the seed)."""
    said = texts(await chat.say("/report"))
    if "Tuần này" in str([b["text"] for c in chat.sent()[-1:] for b in c.buttons]):
        said += texts(await chat.press("Tuần này"))
    return said


async def fill_form(chat: Talk) -> None:
    for answer in ANSWERS:
        if answer is None:
            await chat.press("Hội nghị")
            await chat.press("Zalo")
            await chat.press("Xong")
        else:
            await chat.say(answer)
    await chat.press("Bỏ qua")


async def test_secretary_files_report_on_time(any_app: BotApp | ZaloApp) -> None:
    """On Telegram with buttons, on Zalo by typing the numbers of the menus."""
    app = any_app
    chat = app.chat(501)
    await join(app, chat)
    assert "bí thư" in chat.last_text().lower()

    asked = await chat.say("/report")
    assert "chưa gửi báo cáo tuần trước" in texts(asked)
    await chat.press("Tuần này")
    await fill_form(chat)
    assert "Mời kiểm tra lại" in chat.last_text()
    replies = await chat.press("Gửi báo cáo")

    receipt = texts(replies)
    assert "BC-" in receipt and "đúng hạn" in receipt
    assert "17:00 thứ Tư, 12/11" in receipt
    async with app.runtime.db.sessions() as session:
        report = (await session.execute(select(Report))).scalar_one()
        revision = (await session.execute(select(ReportRevision))).scalar_one()
    assert report.on_time and report.receipt in receipt
    assert revision.values["participants_count"] == 1200
    assert revision.values["propaganda"] == ["meetings", "social"]
    assert revision.values["difficulties"] is None


async def test_amend_before_deadline_keeps_history(app: BotApp) -> None:
    chat = app.chat(502)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    app.clock.advance(timedelta(hours=5))
    opened = await start_report(chat)  # last week is still unfiled: the bot asks which week
    assert "có thể sửa đến 17:00 thứ Tư, 12/11" in opened
    await chat.press("3. Số tin")
    await chat.say("15")
    replies = await chat.press("Gửi báo cáo")

    assert "lần gửi thứ 2" in texts(replies) and "đúng hạn" in texts(replies)
    async with app.runtime.db.sessions() as session:
        revisions = (
            (await session.execute(select(ReportRevision).order_by(col(ReportRevision.number))))
            .scalars()
            .all()
        )
        report = (await session.execute(select(Report))).scalar_one()
    assert [r.values["news_count"] for r in revisions] == [12, 15]
    assert not any(r.late for r in revisions)
    assert report.on_time and report.revisions == 2


async def test_change_after_deadline_is_a_flagged_late_revision(app: BotApp) -> None:
    chat = app.chat(503)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    app.clock.set(at("2025-11-13 08:00"))  # the morning after the deadline
    listing = await chat.say("/myreports")
    assert "đúng hạn" in texts(listing)
    opened = await chat.press("Sửa báo cáo tuần từ 06/11 đến 12/11/2025")
    assert "bản sửa trễ hạn" in texts(opened)
    await chat.press("4. Số hội nghị")
    await chat.say("4")
    replies = await chat.press("Gửi báo cáo")

    assert "bản sửa trễ hạn" in texts(replies)
    async with app.runtime.db.sessions() as session:
        report = (await session.execute(select(Report))).scalar_one()
        revisions = (
            (await session.execute(select(ReportRevision).order_by(col(ReportRevision.number))))
            .scalars()
            .all()
        )
    assert report.on_time, "the first, on-time submission decides the status"
    assert [r.late for r in revisions] == [False, True]
    assert revisions[0].values["meetings_count"] == 3, "history is never overwritten"
    assert revisions[1].values["meetings_count"] == 4


async def file_last_week_late(chat: Chat, clock: FrozenClock) -> list[Call]:
    """The morning after the deadline, file the week that just ended; the bot's replies."""
    clock.set(at("2025-11-13 08:00"))
    await chat.say("/report")
    await chat.press("Tuần trước, nộp bù")
    await fill_form(chat)
    return await chat.press("Gửi báo cáo")


async def test_first_filing_after_deadline_is_late(app: BotApp) -> None:
    chat = app.chat(504)
    await join(app, chat)
    replies = await file_last_week_late(chat, app.clock)
    assert "trễ hạn" in texts(replies)
    assert "17:00 thứ Tư, 12/11" in texts(replies)
    async with app.runtime.db.sessions() as session:
        report = (await session.execute(select(Report))).scalar_one()
    assert not report.on_time


async def test_back_and_cancel(app: BotApp) -> None:
    chat = app.chat(505)
    await join(app, chat)
    await start_report(chat)
    await chat.say("Lãnh đạo tốt")
    back = await chat.say("/back")
    assert "Câu 1/9" in texts(back)
    first = await chat.say("/back")
    assert "Đây là câu đầu tiên" in texts(first)
    cancelled = await chat.say("/cancel")
    assert "Chưa có gì được gửi" in texts(cancelled)
    async with app.runtime.db.sessions() as session:
        assert (await session.execute(select(Report))).first() is None
    assert "Không có việc gì" in texts(await chat.say("/cancel"))


async def test_half_filled_form_survives_restart(make_app) -> None:
    first = await make_app()
    chat = first.chat(506)
    await join(first, chat)
    await start_report(chat)
    await chat.say("Lãnh đạo tốt")

    restarted = await make_app()  # a new Dispatcher and Bot on the same database
    chat = restarted.chat(506)
    resumed = await chat.say("Tuyên truyền")
    assert "Mời trả lời câu này bằng các nút" in texts(resumed)
    assert "Câu 2/9" in texts(resumed)


async def test_half_filled_form_survives_restart_with_redis(make_app, redis_url: str) -> None:
    first = await make_app(redis=redis_url)
    chat = first.chat(507)
    await join(first, chat)
    await start_report(chat)
    await chat.say("Lãnh đạo tốt")

    restarted = await make_app(redis=redis_url)
    chat = restarted.chat(507)
    resumed = await chat.say("Tuyên truyền")
    assert "Câu 2/9" in texts(resumed)


async def test_amending_a_late_report_does_not_claim_it_was_on_time(app: BotApp) -> None:
    chat = app.chat(510)
    await join(app, chat)
    await file_last_week_late(chat, app.clock)
    await chat.say("/myreports")
    await chat.press("Sửa báo cáo tuần từ 06/11 đến 12/11/2025")
    await chat.press("4. Số hội nghị")
    await chat.say("9")
    receipt = texts(await chat.press("Gửi báo cáo"))
    assert "trễ hạn" in receipt and "trước hạn" not in receipt


async def test_last_week_can_be_filed_late_after_the_campaign_ends(app: BotApp) -> None:
    chat = app.chat(511)
    await join(app, chat)
    app.clock.set(at("2026-01-02 09:00"))  # the campaign ended 31/12 at 17:00
    opened = texts(await chat.say("/report"))
    assert "31/12" in opened and "Câu 1/9" in opened
    await fill_form(chat)
    receipt = texts(await chat.press("Gửi báo cáo"))
    assert "trễ hạn" in receipt and "17:00 thứ Tư, 31/12" in receipt

    app.clock.set(at("2026-01-08 09:00"))  # a week later the campaign is closed for good
    assert "chưa có đợt lấy ý kiến" in texts(await chat.say("/report"))
