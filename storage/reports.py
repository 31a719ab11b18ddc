"""Reports and their revisions: file, amend (never overwrite), and read back a unit's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
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
    # The same values as the latest revision: nothing new was stored (see ``file_report``).
    repeated: bool = False

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
    final: bool = False,
) -> Period:
    """The stored period with this deadline, created once even when two updates race for it.

    ``final``: the level's final report, covering the campaign up to ``deadline_at`` (its due
    date), which may fall on a weekly deadline and is another report all the same.
    """
    found = await _period(session, campaign, level, deadline_at, final)
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
            final=final,
        )
    )
    period = await _period(session, campaign, level, deadline_at, final)
    assert period is not None
    return period


async def _period(
    session: AsyncSession,
    campaign: Campaign,
    level: UnitLevel,
    deadline_at: datetime,
    final: bool,
) -> Period | None:
    result = await session.execute(
        select(Period).where(
            Period.campaign_id == campaign.id,
            Period.level == level,
            Period.deadline_at == deadline_at,
            Period.final == final,
        )
    )
    return result.scalar_one_or_none()


async def get_report(*, session: AsyncSession, period: Period, unit: Unit) -> Report | None:
    result = await session.execute(
        select(Report).where(Report.period_id == period.id, Report.unit_id == unit.id)
    )
    return result.scalar_one_or_none()


async def latest_revision(*, session: AsyncSession, report: Report) -> ReportRevision:
    result = await session.execute(
        select(ReportRevision)
        .where(ReportRevision.report_id == report.id)
        .order_by(col(ReportRevision.number).desc())
        .limit(1)
    )
    return result.scalar_one()


async def latest_values(*, session: AsyncSession, report: Report) -> dict[str, Any]:
    return dict((await latest_revision(session=session, report=report)).values)


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
    the report row is created with INSERT … ON CONFLICT DO NOTHING (the loser waits for the
    winner's commit and then amends), and revision numbers come from an atomic increment.

    A submission with the same values as the latest revision changes nothing and is not stored
    again: a press re-delivered after a crash, or sent twice, gets the stored revision back
    (``repeated``), so its receipt tells what was stored.
    """
    report = await get_report(session=session, period=period, unit=unit)
    if report is not None:
        latest = await latest_revision(session=session, report=report)
        if latest.values == values:
            return Filed(report, latest, period, repeated=True)
    if report is None:
        report = await create_report(session, period, unit, now)
        if report is not None:
            revision = await add_revision(session, report, 1, values, person, now, period, channel)
            return Filed(report, revision, period)
        report = await get_report(session=session, period=period, unit=unit)
        assert report is not None
    number = await _next_revision(session, report, now)
    revision = await add_revision(session, report, number, values, person, now, period, channel)
    return Filed(report, revision, period)


async def create_report(
    session: AsyncSession, period: Period, unit: Unit, now: datetime
) -> Report | None:
    """The new report row, or None if another submission created the unit's report first."""
    for _attempt in range(5):
        receipt = RECEIPT_PREFIX + random_code(RECEIPT_LENGTH)
        await session.execute(
            insert_ignore(
                session,
                Report,
                period_id=period.id,
                unit_id=unit.id,
                receipt=receipt,
                first_submitted_at=now,
                last_submitted_at=now,
                on_time=not is_late(now, period),
                revisions=1,
            )
        )
        found = await get_report(session=session, period=period, unit=unit)
        if found is not None:
            return found if found.receipt == receipt else None
        # Nothing inserted and no report for the unit: the receipt code was taken. Retry.
    raise RuntimeError("could not draw a free receipt code")


async def _next_revision(session: AsyncSession, report: Report, now: datetime) -> int:
    """Atomically count one more revision; concurrent amendments get distinct numbers."""
    result = await session.execute(
        update(Report)
        .where(col(Report.id) == report.id)
        .values(revisions=col(Report.revisions) + 1, last_submitted_at=now)
        .returning(col(Report.revisions))
        .execution_options(synchronize_session=False)
    )
    number = int(result.scalar_one())
    set_committed_value(report, "revisions", number)
    set_committed_value(report, "last_submitted_at", now)
    return number


async def add_revision(
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
