"""Reports and their revisions: file, amend (never overwrite), and read back a unit's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.codes import RECEIPT_LENGTH, random_code
from storage.dialect import insert_ignore
from storage.models import Campaign, Period, Person, Report, ReportRevision, Unit, UnitLevel

RECEIPT_PREFIX = "BC-"


@dataclass(frozen=True, slots=True)
class Filed:
    """The outcome of a submission, as the receipt shows it."""

    report: Report
    revision: ReportRevision
    period: Period

    @property
    def first(self) -> bool:
        return self.revision.number == 1

    @property
    def late_revision(self) -> bool:
        """An amendment stored after the deadline: kept, flagged, shown as such."""
        return self.revision.late and not self.first


def is_late(submitted_at: datetime, period: Period) -> bool:
    """The one rule for lateness: anything submitted after the period's deadline is late."""
    return submitted_at > period.deadline_at


async def ensure_period(
    *,
    session: AsyncSession,
    campaign: Campaign,
    level: UnitLevel,
    starts_at: datetime,
    deadline_at: datetime,
) -> Period:
    """The stored period with this deadline, created once even when two updates race for it."""
    found = await _period(session, campaign, level, deadline_at)
    if found is not None:
        return found
    await session.execute(
        insert_ignore(
            session,
            Period,
            campaign_id=campaign.id,
            level=level,
            starts_at=starts_at,
            deadline_at=deadline_at,
        )
    )
    period = await _period(session, campaign, level, deadline_at)
    assert period is not None
    return period


async def _period(
    session: AsyncSession, campaign: Campaign, level: UnitLevel, deadline_at: datetime
) -> Period | None:
    result = await session.execute(
        select(Period).where(
            Period.campaign_id == campaign.id,
            Period.level == level,
            Period.deadline_at == deadline_at,
        )
    )
    return result.scalar_one_or_none()


async def get_report(*, session: AsyncSession, period: Period, unit: Unit) -> Report | None:
    result = await session.execute(
        select(Report).where(Report.period_id == period.id, Report.unit_id == unit.id)
    )
    return result.scalar_one_or_none()


async def latest_values(*, session: AsyncSession, report: Report) -> dict[str, Any]:
    result = await session.execute(
        select(ReportRevision)
        .where(ReportRevision.report_id == report.id)
        .order_by(col(ReportRevision.number).desc())
        .limit(1)
    )
    revision = result.scalar_one()
    return dict(revision.values)


async def revisions_of(*, session: AsyncSession, report: Report) -> list[ReportRevision]:
    result = await session.execute(
        select(ReportRevision)
        .where(ReportRevision.report_id == report.id)
        .order_by(col(ReportRevision.number))
    )
    return list(result.scalars().all())


async def file_report(
    *,
    session: AsyncSession,
    period: Period,
    unit: Unit,
    values: dict[str, Any],
    person: Person,
    now: datetime,
    channel: str = "",
) -> Filed:
    """Store a submission as a new revision of the unit's report for ``period``.

    The first submission decides on time or late for good; later ones are appended as revisions
    (flagged late after the deadline). Two secretaries of one cell filing at once both land:
    the loser of the insert race becomes revision 2.
    """
    report = await get_report(session=session, period=period, unit=unit)
    if report is None:
        try:
            async with session.begin_nested():
                report = _new_report(period, unit, now)
                session.add(report)
                await session.flush()
        except IntegrityError:
            report = await get_report(session=session, period=period, unit=unit)
            assert report is not None
        else:
            return Filed(
                report,
                await _add_revision(session, report, 1, values, person, now, period, channel),
                period,
            )
    report.revisions += 1
    report.last_submitted_at = now
    session.add(report)
    revision = await _add_revision(
        session, report, report.revisions, values, person, now, period, channel
    )
    return Filed(report, revision, period)


def _new_report(period: Period, unit: Unit, now: datetime) -> Report:
    assert period.id is not None and unit.id is not None
    return Report(
        period_id=period.id,
        unit_id=unit.id,
        receipt=RECEIPT_PREFIX + random_code(RECEIPT_LENGTH),
        first_submitted_at=now,
        last_submitted_at=now,
        on_time=not is_late(now, period),
    )


async def _add_revision(
    session: AsyncSession,
    report: Report,
    number: int,
    values: dict[str, Any],
    person: Person,
    now: datetime,
    period: Period,
    channel: str,
) -> ReportRevision:
    assert report.id is not None and person.id is not None
    revision = ReportRevision(
        report_id=report.id,
        number=number,
        values=dict(values),
        submitted_by_id=person.id,
        submitted_at=now,
        late=is_late(now, period),
        channel=channel,
    )
    session.add(revision)
    await session.flush()
    return revision


async def unit_reports(
    *, session: AsyncSession, unit: Unit, campaign: Campaign
) -> dict[int, Report]:
    """The unit's reports in ``campaign``, by period id."""
    result = await session.execute(
        select(Report)
        .join(Period, col(Period.id) == Report.period_id)
        .where(Report.unit_id == unit.id, Period.campaign_id == campaign.id)
    )
    return {r.period_id: r for r in result.scalars().all()}


async def periods_of(
    *, session: AsyncSession, campaign: Campaign, level: UnitLevel
) -> list[Period]:
    result = await session.execute(
        select(Period)
        .where(Period.campaign_id == campaign.id, Period.level == level)
        .order_by(col(Period.deadline_at).desc())
    )
    return list(result.scalars().all())
