"""Officials: how this week stands (/status, the escalation's button) and /remind."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards, notices
from handlers.callbacks import UnitStatus
from handlers.format import moment
from handlers.replies import refused_unless_official, reply_target
from handlers.texts import escape
from scheduler.clock import Clock
from services.oversight import (
    Outreach,
    Reminded,
    remind_missing,
    status_of_period,
    status_views,
)
from storage.people import Member


def build_router() -> Router:
    router = Router(name="officials")
    router.message.register(show_status, Command("status"))
    router.message.register(show_status, keyboards.MenuButton(keyboards.MENU_STATUS))
    router.message.register(remind, Command("remind"))
    router.callback_query.register(period_status, UnitStatus.filter())
    return router


async def show_status(
    message: Message, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if await refused_unless_official(message, member):
        return
    views = await status_views(session=session, member=member, now=clock.now())
    if not views:
        await message.answer(_("No campaign is taking reports from the units below yours now."))
        return
    for view in views:
        await message.answer(notices.completeness(view).text)


async def period_status(
    callback: CallbackQuery, callback_data: UnitStatus, session: AsyncSession, member: Member
) -> None:
    await callback.answer()
    view = await status_of_period(
        session=session,
        member=member,
        unit_id=callback_data.unit_id,
        period_id=callback_data.period_id,
    )
    if view is None:  # forged, or the person is no longer an official there
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    await reply_target(callback).answer(notices.completeness(view).text)


async def remind(
    message: Message, session: AsyncSession, member: Member, clock: Clock, outreach: Outreach
) -> None:
    if await refused_unless_official(message, member):
        return
    now = clock.now()
    results = await remind_missing(
        session=session,
        member=member,
        now=now,
        render=outreach.render,
        defaults=outreach.defaults,
    )
    if not results:
        await message.answer(_("No campaign is taking reports from the units below yours now."))
        return
    # Queued rows must be committed before the delivery loop looks for them.
    await session.commit()
    if any(r.queued for r in results):
        outreach.wake()
    for result in results:
        await message.answer(remind_text(result, now))


def remind_text(result: Reminded, now: datetime) -> str:
    item = result.item
    tz = item.campaign.timezone
    values = {
        "unit": escape(item.unit.name),
        "deadline": moment(item.period.deadline_at, tz),
        "noun": notices.noun(item.level),
    }
    if result.missing == 0:
        return _("✅ {unit}: all {noun} have filed for the deadline {deadline}.").format(**values)
    lines = [
        _("📣 {unit}: {missing} {noun} have not filed for the deadline {deadline}.").format(
            missing=result.missing, **values
        )
    ]
    if result.queued:
        lines.append(_("Reminders sent: {count}.").format(count=result.queued))
    if result.already:
        lines.append(
            _("{count} of them were already reminded this week; not sent again.").format(
                count=result.already
            )
        )
    if result.nobody:
        lines.append(
            _("No secretary has joined yet: {units}.").format(units=notices.listing(result.nobody))
        )
    if result.blocked:
        lines.append(
            _("Their secretaries blocked the bot: {units}.").format(
                units=notices.listing(result.blocked)
            )
        )
    if result.queued and result.goes_at > now:
        lines.append(
            _("It is quiet hours now: the reminders go at {time}.").format(
                time=moment(result.goes_at, tz)
            )
        )
    return notices.fit(lines)
