"""``/export`` for officials: the consolidated report of their unit for a week or the whole
campaign, as DOCX, XLSX or CSV; the escalation's «📥» button lands here too."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import ExportReport
from handlers.files import FileMaker, ReportFormat
from handlers.format import moment, period_span
from handlers.replies import Answerable, refused_unless_official, reply_target
from handlers.texts import escape
from scheduler.clock import Clock
from scheduler.consolidated import NothingToReport, begun_weeks, consolidate, week_of
from scheduler.signing import signed_copy, signing_assignments
from storage.comments import campaigns_run_below, overseen_by_unit
from storage.letterheads import letterhead_of
from storage.models import Campaign, Period, Unit
from storage.people import Member

WEEKS_SHOWN = 4
FORMATS: tuple[tuple[ReportFormat, str], ...] = (
    ("docx", "📄 Word (DOCX)"),
    ("xlsx", "📊 Excel (XLSX)"),
    ("csv", "🧾 CSV"),
)


def build_router() -> Router:
    router = Router(name="export")
    router.message.register(ask_export, Command("export"))
    router.message.register(ask_export, keyboards.MenuButton(keyboards.MENU_EXPORT))
    router.callback_query.register(export_report, ExportReport.filter())
    return router


async def ask_export(
    message: Message, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if await refused_unless_official(message, member):
        return
    asked = 0
    for unit, campaign in await _exportable(session, member, clock):
        asked += await _ask_week(message, session, unit, campaign, clock)
    if not asked:
        await message.answer(_("No campaign of your unit has reports to consolidate."))


async def _exportable(
    session: AsyncSession, member: Member, clock: Clock
) -> list[tuple[Unit, Campaign]]:
    """The campaigns the official's unit oversees, then those of a unit above in which their
    unit signs its own report (its letter leaves the campaign's comments out)."""
    found = [
        (unit, campaign)
        for campaign, unit in await campaigns_run_below(session=session, member=member, limit=3)
    ]
    seen = {campaign.id for _unit, campaign in found}
    for item in await signing_assignments(session=session, member=member, now=clock.now()):
        if item.campaign.id not in seen:
            found.append((item.unit, item.campaign))
    return found


async def _export_target(
    session: AsyncSession, member: Member, data: ExportReport, clock: Clock
) -> tuple[Campaign, Unit] | None:
    """The button's campaign and unit, if the person may export it: the report chain
    (``overseen_by_unit``; not who reads comments), or an official of a unit that signs in it."""
    found = await overseen_by_unit(session=session, member=member, campaign_id=data.campaign_id)
    if found is not None:
        return found
    for item in await signing_assignments(session=session, member=member, now=clock.now()):
        if item.unit.id == data.unit_id and item.campaign.id == data.campaign_id:
            return item.campaign, item.unit
    return None


async def _ask_week(
    message: Answerable, session: AsyncSession, unit: Unit, campaign: Campaign, clock: Clock
) -> int:
    try:
        periods = await begun_weeks(session=session, unit=unit, campaign=campaign, now=clock.now())
    except NothingToReport:
        return 0
    assert unit.id is not None and campaign.id is not None
    builder = InlineKeyboardBuilder()
    for period in periods[-WEEKS_SHOWN:][::-1]:
        assert period.id is not None
        builder.button(
            text=_("Week {span}").format(span=period_span(period, campaign.timezone)),
            callback_data=ExportReport(
                unit_id=unit.id, campaign_id=campaign.id, period_id=period.id
            ),
        )
    builder.button(
        text=_("📚 The whole campaign"),
        callback_data=ExportReport(unit_id=unit.id, campaign_id=campaign.id),
    )
    builder.adjust(1)
    await message.answer(
        _("Consolidated report of {unit}, «{campaign}»: which week?").format(
            unit=escape(unit.name), campaign=escape(campaign.title)
        ),
        reply_markup=builder.as_markup(),
    )
    return 1


async def export_report(
    callback: CallbackQuery,
    callback_data: ExportReport,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    files: FileMaker,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    # The report quotes the campaign's comments: the report chain decides (a ward reading its
    # share of the city's comments does not make the city's report theirs), and the button's
    # unit must be the one that oversees the campaign (or signs in it).
    found = await _export_target(session, member, callback_data, clock)
    campaign, unit = found if found is not None else (None, None)
    period = (
        await session.get(Period, callback_data.period_id) if callback_data.period_id else None
    )
    if (
        unit is None
        or campaign is None
        or unit.id != callback_data.unit_id
        or (callback_data.period_id and (period is None or period.campaign_id != campaign.id))
    ):
        await message.answer(_("This choice is no longer available."))
        return
    fmt: ReportFormat = (
        "csv"
        if callback_data.fmt == "csv"
        else ("xlsx" if callback_data.fmt == "xlsx" else "docx")
    )
    if not callback_data.fmt:
        builder = InlineKeyboardBuilder()
        for choice, label in FORMATS:
            builder.button(
                text=label, callback_data=callback_data.model_copy(update={"fmt": choice})
            )
        builder.adjust(3)
        await message.answer(_("Which format?"), reply_markup=builder.as_markup())
        return
    if period is not None and await _send_signed(message, session, unit, campaign, period, fmt):
        return
    week = week_of(period, campaign.timezone) if period is not None else None
    try:
        report = await consolidate(
            session=session, unit=unit, campaign=campaign, week=week, as_of=clock.now()
        )
    except NothingToReport:
        await message.answer(_("This choice is no longer available."))
        return
    letterhead = await letterhead_of(session=session, unit=unit)
    today = clock.now().astimezone(report.zone).date()
    # A city's workbook takes seconds to write: not on the event loop.
    data = await asyncio.to_thread(files.report, report, fmt, letterhead=letterhead, today=today)
    stamp = clock.now().astimezone(report.zone).strftime("%Y%m%d-%H%M")
    name = f"bao-cao-{unit.code}-{stamp}.{fmt}".lower()
    await message.answer_document(
        BufferedInputFile(data, filename=name), caption=files.report_caption(report)
    )


async def _send_signed(
    message: Answerable,
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    period: Period,
    fmt: ReportFormat,
) -> bool:
    """The unit signed its report for this week: the file as it was signed, not remade."""
    found = await signed_copy(session=session, unit=unit, campaign=campaign, child=period, fmt=fmt)
    if found is None:
        return False
    revision, kept = found
    await message.answer_document(
        BufferedInputFile(kept.content, filename=kept.filename),
        caption=_("The report as signed at {time} (version {number}).").format(
            time=moment(revision.submitted_at, campaign.timezone), number=revision.number
        ),
    )
    return True
