"""The buttons under each comment an official sees: «Reply» (then the answer is typed),
«Hide», «Spam», and «📷» when it has photos. The same rules as ``/reply``, ``/hide`` and
``/spam``: the same functions."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import CommentAction, ModerateComment
from handlers.comment_photos import show_photos
from handlers.filters import is_command
from handlers.moderation import apply_moderation, comment_for, send_reply
from handlers.replies import refused_unless_official, reply_target
from handlers.states import ReplyFlow
from scheduler.clock import Clock
from services.oversight import Outreach
from storage.comments import Moderation
from storage.models import Comment
from storage.people import Member

REPLY_TO = "reply_to"


def build_router() -> Router:
    router = Router(name="moderation_buttons")
    router.callback_query.register(act, ModerateComment.filter())
    router.message.register(cancel, ReplyFlow.writing, Command("cancel"))
    router.message.register(write_reply, ReplyFlow.writing, F.text)
    return router


async def act(
    callback: CallbackQuery,
    callback_data: ModerateComment,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    channel: str,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    if not isinstance(message, Message) or await refused_unless_official(message, member):
        return
    comment = await session.get(Comment, callback_data.comment_id)
    if comment is None:
        await message.answer(_("This choice is no longer available."))
        return
    if callback_data.action is CommentAction.PHOTOS:
        await show_photos(message, session, member, channel, comment)
        return
    if callback_data.action is not CommentAction.REPLY:
        action = Moderation(callback_data.action.value)
        await apply_moderation(message, session, member, clock, action, comment.receipt)
        return
    if await comment_for(message, session, member, comment.receipt) is None:
        return
    await state.set_state(ReplyFlow.writing)
    await state.update_data({REPLY_TO: comment.receipt})
    await message.answer(
        _("Write your answer to comment {code} (/cancel to stop):").format(code=comment.receipt)
    )


async def write_reply(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    outreach: Outreach,
    i18n: I18n,
) -> None:
    if await is_command(message):  # a command nobody else took: not an answer
        await cancel(message, state)
        return
    code = (await state.get_data()).get(REPLY_TO)
    if not isinstance(code, str) or await refused_unless_official(message, member):
        await state.clear()
        return
    if await send_reply(message, session, member, clock, outreach, i18n, code, message.text or ""):
        await state.clear()


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped: no answer was sent."))
