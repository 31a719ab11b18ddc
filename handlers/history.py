"""``/myreports``: the secretary's reports week by week, with status and a way to amend."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import AmendReport, FileMissed
from handlers.format import moment, period_span, status_label
from handlers.texts import escape
from scheduler.clock import Clock
from services.reporting import assignments, history
from storage.models import RoleKind
from storage.people import Member


def build_router() -> Router:
    router = Router(name="history")
    router.message.register(my_reports, Command("myreports"))
    router.message.register(my_reports, keyboards.MenuButton(keyboards.MENU_HISTORY))
    return router


async def my_reports(
    message: Message, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if not member.has(RoleKind.SECRETARY):
        await message.answer(_("Only party cell secretaries file weekly reports."))
        return
    found = await assignments(session=session, member=member, now=clock.now())
    if not found:
        await message.answer(_("Your cell has no open campaign to report on right now."))
        return
    for item in found:
        tz = item.campaign.timezone
        weeks = await history(session=session, assignment=item, now=clock.now())
        lines = [f"<b>{escape(item.unit.name)}</b> — {escape(item.campaign.title)}"]
        builder = InlineKeyboardBuilder()
        for row in weeks:
            line = _("Week {span}: {status}").format(
                span=period_span(row.period, tz), status=status_label(row.status)
            )
            if row.report is not None:
                line += _(" · {code}, sent {time}").format(
                    code=row.report.receipt, time=moment(row.report.first_submitted_at, tz)
                )
                if row.report.revisions > 1:
                    line += _(" · changed {count} times").format(count=row.report.revisions - 1)
                assert row.report.id is not None
                builder.button(
                    text=_("✏️ Change week {span}").format(span=period_span(row.period, tz)),
                    callback_data=AmendReport(report_id=row.report.id),
                )
            elif row.period.deadline_at <= clock.now():
                assert row.period.id is not None and item.unit.id is not None
                builder.button(
                    text=_("📝 File week {span} late").format(span=period_span(row.period, tz)),
                    callback_data=FileMissed(unit_id=item.unit.id, period_id=row.period.id),
                )
            lines.append(line)
        builder.adjust(1)
        await message.answer("\n".join(lines), reply_markup=builder.as_markup())
