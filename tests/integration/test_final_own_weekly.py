"""A unit's final report covers its weeks: its own work signed week by week is in its totals,
and so in the final report of the level above (a review found it left out)."""

from __future__ import annotations

from scheduler.calendar import WeeklyRule, open_period
from scheduler.final import final_period
from scheduler.signing import draft, own_form, sign
from storage.models import Person, Unit, UnitLevel
from storage.reports import ensure_period
from tests.chat import at
from tests.conftest import BotApp
from tests.flow.test_level_reminders import chain
from tests.integration.signing_world import render


async def test_the_wards_final_leaves_out_its_own_weekly_work(app: BotApp) -> None:
    await chain(app)  # two cells filed this week (news_count 1 each in the seed's filing)
    campaign = app.seed.campaign
    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        form = await own_form(session=session, unit=ward, campaign=campaign)
        rule = WeeklyRule.parse(3, "11:30", campaign.timezone)
        now = app.clock.now()
        window = open_period(rule, now, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
        assert window is not None
        week = await ensure_period(
            session=session,
            campaign=campaign,
            level=UnitLevel.WARD,
            starts_at=window.starts_at,
            deadline_at=window.deadline_at,
        )
        official = await session.get(Person, 1)
        assert official is not None
        signed = await sign(
            session=session,
            unit=ward,
            campaign=campaign,
            period=week,
            own={"news_count": 999},
            form=form,
            person=official,
            now=now,
            seen=0,
            render=render,
        )
        assert signed is not None
        weekly = signed.report
        final = await final_period(session=session, campaign=campaign, level=UnitLevel.WARD)
        assert final is not None
        # After the campaign: the ward's final report, the ward official adds nothing new.
        later = at("2026-01-02 09:00")
        summary = await draft(
            session=session,
            unit=ward,
            campaign=campaign,
            period=final,
            now=later,
            own={},
            form=form,
        )
    cells = weekly.children_totals["news_count"]
    assert weekly.totals["news_count"] == cells + 999  # the week the ward signed
    # The final covers the campaign's weeks: the 999 the ward signed is in it.
    assert summary.totals["news_count"] >= cells + 999, (
        f"final total {summary.totals['news_count']} < signed weekly total {cells + 999}"
    )
