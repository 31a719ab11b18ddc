"""The final report («Báo cáo tổng kết») of a level: when it may be due, its period, its weeks.

A level that declares ``final_report: {due: …}`` (``Deadline.final_due``) files one more report
besides its weekly ones: a *final* period that starts with the campaign and ends at the due
date. It covers the campaign's weekly periods of the level below that have begun by the moment
it is made (``services.consolidated.consolidate(week=None, …)``), never one not begun yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import PeriodWindow, WeeklyRule, open_period
from storage.campaigns import LATE_GRACE, deadline_for
from storage.models import Campaign, Period, UnitLevel
from storage.reports import ensure_period


def last_weekly_deadline(rule: WeeklyRule, *, starts_at: datetime, ends_at: datetime) -> datetime:
    """The deadline of a level's last week: its weekly deadline, or the campaign's end if that
    comes first (``open_period``)."""
    window = open_period(rule, ends_at, starts_at=starts_at, ends_at=ends_at)
    assert window is not None  # ends_at is inside the campaign
    return window.deadline_at


def final_due_problem(
    due: datetime, rule: WeeklyRule, *, starts_at: datetime, ends_at: datetime
) -> tuple[str, datetime] | None:
    """Why ``due`` cannot be a level's final due date, with the moment it is measured against:
    ``("early", last weekly deadline)`` or ``("late", campaign end + LATE_GRACE)``; None if fine.

    Not before the level's last weekly deadline (the summary would leave out a week), and not
    after the last week's late filings close (nothing would remind or escalate it).
    """
    last = last_weekly_deadline(rule, starts_at=starts_at, ends_at=ends_at)
    if due < last:
        return "early", last
    if due > ends_at + LATE_GRACE:
        return "late", ends_at + LATE_GRACE
    return None


def final_window(campaign: Campaign, due: datetime) -> PeriodWindow:
    """The final period: the whole campaign, up to the final report's due date."""
    return PeriodWindow(starts_at=campaign.starts_at, deadline_at=due)


async def final_period(
    *, session: AsyncSession, campaign: Campaign, level: UnitLevel
) -> Period | None:
    """The stored final period of ``level`` (created once), or None when the level has no
    final report in this campaign."""
    deadline = await deadline_for(session=session, campaign=campaign, level=level)
    if deadline is None or deadline.final_due is None:
        return None
    window = final_window(campaign, deadline.final_due)
    return await ensure_period(
        session=session,
        campaign=campaign,
        level=level,
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
        final=True,
    )
