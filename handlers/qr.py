"""``/qr`` for officials: the QR code and A5 poster of a draft, a section, or the quick report.

The poster comes as a PDF (print it as it is); the QR code alone as a photo, for a group chat
or a slide. What the code opens is decided by the ``files`` maker (``bot.poster_links``): the
landing page, a Telegram deep link, or no code at all, with a note saying how to get one.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import PickDraft, ReportQr
from handlers.comment_texts import target_name
from handlers.files import FileMaker, Poster, Reach
from handlers.pickers import choose_campaign, choose_within
from handlers.replies import Answerable, refused_unless_official, reply_target
from handlers.texts import escape
from scheduler.clock import Clock
from storage.codes import entry_label
from storage.entries import Target, entry_for
from storage.models import Campaign
from storage.people import Member
from storage.posters import Printer, has_hosted_draft, printable_campaigns, printer
from storage.update_work import UpdateWork, commit_now

QR = "qr"


def build_router() -> Router:
    router = Router(name="qr")
    router.message.register(ask_qr, Command("qr"))
    router.message.register(ask_qr, keyboards.MenuButton(keyboards.MENU_QR))
    router.callback_query.register(pick_qr, PickDraft.filter(F.purpose == QR))
    router.callback_query.register(report_qr, ReportQr.filter())
    return router


async def ask_qr(
    message: Message,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    files: FileMaker,
    channel: str,
) -> None:
    if await refused_unless_official(message, member):
        return
    campaigns = await printable_campaigns(session=session, member=member, limit=10)
    if not campaigns:
        await message.answer(_("No campaign of your unit to print a QR code for."))
        return
    assert campaigns[0].id is not None
    report = InlineKeyboardButton(
        text=_("📝 Quick report poster for secretaries"),
        callback_data=ReportQr(campaign_id=campaigns[0].id).pack(),
    )
    target = await choose_campaign(message, session, campaigns, QR, also=[report])
    if target is not None:
        await _send_entry(message, uow, member, target, clock, files, channel)
        # No list was shown to carry the quick report's button: it comes on its own.
        await message.answer(
            _("Or the quick report poster for secretaries:"),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[report]]),
        )


async def pick_qr(
    callback: CallbackQuery,
    callback_data: PickDraft,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    files: FileMaker,
    channel: str,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    if await _printer(session, member, callback_data.campaign_id) is None:
        await message.answer(_("This choice is no longer available."))
        return
    target = await choose_within(message, session, callback_data)
    if target is not None:
        await _send_entry(message, uow, member, target, clock, files, channel)


async def _send_entry(
    message: Answerable,
    uow: UpdateWork,
    member: Member,
    target: Target,
    clock: Clock,
    files: FileMaker,
    channel: str,
) -> None:
    session = uow.session
    # A ward's official prints the ward's code (its comments count for the ward); the
    # campaign's own officials (and those above) print the campaign-wide one.
    found = await printer(session=session, member=member, campaign=target.campaign)
    assert found is not None
    entry = await entry_for(session=session, target=target, now=clock.now(), unit=found.owner)
    # The code must exist before anyone can scan it.
    await commit_now(uow)
    poster = files.comment_poster(
        target=target,
        code=entry.code,
        reach=Reach.in_chat(channel, await _bot_name(message)),
        hosted_draft=await has_hosted_draft(session=session, target=target),
        footer=found.unit.name,
        fmt="pdf",
    )
    lines = [f"<b>{escape(target_name(target))}</b>"]
    if poster.link is not None:
        lines.append(escape(poster.link))
    lines.append(_("Code to type: {code}").format(code=poster.typed))
    await _send(message, poster, slug=entry_label(entry.code).lower(), lines=lines)


async def report_qr(
    callback: CallbackQuery,
    callback_data: ReportQr,
    session: AsyncSession,
    member: Member,
    files: FileMaker,
    channel: str,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    found = await _printer(session, member, callback_data.campaign_id)
    if found is None:
        await message.answer(_("This choice is no longer available."))
        return
    reach = Reach.in_chat(channel, await _bot_name(message))
    poster = files.report_poster(reach=reach, footer=found.unit.name, fmt="pdf")
    head = _("Quick report for secretaries: {link}").format(link=poster.link or poster.typed)
    await _send(message, poster, slug="report", lines=[escape(head)])


async def _printer(session: AsyncSession, member: Member, campaign_id: int) -> Printer | None:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    return await printer(session=session, member=member, campaign=campaign)


async def _send(message: Answerable, poster: Poster, *, slug: str, lines: list[str]) -> None:
    """The code as a photo with what it is (or the text alone, without a code), then the
    poster to print."""
    caption = "\n".join([*lines, escape(poster.note)] if poster.note else lines)
    if poster.qr is not None:
        photo = BufferedInputFile(poster.qr, filename=f"{slug}.png")
        await message.answer_photo(photo, caption=caption)
    else:
        await message.answer(caption)
    if poster.page is not None:
        await message.answer_document(
            BufferedInputFile(poster.page, filename=f"poster-{slug}.pdf"),
            caption=_("A5 poster, ready to print."),
        )


async def _bot_name(message: Answerable) -> str | None:
    bot = message.bot
    assert bot is not None
    # aiogram keeps getMe's answer for the life of the Bot.
    me = await bot.me()
    return me.username
