"""One export path for a unit's consolidated report: ``/export`` in chat, ``gopy export`` and the
desk's downloads all ask here which file a week (or the whole campaign) is, and who may ask.

A week the unit signed is the file as it was signed, byte for byte (``scheduler.signing``);
any other is made now from what its reporting units filed. Making it is split from rendering
it (``ReportExport.render``): a caller holding a lock lets it go before the slow part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.consolidated import Consolidated, consolidate, week_of
from scheduler.reporting import Assignment
from scheduler.signing import signed_copy, signing_assignments
from storage.comments import campaigns_run_below, overseen_by_unit
from storage.letterheads import Letterhead, letterhead_of
from storage.models import Campaign, Period, ReportRevision, Unit
from storage.people import Member

ReportFormat = Literal["docx", "xlsx", "csv"]
FORMATS: tuple[ReportFormat, ...] = ("docx", "xlsx", "csv")


class ReportRenderer(Protocol):
    """Writes a consolidated report as a file (``handlers.files.FileMaker.report``)."""

    def __call__(
        self, report: Consolidated, fmt: ReportFormat, *, letterhead: Letterhead, today: date
    ) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ReportExport:
    """What an export hands out: the signed file as kept, or a report made now to render."""

    filename: str
    fmt: ReportFormat
    # The signature the file was kept from, with its bytes; None: made now.
    revision: ReportRevision | None = None
    kept: bytes | None = None
    report: Consolidated | None = None
    letterhead: Letterhead | None = None
    today: date | None = None

    def render(self, write: ReportRenderer) -> bytes:
        """The file's bytes (a city's workbook takes seconds: call it off the event loop)."""
        if self.kept is not None:
            return self.kept
        assert self.report is not None and self.letterhead is not None
        assert self.today is not None
        return write(self.report, self.fmt, letterhead=self.letterhead, today=self.today)


async def export_report(
    *,
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    week: Period | None,
    fmt: ReportFormat,
    now: datetime,
) -> ReportExport:
    """The report of ``unit`` for the week ``week`` of its reporting units, or for the whole
    campaign (None). Raises ``NothingToReport`` when the unit consolidates nothing there."""
    if week is not None:
        found = await signed_copy(
            session=session, unit=unit, campaign=campaign, child=week, fmt=fmt
        )
        if found is not None:
            revision, kept = found
            return ReportExport(kept.filename, fmt, revision=revision, kept=kept.content)
    day = week_of(week, campaign.timezone) if week is not None else None
    report = await consolidate(session=session, unit=unit, campaign=campaign, week=day, as_of=now)
    letterhead = await letterhead_of(session=session, unit=unit)
    local = now.astimezone(report.zone)
    name = f"bao-cao-{unit.code}-{local:%Y%m%d-%H%M}.{fmt}".lower()
    return ReportExport(name, fmt, report=report, letterhead=letterhead, today=local.date())


async def exportable(
    *, session: AsyncSession, member: Member, now: datetime, limit: int = 3
) -> list[Assignment]:
    """Whose reports an official takes out: the latest campaigns their unit oversees (the
    report chain, ``storage.comments.overseen_by_unit``), then those of a unit above in
    which their unit signs its own report (whose letter leaves the campaign's comments out)."""
    found = [
        Assignment(unit, campaign)
        for campaign, unit in await campaigns_run_below(
            session=session, member=member, limit=limit
        )
    ]
    seen = {item.campaign.id for item in found}
    for item in await signing_assignments(session=session, member=member, now=now):
        if item.campaign.id not in seen:
            found.append(item)
    return found


async def export_target(
    *, session: AsyncSession, member: Member, unit_id: int, campaign_id: int, now: datetime
) -> Assignment | None:
    """The unit and campaign asked for, if the official may take its report out: the unit
    that oversees the campaign (not who reads its comments: a ward reading its share of the
    city's comments does not make the city's report theirs), or a unit of theirs that signs in
    it; None otherwise."""
    found = await overseen_by_unit(session=session, member=member, campaign_id=campaign_id)
    if found is not None:
        campaign, unit = found
        return Assignment(unit, campaign) if unit.id == unit_id else None
    for item in await signing_assignments(session=session, member=member, now=now):
        if item.unit.id == unit_id and item.campaign.id == campaign_id:
            return item
    return None
