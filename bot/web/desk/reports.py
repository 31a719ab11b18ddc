"""The desk's reports: for each unit and campaign the official takes reports out of (the report
chain, as ``/export``), the weeks with the unit's signature of each (by whom, when, e-mailed
or not), its final report, and the files — DOCX, XLSX, CSV — by the one export path of
``/export`` and ``gopy export`` (``scheduler.report_export``).

Listing and downloading may store a week's period the first time it is asked for, as
``/export`` does: that runs in a unit of work (``Database.unit_of_work``), left before the
report is consolidated (seconds at a city's scale) and its file written, so a download holds
no other writer up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.desk import paths, report_signing
from bot.web.desk.attachment import attachment
from bot.web.desk.guard import DeskCall, DeskRoute
from bot.web.desk.path_ids import db_id
from handlers.format import moment, period_span
from scheduler.consolidated import NothingToReport, begun_weeks
from scheduler.report_export import (
    FORMATS,
    ExportWeek,
    ReportExport,
    ReportFormat,
    Signature,
    export_report,
    export_target,
    export_weeks,
    exportable,
    signed_export,
    signed_final,
)
from scheduler.reporting import Assignment
from scheduler.signing import signable_periods, signed_copy
from storage.models import MailStatus, Period
from storage.reports import is_late

# The campaigns listed, newest first (``/export`` shows three).
CAMPAIGNS = 10


@dataclass(frozen=True, slots=True)
class Row:
    """A line of the table, in the reader's words."""

    label: str
    due: str
    # "signed", "sent", "draft", "overdue" or "" (the unit signs nothing of its own)
    state: str
    state_text: str
    details: list[str]
    files: Sequence[tuple[str, str]]  # (format, address)
    sign: str | None = None  # the address to sign it, when it may be signed now
    again: bool = False  # signed already: «Sign again»


@dataclass
class Section:
    item: Assignment
    weeks: list[ExportWeek]
    final: tuple[Period, Signature | None] | None
    now: datetime
    signable: set[int]  # the ids of the unit's own periods it may sign now


async def reports(call: DeskCall) -> web.StreamResponse:
    now = call.desk.site.clock.now()
    sections: list[Section] = []
    async with call.desk.site.db.unit_of_work() as session:
        items = await exportable(session=session, member=call.member, now=now, limit=CAMPAIGNS)
        for item in items:
            try:
                weeks = await export_weeks(session=session, item=item, now=now)
            except NothingToReport:
                continue
            final = await signed_final(session=session, item=item)
            signable = (
                await signable_periods(session=session, item=item, now=now) if item.signs else []
            )
            ids = {p.id for p in signable if p.id is not None}
            sections.append(Section(item, weeks, final, now, ids))
    signed = call.request.query.get("signed", "")

    def context() -> dict[str, object]:
        return {
            "sections": [_section_view(s) for s in sections],
            "flash": _flash(sections, signed),
        }

    return call.render("desk/reports.html", context, nav="reports")


def _section_view(section: Section) -> dict[str, object]:
    item = section.item
    unit, campaign = item.unit, item.campaign
    assert unit.id is not None and campaign.id is not None
    tz = campaign.timezone
    rows = []
    for week in section.weeks:
        assert week.period.id is not None
        files = [
            (fmt, paths.report_file_path(unit.id, campaign.id, week.period.id, fmt))
            for fmt in FORMATS
        ]
        row = _signature_row(
            _("Week {span}").format(span=period_span(week.period, tz)),
            moment(week.period.deadline_at, tz),
            week.own,
            week.signature,
            files,
            section,
        )
        rows.append(row)
    final_row = None
    if section.final is not None:
        period, signature = section.final
        files = (
            [
                (fmt, paths.report_file_path(unit.id, campaign.id, paths.FINAL, fmt))
                for fmt in FORMATS
            ]
            if signature is not None
            else []
        )
        # Its due date is the unit's own, told beside its state.
        final_row = _signature_row(_("Final report"), "—", period, signature, files, section)
    whole = [
        (fmt, paths.report_file_path(unit.id, campaign.id, paths.WHOLE, fmt)) for fmt in FORMATS
    ]
    return {
        "id": f"u{unit.id}-c{campaign.id}",
        "unit": unit.name,
        "campaign": campaign.title,
        "signs": item.signs,
        "email": unit.report_email,
        "rows": rows,
        "final": final_row,
        "whole": whole,
    }


def _signature_row(
    label: str,
    due: str,
    own: Period | None,
    signature: Signature | None,
    files: Sequence[tuple[str, str]],
    section: Section,
) -> Row:
    unit, campaign = section.item.unit, section.item.campaign
    assert unit.id is not None and campaign.id is not None
    tz = campaign.timezone
    sign = (
        paths.report_sign_path(unit.id, campaign.id, own.id)
        if own is not None and own.id in section.signable
        else None
    )
    if own is None:
        return Row(label, due, "", _("Consolidated from the units below"), [], files)
    own_due = _("Your unit's report is due {deadline}").format(
        deadline=moment(own.deadline_at, tz)
    )
    # Late as a signature now would be (``is_late``): the deadline minute itself is on time.
    if signature is None and is_late(section.now, own):
        return Row(label, due, "overdue", _("Not signed, overdue"), [own_due], files, sign)
    if signature is None:
        return Row(label, due, "draft", _("Not signed yet"), [own_due], files, sign)
    revision = signature.revision
    who = signature.signer or _("an official")
    details = [
        _("Signed by {name} at {time}, version {number} ({status}).").format(
            name=who,
            time=moment(revision.submitted_at, tz),
            number=revision.number,
            status=_("on time") if signature.report.on_time else _("late"),
        ),
        _("Receipt: {code}").format(code=signature.report.receipt),
    ]
    details += [
        _mail_line(mail.status, mail.to_address, mail.sent_at, tz) for mail in signature.mails
    ]
    sent = any(mail.status is MailStatus.SENT for mail in signature.mails)
    state_text = _("Signed and sent") if sent else _("Signed")
    return Row(label, due, "sent" if sent else "signed", state_text, details, files, sign, True)


def _mail_line(status: MailStatus, address: str, sent_at: datetime | None, tz: str) -> str:
    if status is MailStatus.SENT and sent_at is not None:
        return _("E-mailed to {address} at {time}.").format(
            address=address, time=moment(sent_at, tz)
        )
    if status is MailStatus.FAILED:
        return _(
            "The e-mail to {address} could not be sent; the administrator can retry it."
        ).format(address=address)
    return _("The e-mail to {address} is waiting to be sent.").format(address=address)


def _flash(sections: list[Section], receipt: str) -> str | None:
    """«Signed» after a signature (Post/Redirect/Get), if the receipt is one listed here."""
    if not receipt:
        return None
    for section in sections:
        signatures = [w.signature for w in section.weeks]
        if section.final is not None:
            signatures.append(section.final[1])
        for signature in signatures:
            if signature is not None and signature.report.receipt == receipt:
                unit = section.item.unit
                text = _(
                    "The report of {unit} is signed (receipt {code}, version {number})."
                ).format(unit=unit.name, code=receipt, number=signature.revision.number)
                if unit.report_email:
                    text += " " + _("The letter goes by e-mail to {address}.").format(
                        address=unit.report_email
                    )
                return text
    return None


async def download(call: DeskCall) -> web.StreamResponse:
    """A report's file: the week as ``/export`` sends it, the whole campaign, or the signed
    final report."""
    info = call.request.match_info
    unit_id, campaign_id = db_id(info["unit"]), db_id(info["campaign"])
    fmt, week = info["fmt"], info["week"]
    if unit_id is None or campaign_id is None or fmt not in FORMATS:
        return call.not_found()
    chosen: ReportFormat = "csv" if fmt == "csv" else ("xlsx" if fmt == "xlsx" else "docx")
    now = call.desk.site.clock.now()
    # What the file is, and the periods it reads stored, in the writer's unit of work.
    async with call.desk.site.db.unit_of_work() as session:
        item = await export_target(
            session=session,
            member=call.member,
            unit_id=unit_id,
            campaign_id=campaign_id,
            now=now,
        )
        asked = await _asked(session, item, week, chosen, now) if item is not None else None
    if item is None or asked is None:
        return call.not_found()
    export = asked.kept
    if export is None:
        # Consolidating reads the units' filings and the comments (seconds for a ward of a
        # city): read after the writer's lock, as /export reads them, holding no writer up.
        async with call.desk.site.db.sessions() as session:
            try:
                export = await export_report(
                    session=session,
                    unit=item.unit,
                    campaign=item.campaign,
                    week=asked.period,
                    fmt=chosen,
                    now=now,
                )
            except NothingToReport:
                return call.not_found()
    # A city's workbook takes seconds to write: not on the event loop, nor in the lock.
    data = await asyncio.to_thread(export.render, call.desk.files.report)
    return attachment(data, filename=export.filename, fmt=chosen)


@dataclass(frozen=True, slots=True)
class _Asked:
    """The file an address names: a signed one as kept, or a week (None: the whole
    campaign) to consolidate."""

    period: Period | None = None
    kept: ReportExport | None = None


async def _asked(
    session: AsyncSession, item: Assignment, week: str, fmt: ReportFormat, now: datetime
) -> _Asked | None:
    """The file named ``week`` (a week's period id, ``WHOLE`` or ``FINAL``), with the periods
    its report reads stored; None: there is none of that name for this unit."""
    unit, campaign = item.unit, item.campaign
    if week == paths.FINAL:
        final = await signed_final(session=session, item=item)
        if final is None or final[1] is None:
            return None
        kept = await signed_export(session=session, signature=final[1], fmt=fmt)
        return _Asked(kept=kept) if kept is not None else None
    try:
        # The weeks begun, stored: a week is one of them (no report of a week to come), and
        # the whole campaign reads them all.
        begun = await begun_weeks(session=session, unit=unit, campaign=campaign, now=now)
    except NothingToReport:
        return None
    if week == paths.WHOLE:
        return _Asked()
    period_id = db_id(week)
    period = next((p for p in begun if p.id == period_id), None)
    if period is None:
        return None
    found = await signed_copy(session=session, unit=unit, campaign=campaign, child=period, fmt=fmt)
    if found is not None:
        revision, file = found
        return _Asked(
            period, ReportExport(file.filename, fmt, revision=revision, kept=file.content)
        )
    return _Asked(period)


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("GET", paths.REPORTS, reports),
        DeskRoute("GET", paths.REPORT_FILE_ROUTE, download),
        *report_signing.routes(),
    ]
