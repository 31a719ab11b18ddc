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
from services.consolidated import NothingToReport, begun_weeks
from services.report_export import export_report, export_target, exportable
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
    router.callback_query.register(send_report, ExportReport.filter())
    return router


async def ask_export(
    message: Message, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if await refused_unless_official(message, member):
        return
    asked = 0
    for item in await exportable(session=session, member=member, now=clock.now()):
        asked += await _ask_week(message, session, item.unit, item.campaign, clock)
    if not asked:
        await message.answer(_("No campaign of your unit has reports to consolidate."))


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


async def send_report(
    callback: CallbackQuery,
    callback_data: ExportReport,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    files: FileMaker,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    # The report quotes the campaign's comments: the report chain decides (``export_target``).
    found = await export_target(
        session=session,
        member=member,
        unit_id=callback_data.unit_id,
        campaign_id=callback_data.campaign_id,
        now=clock.now(),
    )
    period = (
        await session.get(Period, callback_data.period_id) if callback_data.period_id else None
    )
    if found is None or (
        callback_data.period_id and (period is None or period.campaign_id != found.campaign.id)
    ):
        await message.answer(_("This choice is no longer available."))
        return
    unit, campaign = found.unit, found.campaign
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
    try:
        export = await export_report(
            session=session, unit=unit, campaign=campaign, week=period, fmt=fmt, now=clock.now()
        )
    except NothingToReport:
        await message.answer(_("This choice is no longer available."))
        return
    # A city's workbook takes seconds to write: not on the event loop.
    data = await asyncio.to_thread(export.render, files.report)
    if export.revision is not None:
        caption = _("The report as signed at {time} (version {number}).").format(
            time=moment(export.revision.submitted_at, campaign.timezone),
            number=export.revision.number,
        )
    else:
        assert export.report is not None
        caption = files.report_caption(export.report)
    await message.answer_document(
        BufferedInputFile(data, filename=export.filename), caption=caption
    )
