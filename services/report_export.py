"""One export path for a unit's consolidated report: ``/export`` in chat, ``gopy export`` and the
desk's downloads all ask here which file a week (or the whole campaign) is, and who may ask.

A week the unit signed is the file as it was signed, byte for byte (``services.signing``);
any other is made now from what its reporting units filed. Making it is split from rendering
it (``ReportExport.render``): a caller holding a lock lets it go before the slow part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.final import final_period
from services.consolidated import Consolidated, begun_weeks, consolidate, week_of
from services.reporting import Assignment
from services.signing import own_period, signed_copy, signing_assignments
from storage.comments import campaigns_run_below, overseen_by_unit
from storage.letterheads import Letterhead, letterhead_of
from storage.mail_outbox import mails_of_revisions
from storage.models import Campaign, MailOutbox, Period, Person, Report, ReportRevision, Unit
from storage.people import Member
from storage.signed import signed_file, signed_state

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
    signing = await signing_assignments(session=session, member=member, now=now)
    signs = {(item.unit.id, item.campaign.id) for item in signing}
    # A unit that oversees a campaign may sign in it too (a city with its own deadline).
    found = [Assignment(i.unit, i.campaign, (i.unit.id, i.campaign.id) in signs) for i in found]
    found += [item for item in signing if item.campaign.id not in seen]
    return found


async def export_target(
    *, session: AsyncSession, member: Member, unit_id: int, campaign_id: int, now: datetime
) -> Assignment | None:
    """The unit and campaign asked for, if the official may take its report out: the unit
    that oversees the campaign (not who reads its comments: a ward reading its share of the
    city's comments does not make the city's report theirs), or a unit of theirs that signs in
    it; None otherwise."""
    signing = await signing_assignments(session=session, member=member, now=now)
    signs = [i for i in signing if i.unit.id == unit_id and i.campaign.id == campaign_id]
    found = await overseen_by_unit(session=session, member=member, campaign_id=campaign_id)
    if found is not None:
        campaign, unit = found
        return Assignment(unit, campaign, bool(signs)) if unit.id == unit_id else None
    return signs[0] if signs else None


@dataclass(frozen=True, slots=True)
class Signature:
    """A unit's latest signature of one of its reports, with who signed and where it went."""

    report: Report
    revision: ReportRevision
    signer: str  # the person's name as stored ("" when they gave none)
    mails: list[MailOutbox]  # e-mails carrying it to the office above (none: not set up)


@dataclass(frozen=True, slots=True)
class ExportWeek:
    """A week of the reporting units (what ``/export`` calls a week), with the unit's own
    period that covers it when the unit signs, and its latest signature of that period."""

    period: Period
    own: Period | None
    signature: Signature | None


async def export_weeks(
    *, session: AsyncSession, item: Assignment, now: datetime
) -> list[ExportWeek]:
    """The weeks begun by ``now``, newest first (``NothingToReport`` as ``begun_weeks``)."""
    unit, campaign = item.unit, item.campaign
    periods = await begun_weeks(session=session, unit=unit, campaign=campaign, now=now)
    weeks = []
    for period in reversed(periods):
        own = (
            await own_period(session=session, unit=unit, campaign=campaign, child=period)
            if item.signs
            else None
        )
        signature = await signature_of(session=session, unit=unit, period=own) if own else None
        weeks.append(ExportWeek(period, own, signature))
    return weeks


async def signature_of(*, session: AsyncSession, unit: Unit, period: Period) -> Signature | None:
    """The unit's latest signature of its report for ``period``; None: never signed."""
    report, revision = await signed_state(session=session, period=period, unit=unit)
    if report is None or revision is None or revision.id is None:
        return None
    person = await session.get(Person, revision.submitted_by_id)
    mails = await mails_of_revisions(session=session, revision_ids=[revision.id])
    return Signature(
        report, revision, (person.full_name or "") if person else "", mails.get(revision.id, [])
    )


async def signed_final(
    *, session: AsyncSession, item: Assignment
) -> tuple[Period, Signature | None] | None:
    """The unit's final report («Báo cáo tổng kết») and its signature; None when its level
    has no final report in the campaign (or the unit signs nothing)."""
    if not item.signs:
        return None
    period = await final_period(session=session, campaign=item.campaign, level=item.unit.level)
    if period is None:
        return None
    return period, await signature_of(session=session, unit=item.unit, period=period)


async def signed_export(
    *, signature: Signature, fmt: ReportFormat, session: AsyncSession
) -> ReportExport | None:
    """The file ``fmt`` of a signature, as it was signed (the final report's, say)."""
    assert signature.revision.id is not None
    kept = await signed_file(session=session, revision_id=signature.revision.id, fmt=fmt)
    if kept is None:
        return None
    return ReportExport(kept.filename, fmt, revision=signature.revision, kept=kept.content)
