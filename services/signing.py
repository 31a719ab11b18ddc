"""A unit's own report («Ký và gửi»): which units an official signs for, the draft they are
shown (what the units below filed as of now, plus the unit's own answers), and signing it.

Calendar meets storage here, as in ``services.reporting``; the files come from the caller
(``render``, or a ``LetterMaker``), so this layer needs no renderer. Chat and the desk sign
through ``sign_and_send``, by the same rules (``signable_periods``, ``repeated_signature``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import WeeklyRule, open_period
from scheduler.final import final_period
from services.consolidated import Consolidated, NothingToReport, consolidate, reporting_level
from services.reporting import Assignment, rule_for, target
from services.signing_context import last_week, weekly_own
from storage.campaigns import campaigns_for_unit, deadline_for, form_by_id
from storage.forms import FormSpec, signing_form
from storage.letterheads import Letterhead, letterhead_of
from storage.mail_outbox import queue_mail, report_mail_key
from storage.models import (
    Campaign,
    Period,
    Person,
    Report,
    ReportRevision,
    RoleKind,
    SignedFile,
    Unit,
)
from storage.people import Member
from storage.reports import Filed, ensure_period, get_report, latest_revision, latest_values
from storage.signed import SignedValues, sign_report, signed_file, store_files

SignedFormat = Literal["docx", "xlsx", "csv"]
FORMATS: tuple[SignedFormat, ...] = ("docx", "xlsx", "csv")
# Writing a city's workbook takes a while: the caller may do it off the event loop.
Render = Callable[[Consolidated, SignedFormat], Awaitable[bytes]]
# The words of the e-mail to the office above: (subject, body) for the signed report.
Cover = Callable[[Consolidated, Filed], tuple[str, str]]


class LetterMaker(Protocol):
    """The words and files of a signature (``handlers.files.FileMaker`` is one)."""

    def report(
        self, report: Consolidated, fmt: SignedFormat, *, letterhead: Letterhead, today: date
    ) -> bytes: ...

    def report_mail(
        self, report: Consolidated, *, receipt: str, signed_at: datetime, signer: str
    ) -> tuple[str, str]: ...


@dataclass(frozen=True, slots=True)
class Signed:
    filed: Filed
    report: Consolidated
    files: dict[str, tuple[str, bytes]]


async def signing_assignments(
    *, session: AsyncSession, member: Member, now: datetime
) -> list[Assignment]:
    """Every (unit, open campaign) the member signs for: units they are an official of that
    have a deadline of their own and units below them that report."""
    found: list[Assignment] = []
    for unit in member.units(RoleKind.OFFICIAL):
        for campaign in await campaigns_for_unit(session=session, unit=unit, now=now):
            if await deadline_for(session=session, campaign=campaign, level=unit.level) is None:
                continue
            try:
                await reporting_level(session=session, unit=unit, campaign=campaign)
            except NothingToReport:
                continue
            found.append(Assignment(unit, campaign, signs=True))
    return found


async def own_form_id(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> int:
    """The form of the unit's own questions: its level's, or the campaign's."""
    deadline = await deadline_for(session=session, campaign=campaign, level=unit.level)
    if deadline is not None and deadline.form_id is not None:
        return deadline.form_id
    return campaign.form_id


async def own_form(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> FormSpec:
    """The questions the unit answers itself, then the assessment."""
    form_id = await own_form_id(session=session, unit=unit, campaign=campaign)
    return signing_form(await form_by_id(session=session, form_id=form_id))


async def draft(
    *,
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    period: Period,
    now: datetime,
    own: dict[str, Any],
    form: FormSpec,
) -> Consolidated:
    """The unit's report for its ``period`` as it would be signed at ``now``: compared with
    what it signed last week, naming the reports that came after that signature."""
    report = await consolidate(
        session=session,
        unit=unit,
        campaign=campaign,
        week=None,
        as_of=now,
        covering=period,
        own=own,
        own_form=form,
    )
    if period.final:
        # The final covers the weeks: the unit's own weekly work is in it, not typed again.
        report.own_weekly = await weekly_own(
            session=session, unit=unit, campaign=campaign, keys=report.count_keys, as_of=now
        )
        for key, value in report.own_weekly.items():
            report.totals[key] = report.totals.get(key, 0) + value
    before = await last_week(session=session, report=report, period=period, now=now)
    if before.totals is not None:
        report.previous = {key: before.totals.get(key, 0) for key in report.count_keys}
    elif any(isinstance(own.get(key), int) for key in report.count_keys):
        # Nothing signed last week: its units alone against this week's units and own work
        # would read the unit's own work as growth.
        report.previous = None
    report.arrived_after_signing = before.arrived_after
    return report


async def own_period(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, child: Period
) -> Period | None:
    """The unit's own period that a week of its reporting units falls in (the ward's week to
    Thursday 11:30 for the cells' week to Wednesday 17:00); None if the unit signs nothing."""
    deadline = await deadline_for(session=session, campaign=campaign, level=unit.level)
    if deadline is None:
        return None
    rule = WeeklyRule.parse(deadline.weekday, deadline.time, campaign.timezone)
    window = open_period(
        rule, child.deadline_at, starts_at=campaign.starts_at, ends_at=campaign.ends_at
    )
    if window is None:
        return None
    return await ensure_period(
        session=session,
        campaign=campaign,
        level=unit.level,
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
    )


async def signed_revision(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, child: Period
) -> ReportRevision | None:
    """The latest signature of the unit's report covering ``child``, if it signed one."""
    period = await own_period(session=session, unit=unit, campaign=campaign, child=child)
    if period is None:
        return None
    report = await get_report(session=session, period=period, unit=unit)
    return await latest_revision(session=session, report=report) if report else None


async def signed_copy(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, child: Period, fmt: str
) -> tuple[ReportRevision, SignedFile] | None:
    """The file (``fmt``) of the unit's latest signature covering ``child``, as it was
    signed; None if it signed none."""
    revision = await signed_revision(session=session, unit=unit, campaign=campaign, child=child)
    if revision is None or revision.id is None:
        return None
    kept = await signed_file(session=session, revision_id=revision.id, fmt=fmt)
    return (revision, kept) if kept is not None else None


@dataclass(frozen=True, slots=True)
class SignedAbove:
    """The unit above signed its report before this filing came: it does not hold it."""

    parent: Unit
    period: Period  # the parent's own period
    revision: ReportRevision  # its latest signature


async def signed_above(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, period: Period
) -> SignedAbove | None:
    """Whether the unit above ``unit`` has signed the report that ``period`` falls in."""
    if unit.parent_id is None:
        return None
    parent = await session.get(Unit, unit.parent_id)
    if parent is None:
        return None
    revision = await signed_revision(session=session, unit=parent, campaign=campaign, child=period)
    if revision is None:
        return None
    report = await session.get(Report, revision.report_id)
    own = await session.get(Period, report.period_id) if report is not None else None
    return SignedAbove(parent, own, revision) if own is not None else None


async def final_target(*, session: AsyncSession, item: Assignment, now: datetime) -> Period | None:
    """The unit's final report, once its level's last week has begun (None: no final report
    in this campaign, or not yet). From then on its reminders may come (a day before a due
    date that may be the last week's deadline itself), so /report must offer it; signed
    before the last week is over, it is signed again with the rest before it is due."""
    final = await final_period(session=session, campaign=item.campaign, level=item.unit.level)
    if final is None:
        return None
    rule = await rule_for(session=session, assignment=item)
    campaign = item.campaign
    last = open_period(
        rule, campaign.ends_at, starts_at=campaign.starts_at, ends_at=campaign.ends_at
    )
    return final if last is not None and now > last.starts_at else None


def signed_values(report: Consolidated) -> SignedValues:
    return SignedValues(
        own=dict(report.own),
        children=dict(report.children_totals),
        totals=dict(report.totals),
        as_of=report.as_of.isoformat(),
        expected=report.expected,
        on_time=report.on_time,
        late=report.late,
    )


def file_name(unit: Unit, report: Report, fmt: str) -> str:
    """``bao-cao-ngocha-bc-7k2m9q.docx``: the unit and the receipt, so files never collide."""
    return f"bao-cao-{unit.code}-{report.receipt}.{fmt}".lower()


async def sign(
    *,
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    period: Period,
    own: dict[str, Any],
    form: FormSpec,
    person: Person,
    now: datetime,
    seen: int,
    render: Render,
    channel: str = "",
    cover: Cover | None = None,
) -> Signed | None:
    """Sign the unit's report as it stands at ``now``: stored as its next revision with the
    files made from exactly what was signed. None: another official signed meanwhile (the
    report no longer has ``seen`` revisions) and nothing was stored."""
    report = await draft(
        session=session, unit=unit, campaign=campaign, period=period, now=now, own=own, form=form
    )
    filed = await sign_report(
        session=session,
        period=period,
        unit=unit,
        values=signed_values(report),
        person=person,
        now=now,
        seen=seen,
        channel=channel,
    )
    if filed is None:
        return None
    files: dict[str, tuple[str, bytes]] = {
        fmt: (file_name(unit, filed.report, fmt), await render(report, fmt)) for fmt in FORMATS
    }
    await store_files(session=session, revision=filed.revision, files=files)
    if unit.report_email and cover is not None:
        # Queued with the signature itself: signed means it will go, once.
        words = cover(report, filed)
        await _queue_mail(session, unit, unit.report_email, filed, files["docx"], words, now)
    return Signed(filed, report, files)


async def _queue_mail(
    session: AsyncSession,
    unit: Unit,
    to: str,
    filed: Filed,
    docx: tuple[str, bytes],
    cover: tuple[str, str],
    now: datetime,
) -> None:
    assert filed.revision.id is not None
    subject, body = cover
    await queue_mail(
        session=session,
        key=report_mail_key(revision_id=filed.revision.id, to=to),
        to=to,
        subject=subject,
        body=body,
        attachment_name=docx[0],
        attachment=docx[1],
        now=now,
        unit_id=unit.id,
        revision_id=filed.revision.id,
    )


async def sign_and_send(
    *,
    session: AsyncSession,
    item: Assignment,
    period: Period,
    own: dict[str, Any],
    form: FormSpec,
    person: Person,
    seen: int,
    now: datetime,
    files: LetterMaker,
    channel: str,
) -> Signed | None:
    """«Ký và gửi», from chat or the desk: ``sign`` with the unit's letterhead, its files
    written off the event loop, and the e-mail to the office above in the campaign's words,
    signed by the person's name (else the letterhead's signer). None: someone signed first."""
    letterhead = await letterhead_of(session=session, unit=item.unit)

    def cover(report: Consolidated, filed: Filed) -> tuple[str, str]:
        return files.report_mail(
            report,
            receipt=filed.report.receipt,
            signed_at=filed.revision.submitted_at,
            signer=person.full_name or letterhead.signer.name,
        )

    async def render(report: Consolidated, fmt: SignedFormat) -> bytes:
        today = now.astimezone(report.zone).date()
        return await asyncio.to_thread(
            files.report, report, fmt, letterhead=letterhead, today=today
        )

    return await sign(
        session=session,
        unit=item.unit,
        campaign=item.campaign,
        period=period,
        own=own,
        form=form,
        person=person,
        now=now,
        seen=seen,
        render=render,
        channel=channel,
        cover=cover,
    )


async def signable_periods(
    *, session: AsyncSession, item: Assignment, now: datetime
) -> list[Period]:
    """The periods an official signs for ``item`` now, as ``/report`` offers them: once the
    level's last week has begun, the final report and that week; else this week, and last
    week while it is unsigned. Empty when the campaign is not open for reports."""
    current = await target(session=session, assignment=item, now=now)
    if current is None:
        return []
    final = await final_target(session=session, item=item, now=now)
    if final is not None:
        return [final, current.period]
    return [current.period] + ([current.missed] if current.missed is not None else [])


@dataclass(frozen=True, slots=True)
class Opened:
    """A unit's report opened to sign: the revisions it has (a signature made meanwhile
    wins over this one) and the own answers of its latest signature to start from."""

    report: Report | None
    seen: int
    own: dict[str, Any]


async def open_signing(*, session: AsyncSession, report: Report | None) -> Opened:
    """The unit's stored report for the period (None: never signed), opened to sign."""
    if report is None:
        return Opened(None, 0, {})
    signed = SignedValues.load(await latest_values(session=session, report=report))
    return Opened(report, report.revisions, dict(signed.own) if signed is not None else {})


async def repeated_signature(
    *, session: AsyncSession, report: Report, person: Person, own: dict[str, Any]
) -> ReportRevision | None:
    """The report's latest signature when a refused one is that very signature again: the
    same person, the same answers (a press delivered twice, a form sent twice); else None."""
    revision = await latest_revision(session=session, report=report)
    signed = SignedValues.load(revision.values)
    if signed is None or revision.submitted_by_id != person.id or signed.own != own:
        return None
    return revision
