"""The secretary's weekly report, as conversations through the real Dispatcher."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Report, ReportRevision
from tests.chat import Chat, at, texts
from tests.conftest import BotApp
from tests.seed import invite

ANSWERS = [
    "Chi ủy họp triển khai, phân công đảng viên phụ trách từng tổ.",
    None,  # propaganda: buttons
    "12",
    "3",
    "1.200",
    "45",
    "Nhiều ý kiến về phòng, chống tham nhũng, lãng phí.",
    "Mong dự thảo nói rõ hơn về chuyển đổi số.",
]


async def join(app: BotApp, chat: Chat, unit_index: int = 0) -> None:
    async with app.runtime.sessions() as session:
        code = await invite(session, app.seed.cells[unit_index])
    await chat.say(f"/start i-{code}")


async def fill_form(chat: Chat) -> None:
    for answer in ANSWERS:
        if answer is None:
            await chat.press("Hội nghị")
            await chat.press("Zalo")
            await chat.press("Xong")
        else:
            await chat.say(answer)
    await chat.press("Bỏ qua")


async def test_secretary_files_report_on_time(app: BotApp) -> None:
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
    async with app.runtime.sessions() as session:
        report = (await session.execute(select(Report))).scalar_one()
        revision = (await session.execute(select(ReportRevision))).scalar_one()
    assert report.on_time and report.receipt in receipt
    assert revision.values["participants_count"] == 1200
    assert revision.values["propaganda"] == ["meetings", "social"]
    assert revision.values["difficulties"] is None
