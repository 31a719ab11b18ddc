"""The reporting chain as a conversation: cells file, the ward's official signs the ward's
own report, the city reads what the ward signed (and signs its own).

Once per channel (Telegram with buttons, Zalo by typing menu numbers) and per database.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import pytest
from docx import Document as open_docx
from sqlalchemy import update
from sqlmodel import col, select

from scheduler.mail_delivery import SmtpSettings, drain_mail
from storage.models import Campaign, Deadline, Report, SignedFile, Unit, UnitLevel
from tests.chat import Chat, at, texts
from tests.conftest import BotApp
from tests.fakes.smtp import HOST, SmtpServer, smtp_server
from tests.flow.test_report_flow import fill_form, join, start_report
from tests.seed import invite
from tests.zalo_chat import ZaloApp, ZaloChat

App = BotApp | ZaloApp
OFFICE = "phongtt.btgdvtu@example.org"
SENDER = "bao-cao@ngocha.example.vn"
WARD_ASSESSMENT = "Các chi bộ triển khai nghiêm túc; cần thêm tài liệu cho tổ dân phố."
CITY_ASSESSMENT = "Các phường thực hiện đúng tiến độ."


async def make_chain(app: App) -> Unit:
    """The seed's campaign run by the city: cells by Wednesday 17:00, wards by Thursday
    11:30, the city by Friday 17:00. Returns the city."""
    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
        assert city is not None and city.id is not None
        campaign_id = app.seed.campaign.id
        await session.execute(
            update(Campaign).where(col(Campaign.id) == campaign_id).values(unit_id=city.id)
        )
        assert campaign_id is not None
        session.add(
            Deadline(campaign_id=campaign_id, level=UnitLevel.WARD, weekday=3, time="11:30")
        )
        session.add(
            Deadline(campaign_id=campaign_id, level=UnitLevel.CITY, weekday=4, time="17:00")
        )
        await session.commit()
        return city


async def join_official(app: App, chat: Chat | ZaloChat, unit: Unit) -> None:
    from storage.models import RoleKind

    async with app.runtime.db.sessions() as session:
        code = await invite(session, unit, role=RoleKind.OFFICIAL, now=app.clock.now())
    await chat.say(f"/start i-{code}")


async def sign_own_report(chat: Chat | ZaloChat, assessment: str) -> str:
    """Answer the unit's own questions (the cell form), then the assessment; the summary."""
    await fill_form(chat)
    await chat.say(assessment)
    return texts(await chat.press("Bỏ qua"))  # no proposals


def received_files(app: App, chat: Chat | ZaloChat) -> list[tuple[str, bytes]]:
    """Files the person received: Telegram uploads, or Zalo links to the shelf."""
    if isinstance(app, ZaloApp):
        assert isinstance(chat, ZaloChat)
        found = []
        for call in app.api.to(chat.user):
            for token in re.findall(r"/f/([0-9]+\.[0-9]+\.[0-9a-f]+)/", call.text):
                kept = app.shelf.get(token)
                assert kept is not None
                found.append((kept.name, kept.data))
        return found
    assert isinstance(chat, Chat)
    return [
        (c.upload.filename, c.upload.data)
        for c in app.api.calls
        if c.method == "sendDocument" and c.chat_id == chat.user_id
    ]


def table_rows(data: bytes) -> list[list[str]]:
    document = open_docx(io.BytesIO(data))
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def docx_text(data: bytes) -> str:
    document = open_docx(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as running:
        yield running


async def deliver_mail(app: App, smtp: SmtpServer) -> int:
    settings = SmtpSettings(host=HOST, port=smtp.port, sender=SENDER, timeout=5.0)
    return await drain_mail(
        db=app.runtime.db,
        smtp=settings,
        clock=app.clock,
    )


async def test_cells_file_the_ward_signs_the_city_reads_and_signs(
    any_app: App, smtp: SmtpServer
) -> None:
    app = any_app
    city = await make_chain(app)
    async with app.runtime.db.sessions() as session:
        await session.execute(
            update(Unit).where(col(Unit.id) == app.seed.ward.id).values(report_email=OFFICE)
        )
        await session.commit()
    secretary = app.chat(9101, "Trần Thị Bình")
    await join(app, secretary)
    await start_report(secretary)
    await fill_form(secretary)
    assert "đã nhận" in texts(await secretary.press("Gửi báo cáo")).lower()

    # Thursday morning: the ward's official drafts the ward's own report.
    app.clock.set(at("2025-11-13 09:00"))
    ward = app.chat(9102, "Phạm Thu Hà")
    await join_official(app, ward, app.seed.ward)
    asked = texts(await ward.say("/report"))
    assert "chưa ký báo cáo tuần trước" in asked, "earlier weeks were never signed"
    opened = texts(await ward.press("Tuần này"))
    assert "Báo cáo của Đảng ủy phường Ngọc Hà" in opened
    assert "1/2 đã báo cáo" in opened
    assert "Chi bộ Tổ dân phố số 2" in opened, "the missing cell is named"
    assert "Câu 1/11" in opened, "the form's nine questions, then the assessment"
    summary = await sign_own_report(ward, WARD_ASSESSMENT)
    assert "Phần việc của đơn vị" in summary
    # 12 news items from the cell and 12 of the ward's own.
    assert "Số tin, bài đã đăng: 24" in summary
    receipt = texts(await ward.press("Ký và gửi"))
    assert "đã được ký và gửi" in receipt and "đúng hạn" in receipt
    ((name, signed_docx),) = received_files(app, ward)
    assert name.endswith(".docx")
    letter = docx_text(signed_docx)
    assert WARD_ASSESSMENT in letter and "ĐÁNH GIÁ CHUNG" in letter
    assert "thư điện tử đến " + OFFICE in receipt

    # The signed letter reaches the city's office by e-mail, once, as signed.
    assert await deliver_mail(app, smtp) == 1
    assert await deliver_mail(app, smtp) == 0
    (mail,) = smtp.mailbox.messages()
    assert mail["To"] == OFFICE and "Đảng ủy phường Ngọc Hà" in str(mail["Subject"])
    (attached,) = [p for p in mail.iter_attachments()]
    assert attached.get_payload(decode=True) == signed_docx
    assert "Đảng ủy phường Ngọc Hà (phần việc của đơn vị)" in letter

    # Friday: the city's official exports, then signs the city's own report.
    app.clock.set(at("2025-11-14 10:00"))
    minh = app.chat(9103, "Hoàng Minh")
    await join_official(app, minh, city)
    await minh.say("/export")
    await minh.press("Tuần từ 07/11 đến 13/11/2025")
    await minh.press("Word")
    ((_name, city_docx),) = received_files(app, minh)
    city_letter = docx_text(city_docx)
    assert "1/1 đơn vị báo cáo đúng hạn" in city_letter
    # The ward's row is what it signed: its cell's 12 news items and its own 12.
    assert ["Đảng ủy phường Ngọc Hà", "24", "6", "2.400", "90"] in table_rows(city_docx)

    await minh.say("/report")
    opened = texts(await minh.press("Tuần này"))
    assert "1/1 đã báo cáo" in opened
    summary = await sign_own_report(minh, CITY_ASSESSMENT)
    assert "Số tin, bài đã đăng: 36" in summary, "the ward's 24 and the city's own 12"
    assert "đã được ký và gửi" in texts(await minh.press("Ký và gửi"))

    async with app.runtime.db.sessions() as session:
        reports = (await session.execute(select(Report))).scalars().all()
        files = (await session.execute(select(SignedFile))).scalars().all()
    assert len(reports) == 3  # the cell, the ward, the city
    assert sorted(f.format for f in files) == ["csv", "csv", "docx", "docx", "xlsx", "xlsx"]
    ward_docx = next(f for f in files if f.format == "docx" and f.content == signed_docx)
    assert ward_docx.filename == name
