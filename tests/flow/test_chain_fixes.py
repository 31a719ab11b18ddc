"""Defects a review found in signing in chat, each kept as the conversation that showed it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import update
from sqlmodel import col

from storage.models import Campaign
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.flow.test_chain import join_official, make_chain


async def test_ward_official_opening_the_first_week_of_a_thursday_campaign(
    app: BotApp, caplog: pytest.LogCaptureFixture
) -> None:
    """The city's campaign opens on Thursday 13/11 (``starts: 2025-11-13``): the ward's first
    week (to Thursday 11:30) holds no cells' deadline. /report is offered to the ward's
    official and then crashes (NothingToReport reaches handlers.errors: «hệ thống vừa gặp sự
    cố»), every time, until 11:30."""
    await make_chain(app)
    async with app.runtime.db.sessions() as session:
        await session.execute(
            update(Campaign)
            .where(col(Campaign.id) == app.seed.campaign.id)
            .values(starts_at=at("2025-11-13 00:00"))
        )
        await session.commit()
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9301, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    with caplog.at_level(logging.ERROR):
        said = texts(await ha.say("/report"))
    assert "NothingToReport" not in caplog.text, caplog.text[-400:]
    assert "hệ thống vừa gặp sự cố" not in said, said


async def test_a_secretary_of_a_ward_is_not_given_the_wards_report_on_the_cell_form(
    app: BotApp,
) -> None:
    """Review: ``gopy invite create NGOCHA`` (role defaults to secretary) makes a ward
    "secretary"; once wards had a deadline, /report gave that person the WARD's report on the
    cells' form, and the city read that one plain filing as the whole ward. A ward's report is
    signed by its officials; the cell form is for cells only."""
    from sqlmodel import select

    from storage.models import Report, RoleKind
    from tests.seed import invite

    await make_chain(app)
    odd = app.chat(9311, "Người Nhập Nhầm")
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.ward, role=RoleKind.SECRETARY)
    await odd.say(f"/start i-{code}")
    app.clock.set(at("2025-11-13 09:00"))
    said = texts(await odd.say("/report"))
    assert "Câu 1/" not in said and not odd.sent()[-1].buttons
    async with app.runtime.db.sessions() as session:
        assert (await session.execute(select(Report))).first() is None


async def test_the_receipt_says_e_mailed_but_nothing_is_queued(app: BotApp) -> None:
    """The ward has its city office's address (``report_email``). «Ký và gửi» answers «Văn bản
    được gửi qua thư điện tử đến …», but no MailOutbox row is ever written (nothing in the
    code writes one): the official is told the city received a letter it never will."""
    from sqlalchemy import func, select

    from storage.models import MailOutbox, Unit
    from tests.flow.test_chain import WARD_ASSESSMENT, sign_own_report

    await make_chain(app)
    async with app.runtime.db.sessions() as session:
        await session.execute(
            update(Unit)
            .where(col(Unit.id) == app.seed.ward.id)
            .values(report_email="vanphong@tuyengiao.example.org")
        )
        await session.commit()
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9320, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    await ha.say("/report")
    await ha.press("Tuần này")
    await sign_own_report(ha, WARD_ASSESSMENT)
    receipt = texts(await ha.press("Ký và gửi"))
    assert "thư điện tử đến vanphong@tuyengiao.example.org" in receipt
    async with app.runtime.db.sessions() as session:
        queued = (await session.execute(select(func.count()).select_from(MailOutbox))).scalar()
    assert queued == 1, "told it was e-mailed, nothing queued"


@pytest.mark.xfail(
    strict=True,
    reason="known limitation (issue 14 note): a unit signs only when a level below it reports",
)
async def test_a_ward_with_a_deadline_cannot_sign_when_its_cells_have_none(app: BotApp) -> None:
    """A city campaign asking wards for their own report (ward deadline Thursday 11:30, the
    city's Friday) without involving the cells: ``signing_assignments`` skips the ward because
    ``reporting_level`` finds no level below it with a deadline (NothingToReport), so the ward
    official hears «chưa có đợt nào đặt hạn báo cáo cho cấp này», which is false, and the
    city's letter lists the ward as missing every week."""
    from sqlalchemy import delete

    from storage.models import Deadline, UnitLevel

    await make_chain(app)
    async with app.runtime.db.sessions() as session:
        await session.execute(
            delete(Deadline).where(
                col(Deadline.campaign_id) == app.seed.campaign.id,
                col(Deadline.level) == UnitLevel.CELL,
            )
        )
        await session.commit()
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9330, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    said = texts(await ha.say("/report"))
    assert "chưa có đợt nào đặt hạn báo cáo cho cấp này" not in said, said


async def test_ky_va_gui_redelivered_after_a_crash_says_someone_else_signed(
    make_app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cell's «Gửi báo cáo» re-delivered after a crash between the commit and the reply
    gets the receipt of what was stored (report_form.submit). «Ký và gửi» does not: the FSM
    draft still has ``seen=0``, the report now has 1 revision, so sign_report returns None and
    the official who signed is told «một đồng chí khác đã ký báo cáo này … Phần của đồng chí
    chưa được lưu» — false — and never receives the receipt or the signed letter."""
    import handlers.signing
    from storage.update_work import UpdateWork, commit_now
    from tests.flow.test_chain import WARD_ASSESSMENT, sign_own_report
    from tests.flow.test_sent_after_stored import Crash, press_update

    app = await make_app()  # type: ignore[operator]
    await make_chain(app)
    app.clock.set(at("2025-11-13 09:00"))
    ha = app.chat(9340, "Phạm Thu Hà")
    await join_official(app, ha, app.seed.ward)
    await ha.say("/report")
    await ha.press("Tuần này")
    await sign_own_report(ha, WARD_ASSESSMENT)
    press = press_update(ha, "Ký và gửi", update_id=990_101)

    async def commit_then_die(uow: UpdateWork) -> None:
        await commit_now(uow)
        raise Crash

    monkeypatch.setattr(handlers.signing, "commit_now", commit_then_die)
    with pytest.raises(Crash):
        await app.dp.feed_update(app.bot, press)
    monkeypatch.setattr(handlers.signing, "commit_now", commit_now)
    restarted = await make_app()  # type: ignore[operator]
    again = texts(await restarted.chat(9340, "Phạm Thu Hà").feed(press))
    assert "đồng chí khác đã ký" not in again, again
