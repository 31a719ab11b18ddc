"""The final report opens with its level's last week: a final due within a day of the last
weekly deadline (or at it) gets its reminder while /report offers it, and can be signed on
time (a review found both impossible)."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.calendar import WeeklyRule
from scheduler.final import final_due_problem, last_weekly_deadline
from scheduler.reporting import Assignment
from scheduler.signing import final_target
from storage.models import Deadline, Unit, UnitLevel
from tests.conftest import BotApp
from tests.flow.test_reminders import BINH, CUONG, HA, people
from tests.outreach import file_for


async def ward_final_due(app: BotApp, *, after_last: timedelta) -> datetime:
    """Wards report on Thursdays 11:30, their final due ``after_last`` the last week's
    deadline (a due the importer accepts). Returns the due."""
    campaign = app.seed.campaign
    rule = WeeklyRule.parse(3, "11:30", campaign.timezone)
    last = last_weekly_deadline(rule, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    due = last + after_last
    problem = final_due_problem(due, rule, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    assert problem is None and campaign.id is not None
    async with app.runtime.db.sessions() as session:
        session.add(
            Deadline(
                campaign_id=campaign.id,
                level=UnitLevel.WARD,
                weekday=3,
                time="11:30",
                final_due=due,
            )
        )
        await session.commit()
    return due


async def test_final_reminder_fires_while_report_cannot_open_the_final(app: BotApp) -> None:
    h = await people(app)
    campaign = app.seed.campaign
    due = await ward_final_due(app, after_last=timedelta(hours=2))
    await file_for(app, BINH, app.seed.cells[0])
    await file_for(app, CUONG, app.seed.cells[1])

    app.clock.set(due - timedelta(hours=24))  # the final's 24 h reminder
    sent = await h.sweep_and_send()
    finals = [c.text for c in sent if c.chat_id == HA and "tổng kết" in c.text]
    assert finals, [c.text for c in sent]  # the official is told to sign the final with /report

    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        offered = await final_target(
            session=session, item=Assignment(ward, campaign, signs=True), now=app.clock.now()
        )
    # /report (handlers.report.open_target) offers the final report now.
    assert offered is not None, "reminded of a final report that /report does not offer yet"


async def test_a_final_due_at_the_last_weekly_deadline_can_never_be_signed_on_time(
    app: BotApp,
) -> None:
    """The importer accepts a final due equal to the level's last weekly deadline
    (final_due_problem: only ``due < last`` is refused), but /report offers the final only
    when ``now > last`` (final_target), i.e. after it is due: never on time."""
    campaign = app.seed.campaign
    last = await ward_final_due(app, after_last=timedelta(0))
    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        item = Assignment(ward, campaign, signs=True)
        offered = [
            await final_target(session=session, item=item, now=moment)
            for moment in (last - timedelta(hours=1), last)
        ]
    # Before its due moment the final report is offered, so it can be signed on time.
    assert offered != [None, None], "the final report cannot be opened before it is due"
