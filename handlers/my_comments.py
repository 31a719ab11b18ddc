"""``/mycomments``: a person's own comments with their status, and withdrawing one."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import KeepComment, WithdrawComment
from handlers.comment_texts import own_line
from handlers.format import moment
from handlers.replies import reply_target
from scheduler.clock import Clock
from storage.comments import (
    Withdrawal,
    check_withdrawal,
    is_open,
    own_comments,
    withdraw_comment,
)
from storage.keys import ServerKey
from storage.models import Campaign, CommentStatus
from storage.people import Member
from storage.replies import delivered_replies

LISTED = 10


def build_router() -> Router:
    router = Router(name="my_comments")
    router.message.register(my_comments, Command("mycomments"))
    router.message.register(my_comments, keyboards.MenuButton(keyboards.MENU_MY_COMMENTS))
    router.callback_query.register(withdraw, WithdrawComment.filter())
    router.callback_query.register(keep, KeepComment.filter())
    return router


async def my_comments(
    message: Message, session: AsyncSession, member: Member, clock: Clock, server_key: ServerKey
) -> None:
    views = await own_comments(session=session, person=member.person, key=server_key, limit=LISTED)
    if not views:
        await message.answer(
            _("You have not sent any comment yet. Press «✍️ Comment on the drafts» to start."),
            reply_markup=keyboards.main_menu(member),
        )
        return
    now = clock.now()
    builder = InlineKeyboardBuilder()
    for view in views:
        comment = view.comment
        if comment.status is not CommentStatus.WITHDRAWN and is_open(view.campaign, now):
            assert comment.id is not None
            builder.button(
                text=_("Withdraw {code}").format(code=comment.receipt),
                callback_data=WithdrawComment(comment_id=comment.id),
            )
    builder.adjust(2)
    answered = await delivered_replies(
        session=session, comment_ids=[v.comment.id for v in views if v.comment.id is not None]
    )
    lines = [_("<b>Your latest comments</b>")] + [
        own_line(view, answered=view.comment.id in answered) for view in views
    ]
    await message.answer("\n\n".join(lines), reply_markup=builder.as_markup())


async def withdraw(
    callback: CallbackQuery,
    callback_data: WithdrawComment,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    server_key: ServerKey,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    ask = check_withdrawal if not callback_data.confirmed else withdraw_comment
    outcome, comment = await ask(
        session=session,
        person=member.person,
        key=server_key,
        comment_id=callback_data.comment_id,
        now=clock.now(),
    )
    if comment is None:
        await message.answer(_("This choice is no longer available."))
    elif outcome is Withdrawal.ALLOWED:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("Yes, withdraw {code}").format(code=comment.receipt),
            callback_data=WithdrawComment(comment_id=callback_data.comment_id, confirmed=True),
        )
        builder.button(
            text=_("No, keep it"), callback_data=KeepComment(comment_id=callback_data.comment_id)
        )
        await message.answer(
            _(
                "Withdraw comment {code}? It stays on record but is no longer counted "
                "or passed on. This cannot be undone."
            ).format(code=comment.receipt),
            reply_markup=builder.as_markup(),
        )
    elif outcome is Withdrawal.DONE:
        await message.answer(_("Comment {code} is withdrawn.").format(code=comment.receipt))
    elif outcome is Withdrawal.ALREADY:
        await message.answer(
            _("Comment {code} was already withdrawn.").format(code=comment.receipt)
        )
    else:
        campaign = await session.get(Campaign, comment.campaign_id)
        assert campaign is not None
        await message.answer(
            _(
                "The consultation ended at {time}: comment {code} is part of its record and "
                "can no longer be withdrawn."
            ).format(time=moment(campaign.ends_at, campaign.timezone), code=comment.receipt)
        )


async def keep(
    callback: CallbackQuery,
    callback_data: KeepComment,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    server_key: ServerKey,
) -> None:
    await callback.answer()
    _outcome, comment = await check_withdrawal(
        session=session,
        person=member.person,
        key=server_key,
        comment_id=callback_data.comment_id,
        now=clock.now(),
    )
    if comment is None:
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    await reply_target(callback).answer(
        _("Comment {code} is kept as it is.").format(code=comment.receipt)
    )
