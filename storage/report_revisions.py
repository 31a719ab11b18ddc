"""A unit's reports with every revision, who filed each and when: the record an official
reads (the desk's unit page). Reads only; three queries whatever the number of weeks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Campaign, Period, Person, Report, ReportRevision, Unit


@dataclass(frozen=True, slots=True)
class Revision:
    revision: ReportRevision
    filed_by: Person


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One report of the unit, its revisions newest first."""

    campaign: Campaign
    period: Period
    report: Report
    revisions: list[Revision] = field(default_factory=list)


async def unit_record(*, session: AsyncSession, unit: Unit) -> list[ReportRecord]:
    """Every report the unit filed, the newest campaign first, then the latest period first."""
    rows = (
        await session.execute(
            select(Report, Period, Campaign)
            .join(Period, col(Period.id) == Report.period_id)
            .join(Campaign, col(Campaign.id) == Period.campaign_id)
            .where(Report.unit_id == unit.id)
            .order_by(
                col(Campaign.starts_at).desc(),
                col(Campaign.id).desc(),
                col(Period.deadline_at).desc(),
                col(Period.final).desc(),
            )
        )
    ).all()
    if not rows:
        return []
    ids = [report.id for report, _period, _campaign in rows]
    revisions: dict[int, list[Revision]] = defaultdict(list)
    found = await session.execute(
        select(ReportRevision, Person)
        .join(Person, col(Person.id) == ReportRevision.submitted_by_id)
        .where(col(ReportRevision.report_id).in_(ids))
        .order_by(col(ReportRevision.report_id), col(ReportRevision.number).desc())
    )
    for revision, person in found.all():
        revisions[revision.report_id].append(Revision(revision, person))
    return [
        ReportRecord(campaign, period, report, revisions.get(report.id or 0, []))
        for report, period, campaign in rows
    ]
