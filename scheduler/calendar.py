"""Reporting periods and deadlines: the week that ends at a weekly local deadline.

Everything here is pure: aware datetimes in, aware UTC datetimes out. A period is open while
``now <= deadline``; a first submission at or before the deadline is on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Units report every ``weekday`` (Monday = 0) by ``at`` local time in ``tz``."""

    weekday: int
    at: time
    tz: ZoneInfo

    @classmethod
    def parse(cls, weekday: int, hhmm: str, tz: str) -> WeeklyRule:
        hour, minute = (int(part) for part in hhmm.split(":"))
        return cls(weekday=weekday, at=time(hour, minute), tz=ZoneInfo(tz))


@dataclass(frozen=True, slots=True)
class PeriodWindow:
    starts_at: datetime
    deadline_at: datetime


def next_deadline(rule: WeeklyRule, moment: datetime) -> datetime:
    """The first deadline at or after ``moment``, in UTC.

    Computed on the local calendar so a deadline stays at the same wall-clock time even in a
    zone with daylight saving (Vietnam has none today, but a campaign may set another zone).
    """
    local = moment.astimezone(rule.tz)
    days_ahead = (rule.weekday - local.weekday()) % 7
    candidate_day = local.date() + timedelta(days=days_ahead)
    candidate = datetime.combine(candidate_day, rule.at, tzinfo=rule.tz)
    # Compared in UTC: aware datetimes of one zone compare by wall clock, and a deadline in a
    # daylight-saving gap (02:30 on the night clocks skip it) is "after" 03:00 on the wall.
    if candidate.astimezone(UTC) < moment.astimezone(UTC):
        candidate = datetime.combine(candidate_day + WEEK, rule.at, tzinfo=rule.tz)
    return candidate.astimezone(UTC)


def previous_deadline(rule: WeeklyRule, deadline: datetime) -> datetime:
    local = deadline.astimezone(rule.tz)
    before = datetime.combine(local.date() - WEEK, rule.at, tzinfo=rule.tz)
    return before.astimezone(UTC)


def open_period(
    rule: WeeklyRule, moment: datetime, *, starts_at: datetime, ends_at: datetime
) -> PeriodWindow | None:
    """The period a report filed at ``moment`` belongs to, or None outside the campaign.

    The last week of a campaign ends at the campaign's end if that comes before the weekly
    deadline; nothing is open before the start or after the end.
    """
    if moment < starts_at or moment > ends_at:
        return None
    weekly = next_deadline(rule, moment)
    if weekly <= starts_at:  # a campaign opening on a deadline: its first week is the next one
        weekly = next_deadline(rule, starts_at + timedelta(seconds=1))
    return PeriodWindow(
        starts_at=max(previous_deadline(rule, weekly), starts_at),
        deadline_at=min(weekly, ends_at),
    )


def period_before(
    rule: WeeklyRule, period: PeriodWindow, *, starts_at: datetime
) -> PeriodWindow | None:
    """The period just before ``period`` within the campaign, or None for the first one."""
    if period.starts_at <= starts_at:
        return None
    deadline = period.starts_at
    return PeriodWindow(
        starts_at=max(previous_deadline(rule, deadline), starts_at), deadline_at=deadline
    )


def is_on_time(submitted_at: datetime, deadline_at: datetime) -> bool:
    """A report is on time when its first submission is at or before the deadline."""
    return submitted_at <= deadline_at
