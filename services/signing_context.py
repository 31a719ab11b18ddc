"""What a unit's report says about the week before: its last signature (the figures this
week is compared with) and the reports of its units that came after that signature.

A cell that files after its ward signed is not lost: the ward's next report names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scheduler.calendar import PeriodWindow, WeeklyRule, period_before
from services.consolidated import Consolidated, weeks_of
from services.oversight import root_for
from storage.campaigns import deadline_for
from storage.consolidated import Filing, filings_as_of
from storage.models import Campaign, Period, Report, ReportRevision, Unit
from storage.reports import ensure_period, get_report, latest_revision
from storage.signed import SignedValues


@dataclass(frozen=True, slots=True)
class LastWeek:
    signed_at: datetime | None = None
    totals: dict[str, int] | None = None  # what was signed last week: children + own
    # Units whose report for last week came after last week's signature.
    arrived_after: list[Filing] = field(default_factory=list)


async def last_week(
    *, session: AsyncSession, report: Consolidated, period: Period, now: datetime
) -> LastWeek:
    """Last week's signature of ``report.unit``, seen from its ``period`` at ``now``."""
    unit, campaign = report.unit, report.campaign
    if period.final:
        return LastWeek()
    deadline = await deadline_for(session=session, campaign=campaign, level=unit.level)
    if deadline is None:
        return LastWeek()
    rule = WeeklyRule.parse(deadline.weekday, deadline.time, campaign.timezone)
    window = period_before(
        rule, PeriodWindow(period.starts_at, period.deadline_at), starts_at=campaign.starts_at
    )
    if window is None:
        return LastWeek()
    before = await ensure_period(
        session=session,
        campaign=campaign,
        level=unit.level,
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
    )
    signed_report = await get_report(session=session, period=before, unit=unit)
    if signed_report is None:
        return LastWeek()
    revision = await latest_revision(session=session, report=signed_report)
    signed = SignedValues.load(revision.values)
    if signed is None:
        return LastWeek()
    as_of = datetime.fromisoformat(signed.as_of)
    return LastWeek(
        signed_at=revision.submitted_at,
        totals=signed.totals,
        arrived_after=await _arrived_after(session, unit, report, before, as_of, now),
    )


async def _arrived_after(
    session: AsyncSession,
    unit: Unit,
    report: Consolidated,
    before: Period,
    as_of: datetime,
    now: datetime,
) -> list[Filing]:
    weeks = await weeks_of(session=session, unit=unit, campaign=report.campaign)
    inside = [w for w in weeks if before.starts_at < w.deadline_at <= before.deadline_at]
    if not inside:
        return []
    child = await ensure_period(
        session=session,
        campaign=report.campaign,
        level=report.level,
        starts_at=inside[-1].starts_at,
        deadline_at=inside[-1].deadline_at,
    )
    root = await root_for(session=session, unit=unit, campaign=report.campaign)
    filings = await filings_as_of(
        session=session, root_id=root, level=report.level, period=child, as_of=now
    )
    return [f for f in filings if f.submitted_at is not None and f.submitted_at > as_of]


async def weekly_own(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, keys: list[str], as_of: datetime
) -> dict[str, int]:
    """The unit's own counts over the campaign's weeks, as it last signed each week by
    ``as_of``: what its final report adds to its units' weeks."""
    latest = (
        select(
            col(ReportRevision.report_id).label("report_id"),
            func.max(col(ReportRevision.number)).label("number"),
        )
        .join(Report, col(Report.id) == col(ReportRevision.report_id))
        .join(Period, col(Period.id) == col(Report.period_id))
        .where(
            col(Report.unit_id) == unit.id,
            col(Period.campaign_id) == campaign.id,
            col(Period.final).is_(False),
            col(ReportRevision.submitted_at) <= as_of,
        )
        .group_by(col(ReportRevision.report_id))
        .subquery()
    )
    rows = await session.execute(
        select(col(ReportRevision.values)).join(
            latest,
            and_(
                col(ReportRevision.report_id) == latest.c.report_id,
                col(ReportRevision.number) == latest.c.number,
            ),
        )
    )
    sums = dict.fromkeys(keys, 0)
    for (values,) in rows.all():
        signed = SignedValues.load(values)
        if signed is None:
            continue
        for key in keys:
            value = signed.own.get(key)
            if isinstance(value, int):
                sums[key] += value
    return sums
