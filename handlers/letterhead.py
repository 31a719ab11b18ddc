"""``/letterhead`` for a unit's officials: the letter's issuer, number sign, place, recipients and
signer as they will print, and the e-mail of the office above; each changed by typing it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import EditLetterhead, LetterPart
from handlers.files import FileMaker
from handlers.filters import is_command
from handlers.replies import Answerable, refused_unless_official, reply_target
from handlers.states import LetterheadFlow
from handlers.texts import escape
from scheduler.clock import Clock
from storage.letterheads import (
    LetterheadProblem,
    letterhead_of,
    set_letterhead,
    set_report_email,
    typed,
    with_typed,
)
from storage.models import RoleKind, Unit
from storage.people import Member
from storage.update_work import UpdateWork, commit_now

UNIT = "letterhead_unit"
# A unit's officials see their letterheads one message each; more units than this are rare.
SHOWN = 3
# Typing "-" as the e-mail removes it.
NONE = "-"


def build_router() -> Router:
    router = Router(name="letterhead")
    router.message.register(show_letterhead, Command("letterhead"))
    router.callback_query.register(ask_part, EditLetterhead.filter())
    router.message.register(cancel, StateFilter(LetterheadFlow), Command("cancel"))
    router.message.register(take_part, StateFilter(LetterheadFlow), F.text)
    router.message.register(not_text, StateFilter(LetterheadFlow), ~F.text)
    return router


def _official_unit(member: Member, unit_id: int) -> Unit | None:
    """The unit, if ``member`` is one of its officials now."""
    return next((u for u in member.units(RoleKind.OFFICIAL) if u.id == unit_id), None)


def _labels() -> dict[LetterPart, str]:
    return {
        LetterPart.ISSUER: _("🏛 Issuing body"),
        LetterPart.SIGN: _("🔢 Number sign"),
        LetterPart.PLACE: _("📍 Place"),
        LetterPart.RECIPIENTS: _("📨 Recipients"),
        LetterPart.SIGNER: _("✍️ Signer"),
        LetterPart.EMAIL: _("📧 E-mail of the office above"),
    }


def _buttons(unit: Unit) -> InlineKeyboardMarkup:
    assert unit.id is not None
    builder = InlineKeyboardBuilder()
    for part, label in _labels().items():
        builder.button(text=label, callback_data=EditLetterhead(unit_id=unit.id, part=part))
    builder.adjust(2)
    return builder.as_markup()


async def _show(
    message: Answerable,
    session: AsyncSession,
    unit: Unit,
    files: FileMaker,
    now: datetime,
    *,
    saved: bool = False,
) -> None:
    letterhead = await letterhead_of(session=session, unit=unit)
    lines = files.letterhead_preview(letterhead, today=now.date())
    head = _("Saved.") + " " if saved else ""
    head += _("The letters of {unit} will print:").format(unit=escape(unit.name))
    email = unit.report_email or _("none yet")
    text = "\n".join(
        [
            head,
            "",
            *(escape(line) for line in lines),
            "",
            _("Signed reports go by e-mail to: {email}").format(email=escape(email)),
            _("Press a button to change a part."),
        ]
    )
    await message.answer(text, reply_markup=_buttons(unit))


def _now(clock: Clock, default_timezone: str) -> datetime:
    """Local now, for the preview's date line (a letterhead belongs to no campaign)."""
    return clock.now().astimezone(ZoneInfo(default_timezone))


async def show_letterhead(
    message: Message,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    files: FileMaker,
    default_timezone: str,
) -> None:
    if await refused_unless_official(message, member):
        return
    for unit in member.units(RoleKind.OFFICIAL)[:SHOWN]:
        await _show(message, session, unit, files, _now(clock, default_timezone))


def _prompt(part: LetterPart) -> str:
    prompts = {
        LetterPart.ISSUER: _(
            "Send the issuing body as it prints, one line each: the level above (may be left "
            "out), then the body itself, e.g.\nThành ủy Hà Nội\nBan Tuyên giáo và Dân vận"
        ),
        LetterPart.SIGN: _(
            "Send the sign that follows «BC/» in the letter's number, e.g. ĐU or BTGDVTU."
        ),
        LetterPart.PLACE: _("Send the place name of the date line, e.g. Hà Nội."),
        LetterPart.RECIPIENTS: _(
            "Send the recipients, one per line, the purpose in brackets, e.g.\n"
            "Thường trực Đảng ủy (để báo cáo)\nNhư trên (để phối hợp)\n"
            "A line starting with «Lưu» is the archive line."
        ),
        LetterPart.SIGNER: _(
            "Send the signing block as it prints, one line each: «T/M ĐẢNG ỦY» (on behalf of) "
            "or «K/T TRƯỞNG BAN» (for the head), then the signer's title, then the name, e.g.\n"
            "K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN\nNguyễn Hoàng Sơn"
        ),
        LetterPart.EMAIL: _(
            "Send the e-mail address of the office your unit reports to, or «-» to remove it."
        ),
    }
    return prompts[part]


async def ask_part(
    callback: CallbackQuery,
    callback_data: EditLetterhead,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    unit = _official_unit(member, callback_data.unit_id)
    if unit is None:  # forged, or no longer an official there
        await message.answer(_("This choice is no longer available."))
        return
    part = callback_data.part
    if part is LetterPart.EMAIL:
        now = unit.report_email or _("none yet")
    else:
        now = typed(await letterhead_of(session=session, unit=unit), part.value)
    await state.set_state(getattr(LetterheadFlow, part.value))
    await state.update_data({UNIT: unit.id})
    await message.answer(
        "\n\n".join(
            [
                _prompt(part),
                _("Now:") + "\n" + escape(now),
                _("/cancel keeps it as it is."),
            ]
        )
    )


async def _unit_in_flow(state: FSMContext, member: Member) -> Unit | None:
    unit_id = (await state.get_data()).get(UNIT)
    return _official_unit(member, unit_id) if isinstance(unit_id, int) else None


async def take_part(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    files: FileMaker,
    default_timezone: str,
) -> None:
    if await is_command(message) or message.text in {_(key) for key in keyboards.MENU_KEYS}:
        # Another command (/help, /export) or a menu key is not the letterhead's text: stop
        # typing it, and let the command's own handler answer.
        await state.clear()
        raise SkipHandler
    unit = await _unit_in_flow(state, member)
    current = await state.get_state()
    if unit is None or current is None:
        await state.clear()
        await message.answer(_("This choice is no longer available."))
        return
    part = LetterPart(current.rpartition(":")[2])
    text = message.text or ""
    try:
        if part is LetterPart.EMAIL:
            email = None if text.strip() == NONE else text
            await set_report_email(session=session, unit=unit, email=email)
        else:
            letterhead = await letterhead_of(session=session, unit=unit)
            changed = with_typed(letterhead, part.value, text)
            await set_letterhead(session=session, unit=unit, letterhead=changed)
    except LetterheadProblem as problem:
        await message.answer(problem_text(problem) + "\n" + _("/cancel keeps it as it is."))
        return
    # "Saved" promises it is stored: commit before saying so.
    await commit_now(uow)
    await state.clear()
    await _show(message, session, unit, files, _now(clock, default_timezone), saved=True)


def problem_text(problem: LetterheadProblem) -> str:
    """What is wrong, politely, in the reader's language."""
    reason, part, limit = problem.reason, problem.part, problem.limit
    if reason == "empty":
        return _("This part cannot be empty.")
    if reason == "too_long":
        return _("Too long: at most {limit} characters a line.").format(limit=limit)
    if reason == "too_many" and part == "issuer":
        return _("At most two lines: the level above, then the issuing body.")
    if reason == "too_many":
        return _("At most {limit} recipients.").format(limit=limit)
    if reason == "one_line":
        return _("One line only, please.")
    if reason == "bad_sign":
        return _("The sign takes letters, digits, «-» or «.», no spaces: ĐU, BTGDVTU.")
    if reason == "bad_email":
        return _("That is not an e-mail address (like vanphong@example.org).")
    return _(
        "Write the block as it prints, one line each: «T/M ĐẢNG ỦY» or «K/T TRƯỞNG BAN», "
        "then the signer's title, then the name."
    )


async def not_text(message: Message) -> None:
    await message.answer(_("Please type it as text. /cancel keeps it as it is."))


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped: the letterhead is as it was."))
