"""Which report a secretary is filing now, and the history of a unit: calendar meets storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import PeriodWindow, WeeklyRule, open_period, period_before
from storage.campaigns import campaigns_for_unit, deadline_for
from storage.models import Campaign, Period, Report, RoleKind, Unit
from storage.people import Member
from storage.reports import ensure_period, get_report, unit_reports
from storage.units import filer_role


@dataclass(frozen=True, slots=True)
class Assignment:
    """A unit that must report in a campaign: a cell files (its secretary), a unit with
    units below it signs its own report (its official, ``signs``)."""

    unit: Unit
    campaign: Campaign
    signs: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """The period a filing goes to now, and the previous one if it was never filed."""

    assignment: Assignment
    period: Period
    report: Report | None
    missed: Period | None


@dataclass(frozen=True, slots=True)
class PeriodStatus:
    period: Period
    report: Report | None

    @property
    def status(self) -> str:
        if self.report is None:
            return "missing"
        return "on_time" if self.report.on_time else "late"


async def assignments(*, session: AsyncSession, member: Member, now: datetime) -> list[Assignment]:
    """Every (cell, open campaign) the member is secretary for. Units above the cells sign a
    report of their own through their officials (``services.signing``), never the cell form."""
    found: list[Assignment] = []
    for unit in member.units(RoleKind.SECRETARY):
        if filer_role(unit) is not RoleKind.SECRETARY:
            continue
        for campaign in await campaigns_for_unit(session=session, unit=unit, now=now):
            if await deadline_for(session=session, campaign=campaign, level=unit.level):
                found.append(Assignment(unit, campaign))
    return found


async def rule_for(*, session: AsyncSession, assignment: Assignment) -> WeeklyRule:
    deadline = await deadline_for(
        session=session, campaign=assignment.campaign, level=assignment.unit.level
    )
    assert deadline is not None
    return WeeklyRule.parse(deadline.weekday, deadline.time, assignment.campaign.timezone)


async def _stored(session: AsyncSession, assignment: Assignment, window: PeriodWindow) -> Period:
    return await ensure_period(
        session=session,
        campaign=assignment.campaign,
        level=assignment.unit.level,
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
    )


async def target(*, session: AsyncSession, assignment: Assignment, now: datetime) -> Target | None:
    """The open period at ``now`` with its report if any; None when the campaign is closed.

    After the campaign's end the target is its last week (to be filed or amended late).
    """
    rule = await rule_for(session=session, assignment=assignment)
    campaign = assignment.campaign
    moment = min(now, campaign.ends_at)
    window = open_period(rule, moment, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    if window is None:
        return None
    if now > campaign.ends_at:
        last = await _stored(session, assignment, window)
        return Target(
            assignment,
            last,
            await get_report(session=session, period=last, unit=assignment.unit),
            None,
        )
    period = await _stored(session, assignment, window)
    report = await get_report(session=session, period=period, unit=assignment.unit)
    missed: Period | None = None
    before = period_before(rule, window, starts_at=campaign.starts_at)
    if before is not None:
        previous = await _stored(session, assignment, before)
        if await get_report(session=session, period=previous, unit=assignment.unit) is None:
            missed = previous
    return Target(assignment, period, report, missed)


async def history(
    *, session: AsyncSession, assignment: Assignment, now: datetime, weeks: int = 8
) -> list[PeriodStatus]:
    """The unit's last ``weeks`` periods up to now, newest first, missing ones included."""
    rule = await rule_for(session=session, assignment=assignment)
    campaign = assignment.campaign
    moment = min(now, campaign.ends_at)
    window = open_period(rule, moment, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    reports = await unit_reports(session=session, unit=assignment.unit, campaign=campaign)
    out: list[PeriodStatus] = []
    while window is not None and len(out) < weeks:
        period = await _stored(session, assignment, window)
        assert period.id is not None
        out.append(PeriodStatus(period, reports.get(period.id)))
        window = period_before(rule, window, starts_at=campaign.starts_at)
    return out
