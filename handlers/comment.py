"""The citizen's comment: its router, and opening one (a poster's QR, or choosing a draft).

The steps inside a comment (text, photos, name, phone, sending) are in ``comment_form``.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import comment_form, comment_keyboards, comment_questions, keyboards
from handlers.callbacks import (
    CommentCategory,
    CommentNav,
    CommentPlace,
    CommentStance,
    PickDraft,
    Step,
    SwitchEntry,
)
from handlers.comment_draft import CommentDraft
from handlers.comment_texts import greeting
from handlers.filters import (
    entry_payload,
    has_attachment,
    has_text,
    is_command,
    mistyped_entry,
    typed_entry,
)
from handlers.format import moment
from handlers.pickers import choose_campaign, choose_within
from handlers.replies import Answerable, acknowledge, reply_target
from handlers.states import CommentFlow, ReportFlow
from handlers.texts import escape
from scheduler.clock import Clock
from storage.campaigns import campaigns_taking_comments
from storage.comments import CommentLimits, is_open, rate_limited_until
from storage.entries import Entry, Target, resolve_entry, target_of
from storage.keys import ServerKey
from storage.people import Member
from storage.places import place_name

COMMENT = "comment"


def build_router() -> Router:
    router = Router(name="comment")
    in_comment = StateFilter(CommentFlow)
    # A report in progress keeps its own rules for interruptions (handlers.report).
    free = ~StateFilter(ReportFlow)
    router.message.register(open_entry, free, CommandStart(deep_link=True), entry_payload)
    router.message.register(open_entry, free, typed_entry)
    # A smudged or mistyped code: say so and how codes look, whatever was in progress stays.
    router.message.register(unknown_entry, free, mistyped_entry)
    router.callback_query.register(switch_entry, free, SwitchEntry.filter())
    router.message.register(cancel, in_comment, Command("cancel"))
    router.callback_query.register(cancel, in_comment, CommentNav.filter(F.step == Step.CANCEL))
    router.callback_query.register(keep, in_comment, CommentNav.filter(F.step == Step.KEEP))
    # Other commands and menu keys mid-comment neither become its text nor lose it.
    router.message.register(interrupted, in_comment, is_command)
    for key in keyboards.MENU_KEYS:
        router.message.register(interrupted, in_comment, keyboards.MenuButton(key))
    router.message.register(open_picker, free, Command("comment"))
    router.message.register(open_picker, free, keyboards.MenuButton(keyboards.MENU_COMMENT))
    router.callback_query.register(pick, free, PickDraft.filter(F.purpose == COMMENT))

    asks = comment_questions
    router.callback_query.register(asks.stance, CommentFlow.writing, CommentStance.filter())
    router.callback_query.register(asks.category, CommentFlow.category, CommentCategory.filter())
    router.callback_query.register(asks.pick_place, CommentFlow.place, CommentPlace.filter())
    router.message.register(asks.type_place, CommentFlow.place, has_text)
    router.message.register(asks.not_place, CommentFlow.place)
    # A question's button from an older message: ask what the comment needs now.
    for question in (CommentStance, CommentCategory, CommentPlace):
        router.callback_query.register(keep, in_comment, question.filter())

    form = comment_form
    router.message.register(form.add_text, CommentFlow.writing, has_text)
    router.message.register(form.add_file, CommentFlow.writing, has_attachment)
    router.message.register(form.not_content, CommentFlow.writing)
    on = CommentNav.filter
    router.callback_query.register(
        form.anonymous, CommentFlow.writing, on(F.step == Step.ANONYMOUS)
    )
    router.callback_query.register(form.named, CommentFlow.writing, on(F.step == Step.NAMED))
    router.message.register(form.type_name, CommentFlow.naming, has_text)
    router.callback_query.register(form.use_name, CommentFlow.naming, on(F.step == Step.USE_NAME))
    router.message.register(form.type_phone, CommentFlow.phone, has_text)
    router.callback_query.register(
        form.skip_phone, CommentFlow.phone, on(F.step == Step.SKIP_PHONE)
    )
    router.callback_query.register(form.send, CommentFlow.confirming, on(F.step == Step.SEND))
    router.callback_query.register(form.more, CommentFlow.confirming, on(F.step == Step.MORE))
    router.message.register(form.use_buttons, in_comment)
    for closed in (CommentNav, CommentStance, CommentCategory, CommentPlace):
        router.callback_query.register(form.stale, closed.filter())
    return router


async def open_entry(
    message: Message,
    entry_code: str,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    comment_limits: CommentLimits,
    server_key: ServerKey,
) -> None:
    entry = await resolve_entry(session=session, code=entry_code)
    if entry is None:
        await message.answer(
            _(
                "This QR code is not known, or its poster has been replaced. "
                "Please check the code, or choose a draft with /comment."
            ),
            reply_markup=keyboards.main_menu(member),
        )
        return
    target = entry.target
    current = await _draft_in_progress(state)
    if current is not None and _same(current, target):
        # The same text's poster scanned again: carry on with what is written; where the
        # comment counts follows the poster (another ward's, or a campaign-wide one).
        if _follow(current, entry):
            await current.save(state)
        await comment_form.resume(message, state, session)
        return
    if current is not None:
        shown = await target_of(
            session=session,
            campaign_id=current.campaign_id,
            document_id=current.document_id,
            section_id=current.section_id,
        )
        if shown is not None:
            await message.answer(
                _("You are writing a comment already; it is kept. What would you like to do?"),
                reply_markup=comment_keyboards.switch(shown, target, entry_code),
            )
            return
    await begin(message, state, session, member, entry, clock, comment_limits, server_key)


async def unknown_entry(message: Message) -> None:
    await message.answer(
        _(
            "No poster has this code. A poster's code looks like GY-7K3QM: GY and 5 letters or "
            "digits, with no O, I, L, U, 0 or 1. Please check it, or choose a draft with "
            "/comment."
        )
    )


async def switch_entry(
    callback: CallbackQuery,
    callback_data: SwitchEntry,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    comment_limits: CommentLimits,
    server_key: ServerKey,
) -> None:
    await callback.answer()
    entry = await resolve_entry(session=session, code=callback_data.code)
    message = reply_target(callback)
    if entry is None:
        await message.answer(_("This choice is no longer available."))
        return
    await begin(message, state, session, member, entry, clock, comment_limits, server_key)


async def open_picker(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    comment_limits: CommentLimits,
    server_key: ServerKey,
) -> None:
    campaigns = await campaigns_taking_comments(session=session, now=clock.now())
    if not campaigns:
        await message.answer(
            _("No consultation is taking comments right now. Thank you for your interest."),
            reply_markup=keyboards.main_menu(member),
        )
        return
    await state.set_state(CommentFlow.choosing)
    target = await choose_campaign(message, session, campaigns, COMMENT)
    if target is not None:
        await begin(
            message, state, session, member, Entry(target), clock, comment_limits, server_key
        )


async def pick(
    callback: CallbackQuery,
    callback_data: PickDraft,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    comment_limits: CommentLimits,
    server_key: ServerKey,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    if await _draft_in_progress(state) is not None:
        # An old list's button must not throw away the comment being written.
        await interrupted(message, state, session)
        return
    target = await choose_within(message, session, callback_data)
    if target is not None:
        await begin(
            message, state, session, member, Entry(target), clock, comment_limits, server_key
        )


async def begin(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    entry: Entry,
    clock: Clock,
    limits: CommentLimits,
    server_key: ServerKey,
) -> None:
    """Start a comment on what ``entry`` is about: say what it is and ask for the words.

    A comment chosen with /comment has no poster: campaign-wide, it asks the place."""
    target = entry.target
    now = clock.now()
    campaign = target.campaign
    tz = campaign.timezone
    if not is_open(campaign, now):
        await state.clear()
        title = escape(campaign.title)
        if now < campaign.starts_at:
            text = _("The consultation «{title}» opens at {time}. Please come back then.")
            when = campaign.starts_at
        else:
            text = _("The consultation «{title}» ended at {time}. Thank you for your interest.")
            when = campaign.ends_at
        await message.answer(
            text.format(title=title, time=moment(when, tz)),
            reply_markup=keyboards.main_menu(member),
        )
        return
    frees_at = await rate_limited_until(
        session=session, person=member.person, key=server_key, now=now, limits=limits
    )
    if frees_at is not None:
        await state.clear()
        await message.answer(comment_form.too_many(limits, frees_at, tz))
        return
    assert campaign.id is not None
    draft = CommentDraft(
        campaign_id=campaign.id,
        document_id=target.document.id if target.document else None,
        section_id=target.section.id if target.section else None,
    )
    _follow(draft, entry)
    await state.set_state(CommentFlow.writing)
    await draft.save(state)
    await message.answer(greeting(target), reply_markup=comment_keyboards.writing(target))


def _follow(draft: CommentDraft, entry: Entry) -> bool:
    unit = entry.unit
    return draft.follow(unit.id if unit else None, place_name(unit) if unit else None)


def _same(draft: CommentDraft, target: Target) -> bool:
    return (
        draft.campaign_id == target.campaign.id
        and draft.document_id == (target.document.id if target.document else None)
        and draft.section_id == (target.section.id if target.section else None)
    )


async def _draft_in_progress(state: FSMContext) -> CommentDraft | None:
    """The comment being written, if anything is written yet."""
    current = await state.get_state()
    if current is None or not current.startswith(f"{CommentFlow.__full_group_name__}:"):
        return None
    draft = await CommentDraft.load(state)
    return draft if draft is not None and not draft.empty else None


async def cancel(event: Message | CallbackQuery, state: FSMContext, member: Member) -> None:
    message = await acknowledge(event)
    await state.clear()
    await message.answer(
        _("Cancelled. Nothing was sent."), reply_markup=keyboards.main_menu(member)
    )


async def keep(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await callback.answer()
    await comment_form.resume(reply_target(callback), state, session)


async def interrupted(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    await message.answer(
        _(
            "You are in the middle of a comment; what you wrote is kept. "
            "Go on, or send /cancel first."
        )
    )
    await comment_form.resume(message, state, session)
