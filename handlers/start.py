"""Joining: ``/start`` with an invite (deep link or typed code) binds a person to a unit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.commands import publish_for_chat
from handlers.filters import typed_invite
from handlers.texts import escape
from scheduler.clock import Clock
from storage.codes import invite_from_text
from storage.invites import RedeemOutcome, redeem_invite
from storage.keys import ServerKey
from storage.models import RoleKind
from storage.people import Member, load_member
from storage.update_work import UpdateWork, commit_now


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start_with_payload, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    # Those who cannot open a deep link type the bare code printed under the QR.
    router.message.register(typed_code, typed_invite)
    return router


async def start(message: Message, member: Member) -> None:
    if member.roles:
        units = ", ".join(escape(unit.name) for _role, unit in member.roles)
        text = _("Welcome back! You act for: {units}.").format(units=units)
    else:
        text = _(
            "Hello! This is gopy, the bot for comments on the draft documents. "
            "Press «✍️ Comment on the drafts» to send yours. "
            "Party cell secretaries: send the invite code your ward gave you."
        )
    await message.answer(text, reply_markup=keyboards.main_menu(member))


async def start_with_payload(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    state: FSMContext,
    server_key: ServerKey,
    default_timezone: str,
    bot: Bot,
) -> None:
    code = invite_from_text(command.args or "")
    if code is None:
        await message.answer(
            _("This link or code is not valid. Please check it, or ask your ward for a new one.")
        )
        await start(message, member)
        return
    await _redeem(message, code, uow, member, clock, bot, server_key, default_timezone)


async def typed_code(
    message: Message,
    code: str,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    bot: Bot,
    server_key: ServerKey,
    default_timezone: str,
) -> None:
    await _redeem(message, code, uow, member, clock, bot, server_key, default_timezone)


async def _redeem(
    message: Message,
    code: str,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    bot: Bot,
    key: ServerKey,
    tz: str,
) -> None:
    session = uow.session
    result = await redeem_invite(
        session=session, code=code, person=member.person, key=key, now=clock.now()
    )
    if result.outcome is RedeemOutcome.THROTTLED:
        assert result.retry_at is not None
        when = result.retry_at.astimezone(ZoneInfo(tz)).strftime("%H:%M")
        await message.answer(
            _(
                "You have entered a wrong code too many times. Please try again after {time}."
            ).format(time=when)
        )
        return
    if result.outcome is RedeemOutcome.UNKNOWN:
        await message.answer(
            _("This invite code is not valid. Please check it, or ask your ward for a new one.")
        )
        return
    if result.outcome is RedeemOutcome.EXPIRED:
        await message.answer(
            _("This invite code has expired. Please ask your ward for a new one.")
        )
        return
    if result.outcome is RedeemOutcome.USED:
        await message.answer(
            _(
                "This invite code has already been used. Each code works once; "
                "please ask your ward for a new one."
            )
        )
        return
    await commit_now(uow)
    assert result.unit is not None
    member = await load_member(session=session, person=member.person)
    name = escape(result.unit.name)
    if result.role is RoleKind.SECRETARY:
        text = _(
            "Welcome! You are now the secretary of {unit}. "
            "Press «📝 Weekly report» or send /report to file this week's report."
        ).format(unit=name)
    else:
        text = _("Welcome! You are now an official of {unit}.").format(unit=name)
    await message.answer(text, reply_markup=keyboards.main_menu(member))
    i18n = get_i18n()
    await publish_for_chat(bot, message.chat.id, member, i18n, i18n.current_locale)
