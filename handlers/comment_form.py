"""Inside a comment: its text and files, anonymous or named, the phone number, sending."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Document,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    Voice,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import comment_keyboards, comment_questions, comment_texts, keyboards
from handlers.comment_draft import MAX_ATTACHMENTS, CommentDraft, DraftFile
from handlers.comment_state import current, written
from handlers.format import moment, thousands
from handlers.media import keep_copies
from handlers.replies import Answerable, reply_target
from handlers.states import CommentFlow
from scheduler.clock import Clock
from storage.comments import MAX_NAME, CommentLimits, Outcome, clean_name, submit_comment
from storage.entries import Target
from storage.forms import MAX_TEXT, InvalidValue, clean_text
from storage.keys import ServerKey
from storage.people import Member
from storage.phones import InvalidPhone, parse_phone
from storage.update_work import UpdateWork, commit_now

_PAST_QUESTIONS = (CommentFlow.naming.state, CommentFlow.phone.state, CommentFlow.confirming.state)


async def resume(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    """Ask again what the current step asks."""
    step = await state.get_state()
    if step == CommentFlow.choosing.state:
        await message.answer(_("Please choose with the buttons above, or send /cancel."))
        return
    found = await current(state, session)
    if found is None:
        return
    draft, target = found
    asking = step in (CommentFlow.category.state, CommentFlow.place.state)
    if asking or (step in _PAST_QUESTIONS and draft.pending() is not None):
        # A question to answer, or asked again: a campaign-wide code scanned after a ward's.
        await comment_questions.ask_next(message, state, session, draft, target)
    elif step == CommentFlow.writing.state:
        if draft.empty:
            await message.answer(
                comment_texts.greeting(target), reply_markup=comment_keyboards.writing(target)
            )
        else:
            await _noted(message, draft)
    elif step == CommentFlow.naming.state:
        await message.answer(_("What name should we show with your comment?"))
    elif step == CommentFlow.phone.state:
        await _ask_phone(message)
    elif step == CommentFlow.confirming.state:
        await _confirm(message, draft, target)


async def _noted(message: Answerable, draft: CommentDraft) -> None:
    await message.answer(
        comment_texts.after_words(draft), reply_markup=comment_keyboards.after_words(draft)
    )


async def _draft(state: FSMContext) -> CommentDraft | None:
    """The draft alone: adding words needs no look at the campaign (sending checks it)."""
    draft = await CommentDraft.load(state)
    if draft is None:
        await state.clear()
    return draft


async def add_text(message: Message, state: FSMContext) -> None:
    draft = await _draft(state)
    if draft is None or not await take_text(message, draft, comment_keyboards.after_words(draft)):
        return
    await draft.save(state)
    await _noted(message, draft)


async def take_text(message: Message, draft: CommentDraft, keyboard: InlineKeyboardMarkup) -> bool:
    """Add a typed message to ``draft`` (not saved), or say why not; ``keyboard`` goes with a
    refusal that leaves the draft as it was. Shared with an official's recorded letter."""
    try:
        text = clean_text(message.text or "", max_length=MAX_TEXT)
    except InvalidValue as error:
        if error.reason == "too_long":
            await message.answer(_too_long(error))
        else:
            await message.answer(_("The message is empty. Please type your comment."))
        return False
    if not _append(draft, text):
        await message.answer(
            _(
                "Together with what you already wrote this is more than {limit} characters. "
                "Please send this comment first, then the rest as a new one."
            ).format(limit=thousands(MAX_TEXT)),
            reply_markup=keyboard,
        )
        return False
    return True


def _too_long(error: InvalidValue) -> str:
    return _(
        "This message has {length} characters; a comment takes at most {limit}. "
        "Please split it and send the parts as separate comments."
    ).format(length=thousands(error.details["length"]), limit=thousands(MAX_TEXT))


def _append(draft: CommentDraft, text: str) -> bool:
    combined = f"{draft.text}\n\n{text}" if draft.text else text
    if len(combined) > MAX_TEXT:
        return False
    draft.text = combined
    return True


async def add_file(message: Message, state: FSMContext) -> None:
    draft = await _draft(state)
    if draft is None:
        return
    acknowledge = await take_file(message, draft)
    await draft.save(state)
    if acknowledge:
        await _noted(message, draft)


async def take_file(message: Message, draft: CommentDraft) -> bool:
    """Add a photo, voice note or file (and its caption) to ``draft`` (not saved); whether to
    acknowledge it (not for an album's later photos, nor past the limit). Shared with an
    official's recorded letter."""
    if len(draft.files) >= MAX_ATTACHMENTS:
        await message.answer(
            _("A comment can carry at most {count} files.").format(count=MAX_ATTACHMENTS)
        )
        return False
    media: PhotoSize | Voice | Document
    if message.photo:
        # Telegram sends each photo in several sizes, the largest last.
        kind, media = "photo", message.photo[-1]
    elif message.voice:
        kind, media = "voice", message.voice
    else:
        assert message.document is not None
        kind, media = "document", message.document
    draft.files.append(
        DraftFile(kind=kind, file_id=media.file_id, file_unique_id=media.file_unique_id)
    )
    caption_fits = True
    if message.caption:
        with contextlib.suppress(InvalidValue):
            caption_fits = _append(draft, clean_text(message.caption, max_length=MAX_TEXT))
    # An album arrives as one message per photo: acknowledge it once, not once per photo.
    quiet = message.media_group_id is not None and message.media_group_id == draft.album
    draft.album = message.media_group_id
    if not caption_fits:
        await message.answer(_("The caption did not fit the length limit and was left out."))
    return not quiet


async def not_content(message: Message) -> None:
    await message.answer(
        _(
            "A comment can be text, photos (of a handwritten letter, say), a voice message "
            "or a file. Stickers, locations and contacts cannot be used. Please type your "
            "comment."
        )
    )


async def _ready(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession
) -> tuple[CommentDraft, Target] | None:
    """The draft and its target when the words are written and the questions answered; else
    ask for what is missing (an old «send» button must not skip the questions)."""
    found = await written(callback, state, session)
    if found is None:
        return None
    draft, target = found
    if draft.pending() is not None:
        await comment_questions.ask_next(reply_target(callback), state, session, draft, target)
        return None
    return found


async def anonymous(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    found = await _ready(callback, state, session)
    if found is None:
        return
    draft, target = found
    draft.anonymous, draft.name, draft.phone = True, None, None
    await draft.save(state)
    await state.set_state(CommentFlow.confirming)
    await _confirm(reply_target(callback), draft, target)


async def named(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, member: Member
) -> None:
    if await _ready(callback, state, session) is None:
        return
    await state.set_state(CommentFlow.naming)
    await reply_target(callback).answer(
        _("What name should we show with your comment?"),
        reply_markup=comment_keyboards.name(member.person.full_name),
    )


async def type_name(message: Message, state: FSMContext, session: AsyncSession) -> None:
    name = typed_name(message)
    if name is None:
        await message.answer(
            _("Please type your name in letters, at most {limit} characters.").format(
                limit=MAX_NAME
            )
        )
        return
    await _set_name(message, state, session, name)


def typed_name(message: Message) -> str | None:
    """The name typed (spaces folded), or None unless it has letters and fits ``MAX_NAME``."""
    return clean_name(message.text or "")


async def use_name(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, member: Member
) -> None:
    await callback.answer()
    name = " ".join(member.person.full_name.split())[:MAX_NAME]
    await _set_name(reply_target(callback), state, session, name)


async def _set_name(
    message: Answerable, state: FSMContext, session: AsyncSession, name: str
) -> None:
    found = await current(state, session)
    if found is None:
        return
    draft, _target = found
    draft.anonymous, draft.name = False, name
    await draft.save(state)
    await state.set_state(CommentFlow.phone)
    await _ask_phone(message)


async def _ask_phone(message: Answerable) -> None:
    await message.answer(
        _(
            "Your phone number, if you would like the organisers to be able to call you "
            "(optional). For example 0912 345 678."
        ),
        reply_markup=comment_keyboards.phone(),
    )


async def type_phone(message: Message, state: FSMContext, session: AsyncSession) -> None:
    try:
        phone = parse_phone(message.text or "")
    except InvalidPhone:
        await message.answer(
            _(
                "That does not look like a Vietnamese phone number. Please type it like "
                "0912 345 678 or +84 912 345 678, or press «Skip»."
            ),
            reply_markup=comment_keyboards.phone(),
        )
        return
    await _to_confirm(message, state, session, phone)


async def skip_phone(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await callback.answer()
    await _to_confirm(reply_target(callback), state, session, None)


async def _to_confirm(
    message: Answerable, state: FSMContext, session: AsyncSession, phone: str | None
) -> None:
    found = await current(state, session)
    if found is None:
        return
    draft, target = found
    draft.phone = phone
    await draft.save(state)
    await state.set_state(CommentFlow.confirming)
    await _confirm(message, draft, target)


async def _confirm(message: Answerable, draft: CommentDraft, target: Target) -> None:
    await message.answer(
        comment_texts.summary(draft, target), reply_markup=comment_keyboards.confirm()
    )


async def more(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(CommentFlow.writing)
    await reply_target(callback).answer(
        _("Send more text or photos; then choose how to send your comment."),
        reply_markup=comment_keyboards.identity(),
    )


async def send(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    channel: str,
    comment_limits: CommentLimits,
    bot: Bot,
    media_dir: Path | None,
    server_key: ServerKey,
) -> None:
    found = await current(state, session)
    message = reply_target(callback)
    if found is None:
        await callback.answer()
        await message.answer(_("This choice is no longer available."))
        return
    draft, target = found
    now = clock.now()
    tz = target.campaign.timezone
    attachments = draft.attachments()
    submitted = await submit_comment(
        session=session,
        target=target,
        person=member.person,
        key=server_key,
        text=draft.text,
        attachments=attachments,
        identity=draft.identity(),
        channel=channel,
        now=now,
        limits=comment_limits,
        details=draft.details(),
    )
    if submitted.outcome is Outcome.RATE_LIMITED:
        # The draft stays: the same button works once the hour has passed.
        assert submitted.retry_at is not None
        await callback.answer()
        await message.answer(too_many(comment_limits, submitted.retry_at, tz))
        return
    # The receipt promises the comment is stored: commit before answering anything. The draft
    # is dropped only after that: a crash in between leaves it, and the same press (re-delivered)
    # finds the stored comment (the same words: a duplicate) and resends its receipt.
    await commit_now(uow)
    await state.clear()
    await callback.answer()
    await close_buttons(callback)
    menu = keyboards.main_menu(member)
    if submitted.outcome is Outcome.CLOSED:
        await message.answer(
            _("The consultation ended at {time}; your comment could not be sent.").format(
                time=moment(target.campaign.ends_at, tz)
            ),
            reply_markup=menu,
        )
        return
    comment = submitted.comment
    assert comment is not None
    if submitted.outcome is Outcome.DUPLICATE:
        await message.answer(
            _("You sent this comment already at {time} (receipt {code}); it is kept once.").format(
                time=moment(comment.created_at, tz), code=comment.receipt
            ),
            reply_markup=menu,
        )
        return
    await message.answer(comment_texts.receipt(now, comment.receipt, tz), reply_markup=menu)
    if media_dir is not None and attachments:
        await keep_copies(bot=bot, session=session, comment=comment, folder=media_dir)


async def close_buttons(callback: CallbackQuery) -> None:
    if isinstance(callback.message, Message):
        # Cosmetic, and refused for messages older than 48 hours: never in the way.
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[])
            )


def too_many(limits: CommentLimits, frees_at: datetime, tz: str) -> str:
    return _(
        "You have sent {count} comments in the last hour, the most we take. "
        "You can send again from {time}. Thank you for your patience."
    ).format(count=limits.per_hour, time=moment(frees_at, tz))


async def use_buttons(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await message.answer(_("Please answer with the buttons below, or send /cancel."))
    await resume(message, state, session)


async def stale(callback: CallbackQuery) -> None:
    """A button of a comment that was already sent or cancelled."""
    await callback.answer(
        _("This comment is closed. Send /comment to write a new one."), show_alert=True
    )
