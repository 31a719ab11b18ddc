"""The edges of signing: a signature kept as signed, a cell filing after its ward signed,
two officials signing at once, a ward signing before any cell filed, the wrong official."""

from __future__ import annotations

import asyncio

from sqlalchemy import update
from sqlmodel import col, select

from handlers.callbacks import PickTarget
from storage.models import (
    Campaign,
    Deadline,
    Purpose,
    Report,
    ReportRevision,
    RoleKind,
    Unit,
    UnitLevel,
)
from tests.chat import Chat, at, texts
from tests.conftest import BotApp
from tests.flow.test_chain import (
    WARD_ASSESSMENT,
    docx_text,
    join_official,
    make_chain,
    received_files,
    sign_own_report,
)
from tests.flow.test_report_flow import fill_form, join, start_report
from tests.outreach import file_for, harness, join_as


async def open_ward_report(chat: Chat) -> str:
    await chat.say("/report")
    return texts(await chat.press("Tuần này"))


async def test_the_signed_letter_is_what_is_downloaded_later(app: BotApp) -> None:
    await make_chain(app)
    await join_as(app, 9201, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await file_for(app, 9201, app.seed.cells[0])
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9202, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    await open_ward_report(ha)
    await sign_own_report(ha, WARD_ASSESSMENT)
    await ha.press("Ký và gửi")
    ((_name, signed),) = received_files(app, ha)

    # Later the other cell files and the ward is renamed: the signed letter stays as it was.
    await join_as(app, 9203, app.seed.cells[1], RoleKind.SECRETARY, "Lê Văn Cường")
    app.clock.set(at("2025-11-13 10:00"))
    async with app.runtime.db.sessions() as session:
        await session.execute(
            update(Unit).where(col(Unit.id) == app.seed.ward.id).values(name="Phường Mới")
        )
        await session.commit()
    await ha.say("/export")
    await ha.press("Tuần từ 06/11 đến 12/11/2025")
    said = texts(await ha.press("Word"))
    assert "Bản báo cáo đã ký lúc 09:00 thứ Năm, 13/11 (lần 1)" in said
    assert received_files(app, ha)[-1][1] == signed


async def test_a_cell_filing_after_the_ward_signed_tells_the_ward(app: BotApp) -> None:
    await make_chain(app)
    app.clock.set(at("2025-11-12 09:00"))
    ha = app.chat(9211, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    opened = await open_ward_report(ha)
    assert "Chưa đơn vị nào trong 2 đơn vị trực thuộc báo cáo" in opened
    assert "vẫn có thể ký" in opened
    await sign_own_report(ha, WARD_ASSESSMENT)
    assert "đã được ký và gửi" in texts(await ha.press("Ký và gửi"))

    # The cell files at 10:00, after the ward signed at 09:00; the ward hears of it.
    app.clock.set(at("2025-11-12 10:00"))
    secretary = app.chat(9212, "Trần Thị Bình")
    await join(app, secretary)
    await start_report(secretary)
    await fill_form(secretary)
    await secretary.press("Gửi báo cáo")
    h = harness(app)
    sent = await h.sweep_and_send()
    told = [c.text for c in sent if c.chat_id == 9211 and c.text.startswith("📌")]
    assert len(told) == 1
    assert "Chi bộ Tổ dân phố số 1 đã gửi báo cáo tuần từ 06/11 đến 12/11/2025" in told[0]
    assert "Đồng chí có thể ký lại đến 11:30 thứ Năm, 13/11" in told[0]
    assert [o.purpose for o in await h.outbox() if o.purpose is Purpose.LATE_FILING] == [
        Purpose.LATE_FILING
    ]
    # Signing again now takes the cell in.
    await ha.say("/report")
    again = texts(await ha.press("Tuần này"))
    assert "1/2 đã báo cáo" in again and "Đồng chí đã ký báo cáo này" in again
    assert "ký lại (lần 2)" in texts(await ha.press("Ký và gửi"))


async def test_two_officials_signing_at_once_one_wins(app: BotApp) -> None:
    await make_chain(app)
    app.clock.set(at("2025-11-13 09:00"))
    ha, lan = app.chat(9221, "Phạm Thu Hà"), app.chat(9222, "Đỗ Thị Lan")
    for chat in (ha, lan):
        await join_official(app, chat, app.seed.ward)
        await open_ward_report(chat)
        await sign_own_report(chat, WARD_ASSESSMENT)
    said = await asyncio.gather(ha.press("Ký và gửi"), lan.press("Ký và gửi"))
    answers = [texts(s) for s in said]
    assert sum("đã được ký và gửi" in a for a in answers) == 1
    assert sum("một đồng chí khác đã ký" in a for a in answers) == 1
    async with app.runtime.db.sessions() as session:
        revisions = (await session.execute(select(ReportRevision))).scalars().all()
        reports = (await session.execute(select(Report))).scalars().all()
    assert len(reports) == 1 and [r.number for r in revisions] == [1]


async def test_a_cells_official_cannot_sign_the_wards_report(app: BotApp) -> None:
    await make_chain(app)
    app.clock.set(at("2025-11-13 09:00"))
    cell_official = app.chat(9231, "Vũ Văn Dũng")
    await join_official(app, cell_official, app.seed.cells[0])
    said = texts(await cell_official.say("/report"))
    assert "Ký và gửi" not in said and "Báo cáo của Đảng ủy phường" not in said
    assert app.seed.ward.id is not None and app.seed.campaign.id is not None
    forged = PickTarget(unit_id=app.seed.ward.id, campaign_id=app.seed.campaign.id).pack()
    assert "không còn hiệu lực" in texts(await cell_official.press_data(forged))
    async with app.runtime.db.sessions() as session:
        assert (await session.execute(select(Report))).first() is None


async def test_a_cell_filing_after_the_wards_deadline_is_named_next_week(app: BotApp) -> None:
    await make_chain(app)
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9241, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    await open_ward_report(ha)
    await sign_own_report(ha, WARD_ASSESSMENT)
    await ha.press("Ký và gửi")

    # After the ward's deadline (Thursday 11:30) a cell files last week's report, late.
    app.clock.set(at("2025-11-13 15:00"))
    await join_as(app, 9242, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    secretary = app.chat(9242, "Trần Thị Bình")
    await secretary.say("/report")
    await secretary.press("Tuần trước")
    await fill_form(secretary)
    await secretary.press("Gửi báo cáo")
    sent = await harness(app).sweep_and_send()
    told = [c.text for c in sent if c.chat_id == 9241 and c.text.startswith("📌")]
    assert len(told) == 1 and "nêu là báo cáo muộn trong báo cáo kỳ sau" in told[0]

    # Next week the ward's draft names it, and so does the letter it signs.
    app.clock.set(at("2025-11-20 09:00"))
    opened = texts(await ha.say("/report"))
    assert "gửi sau khi đồng chí đã ký" in opened and "Chi bộ Tổ dân phố số 1" in opened
    await sign_own_report(ha, WARD_ASSESSMENT)
    await ha.press("Ký và gửi")
    letter = docx_text(received_files(app, ha)[-1][1])
    assert "gửi sau khi đơn vị đã ký: Chi bộ Tổ dân phố số 1 (15:00 thứ Năm, 13/11)" in letter


async def test_the_final_report_is_signed_after_the_last_week_and_read_above(
    app: BotApp,
) -> None:
    """The campaign ends Friday 14/11; the wards' final report is due Monday 17/11 17:00 and
    the city's Tuesday 18/11 17:00. The city's final report reads what the ward signed in its
    final report, not the weeks."""
    city = await make_chain(app)
    assert app.seed.campaign.id is not None
    async with app.runtime.db.sessions() as session:
        await session.execute(
            update(Campaign)
            .where(col(Campaign.id) == app.seed.campaign.id)
            .values(ends_at=at("2025-11-14 17:00"))
        )
        for level, due in (
            (UnitLevel.WARD, "2025-11-17 17:00"),
            (UnitLevel.CITY, "2025-11-18 17:00"),
        ):
            await session.execute(
                update(Deadline)
                .where(
                    col(Deadline.campaign_id) == app.seed.campaign.id, col(Deadline.level) == level
                )
                .values(final_due=at(due))
            )
        await session.commit()
    await join_as(app, 9251, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await file_for(app, 9251, app.seed.cells[0])  # the week to Wednesday 12/11: 1 news item

    # Before the ward's last week is over the final report is not offered.
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9252, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    assert "Báo cáo tổng kết" not in texts(await ha.say("/report"))
    await ha.say("/cancel")

    app.clock.set(at("2025-11-15 09:00"))
    asked = texts(await ha.say("/report"))
    assert "Các tuần của đợt đã kết thúc" in asked
    opened = texts(await ha.press("Báo cáo tổng kết"))
    assert "Báo cáo tổng kết, hạn 17:00 thứ Hai, 17/11" in opened
    await sign_own_report(ha, WARD_ASSESSMENT)
    receipt = texts(await ha.press("Ký và gửi"))
    assert "đã được ký và gửi" in receipt and "đúng hạn" in receipt
    letter = docx_text(received_files(app, ha)[-1][1])
    assert "tổng kết" in letter.lower()

    app.clock.set(at("2025-11-18 09:00"))
    minh = app.chat(9253, "Hoàng Minh")
    await join_official(app, minh, city)
    await minh.say("/report")
    opened = texts(await minh.press("Báo cáo tổng kết"))
    assert "1/1 đã báo cáo" in opened, "the ward's final report, not its weeks"
    # The ward's final: its cell's 1 news item and its own 12.
    assert "Số tin, bài đã đăng: 13" in opened
