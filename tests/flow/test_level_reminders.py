"""Every level's deadline: a ward that signs its own report (Thursday 11:30, after its cells'
Wednesday 17:00) is reminded through its officials and escalated to the city's; a level's
final report has reminders and an escalation of its own. Frozen clock, fake Bot API, both
databases."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from scheduler.calendar import WeeklyRule, open_period
from scheduler.consolidated import consolidate
from scheduler.final import final_period
from storage.models import Deadline, Period, Person, Unit, UnitLevel
from storage.reports import ensure_period, file_report
from tests.chat import at
from tests.conftest import BotApp
from tests.flow.test_reminders import BINH, CUONG, HA, MINH, people
from tests.outreach import Harness, file_for, harness

WARD_DUE = at("2026-01-05 17:00")  # a Monday, five days after the campaign ends


async def chain(app: BotApp, *, cells_filed: bool = True) -> Harness:
    """The seed's ward signs its own report by Thursday 11:30 and a final one by 05/01."""
    h = await people(app)
    assert app.seed.campaign.id is not None
    async with app.runtime.db.sessions() as session:
        session.add(
            Deadline(
                campaign_id=app.seed.campaign.id,
                level=UnitLevel.WARD,
                weekday=3,
                time="11:30",
                final_due=WARD_DUE,
            )
        )
        await session.commit()
    if cells_filed:  # the cells' reminders stay out of the way
        await file_for(app, BINH, app.seed.cells[0])
        await file_for(app, CUONG, app.seed.cells[1])
    return h


async def sign(app: BotApp, *, final: bool = False) -> None:
    """The ward's official signs: a report of the ward for its week open now, or its final."""
    campaign = app.seed.campaign
    async with app.runtime.db.sessions() as session:
        stored = (
            await session.execute(select(Person).where(Person.external_id == str(HA)))
        ).scalar_one()
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        period: Period | None
        if final:
            period = await final_period(session=session, campaign=campaign, level=UnitLevel.WARD)
        else:
            rule = WeeklyRule.parse(3, "11:30", campaign.timezone)
            window = open_period(
                rule, app.clock.now(), starts_at=campaign.starts_at, ends_at=campaign.ends_at
            )
            assert window is not None
            period = await ensure_period(
                session=session,
                campaign=campaign,
                level=UnitLevel.WARD,
                starts_at=window.starts_at,
                deadline_at=window.deadline_at,
            )
        assert period is not None
        await file_report(
            session=session,
            period=period,
            unit=ward,
            values={"news_count": 3, "assessment": "Tốt"},
            person=stored,
            now=app.clock.now(),
        )
        await session.commit()


def to(sent: list[object], chat_id: int) -> list[str]:
    return [c.text for c in sent if c.chat_id == chat_id]  # type: ignore[attr-defined]


async def test_a_ward_that_has_not_signed_reminds_its_officials_only(app: BotApp) -> None:
    h = await chain(app)
    app.clock.set(at("2025-11-12 11:30"))  # 24 hours before Thursday 11:30

    sent = await h.sweep_and_send()

    assert {c.chat_id for c in sent} == {HA}
    (text,) = to(sent, HA)
    assert "Báo cáo tuần của Đảng ủy phường Ngọc Hà" in text
    assert "11:30 thứ Năm, 13/11" in text and "chưa được ký và gửi" in text
    assert sent[0].buttons == []  # the draft is the official's to open with /report
    (row,) = await h.outbox()
    assert row.key.startswith("reminder:24h:")


async def test_a_ward_that_signed_is_not_reminded(app: BotApp) -> None:
    h = await chain(app)
    await sign(app)
    app.clock.set(at("2025-11-13 09:30"))  # the 2 h reminder

    sent = await h.sweep_and_send()

    assert [c.text for c in sent if c.text.startswith("⏰")] == []
    assert [r.key for r in await h.outbox() if r.key.startswith("reminder")] == []


async def test_the_city_is_told_which_ward_has_not_signed(app: BotApp) -> None:
    h = await chain(app)
    app.clock.set(at("2025-11-13 11:31"))

    sent = await h.sweep_and_send()

    signed = [c for c in sent if "ký báo cáo đúng hạn" in c.text]
    assert [c.chat_id for c in signed] == [MINH]
    text = signed[0].text
    assert "0/1 đảng bộ phường đã ký báo cáo đúng hạn, 0 trễ hạn, 1 chưa ký." in text
    assert "Chưa ký:" in text and "Đảng ủy phường Ngọc Hà (đ/c Phạm Thu Hà)" in text
    assert "11:30 thứ Năm, 13/11" in text


async def test_a_city_escalation_counts_a_ward_that_signed(app: BotApp) -> None:
    h = await chain(app)
    app.clock.set(at("2025-11-13 10:00"))
    await sign(app)
    app.clock.set(at("2025-11-13 11:31"))

    sent = await h.sweep_and_send()

    (text,) = [c.text for c in sent if "ký báo cáo đúng hạn" in c.text]
    assert "1/1 đảng bộ phường đã ký báo cáo đúng hạn, 0 trễ hạn, 0 chưa ký." in text
    assert "Chưa ký:" not in text


async def test_the_final_report_is_reminded_once_and_not_before_its_time(app: BotApp) -> None:
    h = await chain(app)
    app.clock.set(at("2026-01-04 16:59"))
    early = await h.sweep_and_send()
    app.clock.set(at("2026-01-04 17:00"))  # 24 hours before it is due

    sent = await h.sweep_and_send()
    again = await h.sweep_and_send()
    restarted = await harness(app).sweep_and_send()

    assert not [c for c in early if "tổng kết" in c.text]
    (text,) = to(sent, HA)
    assert "Báo cáo tổng kết của Đảng ủy phường Ngọc Hà" in text
    assert "17:00 thứ Hai, 05/01" in text
    assert again == [] and restarted == []
    keys = [r.key for r in await h.outbox() if r.chat_id == str(HA)]
    assert len(keys) == 1 and keys[0].startswith("final_reminder:24h:")


async def test_a_ward_that_signed_its_final_report_is_not_reminded(app: BotApp) -> None:
    h = await chain(app)
    app.clock.set(at("2026-01-03 10:00"))
    await sign(app, final=True)
    app.clock.set(at("2026-01-05 15:00"))

    sent = await h.sweep_and_send()

    assert not [c for c in sent if "tổng kết" in c.text]


async def test_after_the_final_due_the_city_is_told_and_nobody_is_reminded(app: BotApp) -> None:
    h = await chain(app)
    app.clock.set(at("2026-01-06 09:00"))  # the bot was down over the due date

    sent = await h.sweep_and_send()

    assert not [c for c in sent if "Báo cáo tổng kết của" in c.text]
    (text,) = [c.text for c in sent if "tổng kết" in c.text]
    assert "đã hết hạn báo cáo tổng kết 17:00 thứ Hai, 05/01" in text
    assert "Đảng ủy phường Ngọc Hà (đ/c Phạm Thu Hà)" in text
    assert [c.chat_id for c in sent if "tổng kết" in c.text] == [MINH]
    app.clock.set(at("2026-01-08 09:00"))  # the campaign is over for good
    later = await harness(app).sweep_and_send()
    assert not [c for c in later if "tổng kết" in c.text]


async def test_a_final_report_covers_only_the_weeks_begun(app: BotApp) -> None:
    await chain(app)
    campaign = app.seed.campaign
    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        final = await final_period(session=session, campaign=campaign, level=UnitLevel.WARD)
        assert ward is not None and final is not None
        assert final.final and final.starts_at == campaign.starts_at
        assert final.deadline_at == WARD_DUE
        midway = await consolidate(
            session=session, unit=ward, campaign=campaign, week=None, as_of=app.clock.now()
        )
        whole = await consolidate(
            session=session, unit=ward, campaign=campaign, week=None, as_of=final.deadline_at
        )
        again = await final_period(session=session, campaign=campaign, level=UnitLevel.WARD)
        cells = await final_period(session=session, campaign=campaign, level=UnitLevel.CELL)

    assert again is not None and again.id == final.id and cells is None
    assert all(not p.final and p.level is UnitLevel.CELL for p in whole.periods)
    begun: list[datetime] = [p.starts_at for p in midway.periods]
    assert max(begun) <= app.clock.now() < midway.periods[-1].deadline_at
    assert midway.periods[-1].deadline_at == at("2025-11-12 17:00")
    assert whole.periods[-1].deadline_at == campaign.ends_at
    assert len(whole.periods) == 12 and whole.periods[0].starts_at == campaign.starts_at
    assert midway.totals["news_count"] == 2  # the two cells filed the open week
