"""``/record``: an official records a comment that reached the unit on paper, at a meeting, by
e-mail or in the comment box: how it came, on which draft, the pages and/or a summary, the
sender's stance, category and name if known, then «Save». It becomes a comment of their unit.

Choosing the draft is the citizens' picker (``handlers.pickers``), and the pages and summary
are taken as a citizen's comment is (``comment_form.take_text`` / ``take_file``).
"""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers import record_texts as texts
from handlers.callbacks import PickDraft, RecordNav, RecordStep
from handlers.comment_form import close_buttons, take_file, take_text, typed_name
from handlers.comment_state import current_of
from handlers.filters import has_text, is_command
from handlers.media import keep_copies
from handlers.pickers import choose_campaign, choose_within
from handlers.record_texts import RecordDraft
from handlers.replies import Answerable, acknowledge, refused_unless_official, reply_target
from handlers.states import CommentFlow, RecordFlow, ReportFlow
from scheduler.clock import Clock
from storage.comments import MAX_NAME, CommentLimits, Outcome, is_open
from storage.entered import Received, record_comment
from storage.entries import Target
from storage.models import AuthorCategory, Campaign, CommentMedium, RoleKind, Stance
from storage.people import Member
from storage.posters import printable_campaigns, printer
from storage.update_work import UpdateWork, commit_now

RECORD = "record"
_MEDIUM = "record_medium"


def build_router() -> Router:
    router = Router(name="record")
    in_record = StateFilter(RecordFlow)
    # A citizen's comment or a report in progress keeps its own rules for interruptions.
    free = ~StateFilter(CommentFlow, ReportFlow)
    router.message.register(cancel, in_record, Command("cancel"))
    router.callback_query.register(
        cancel, in_record, RecordNav.filter(F.step == RecordStep.CANCEL)
    )
    router.message.register(start, free, Command(RECORD))
    router.message.register(start, free, keyboards.MenuButton(keyboards.MENU_RECORD))
    router.message.register(interrupted, in_record, is_command)
    for key in keyboards.MENU_KEYS:
        router.message.register(interrupted, in_record, keyboards.MenuButton(key))
    on = RecordNav.filter
    router.callback_query.register(medium, RecordFlow.medium, on(F.step == RecordStep.MEDIUM))
    router.callback_query.register(pick, PickDraft.filter(F.purpose == RECORD))
    writing = RecordFlow.writing
    router.message.register(add_text, writing, has_text)
    router.message.register(add_file, writing, F.photo | F.document)
    router.message.register(not_content, writing)
    router.callback_query.register(done, writing, on(F.step == RecordStep.DONE))
    router.callback_query.register(stance, RecordFlow.stance, on(F.step == RecordStep.STANCE))
    router.callback_query.register(
        category, RecordFlow.category, on(F.step == RecordStep.CATEGORY)
    )
    # Anything but a name (a sticker, a voice note) is answered as a name without letters.
    router.message.register(type_name, RecordFlow.naming)
    router.callback_query.register(no_name, RecordFlow.naming, on(F.step == RecordStep.NO_NAME))
    router.callback_query.register(save, RecordFlow.confirming, on(F.step == RecordStep.SAVE))
    router.message.register(use_buttons, in_record)
    router.callback_query.register(stale, RecordNav.filter())
    return router


async def start(
    message: Message, state: FSMContext, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if await refused_unless_official(message, member):
        return
    if not await _open_campaigns(session, member, clock):
        await message.answer(
            _("No consultation of your unit is taking comments now."),
            reply_markup=keyboards.main_menu(member),
        )
        return
    await state.clear()
    await state.set_state(RecordFlow.medium)
    await message.answer(texts.ask_medium(), reply_markup=texts.mediums())


async def _open_campaigns(session: AsyncSession, member: Member, clock: Clock) -> list[Campaign]:
    """The campaigns taking comments now that the official's unit receives letters for: its
    own and those below it, and those run above it (a ward's part of the city's consultation),
    as for its posters."""
    now = clock.now()
    receiving = await printable_campaigns(session=session, member=member)
    return [c for c in receiving if is_open(c, now)]


async def medium(
    callback: CallbackQuery,
    callback_data: RecordNav,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    if callback_data.value not in set(CommentMedium):
        await message.answer(_("This choice is no longer available."))
        return
    await state.update_data({_MEDIUM: callback_data.value})
    await state.set_state(RecordFlow.choosing)
    campaigns = await _open_campaigns(session, member, clock)
    target = await choose_campaign(message, session, campaigns, RECORD)
    if target is not None:
        await _begin(message, state, session, member, target)


async def pick(
    callback: CallbackQuery,
    callback_data: PickDraft,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    if await state.get_state() != RecordFlow.choosing.state:
        # Not an official recording a comment now (an old list, or a forged button).
        await message.answer(
            _("This choice is no longer available.")
            if member.has(RoleKind.OFFICIAL)
            else _("This is for ward and city officials. Ask your ward for an official's invite.")
        )
        return
    target = await choose_within(message, session, callback_data)
    if target is not None:
        await _begin(message, state, session, member, target)


async def _begin(
    message: Answerable, state: FSMContext, session: AsyncSession, member: Member, target: Target
) -> None:
    found = await printer(session=session, member=member, campaign=target.campaign)
    chosen = (await state.get_data()).get(_MEDIUM)
    if found is None or chosen is None or target.campaign.id is None:
        await state.clear()
        await message.answer(_("This choice is no longer available."))
        return
    # Where it counts: the ward below the campaign's unit that received it, else the campaign's
    # own unit (an official above it enters it for the campaign, not for their higher unit).
    draft = RecordDraft(
        campaign_id=target.campaign.id,
        document_id=target.document.id if target.document else None,
        section_id=target.section.id if target.section else None,
        unit_id=found.owner.id if found.owner is not None else target.campaign.unit_id,
        medium=CommentMedium(chosen),
    )
    await state.set_state(RecordFlow.writing)
    await draft.save(state)
    await message.answer(texts.ask_content(target), reply_markup=texts.writing())


async def _current(state: FSMContext, session: AsyncSession) -> tuple[RecordDraft, Target] | None:
    return await current_of(RecordDraft, state, session)


async def add_text(message: Message, state: FSMContext) -> None:
    draft = await RecordDraft.load(state)
    if draft is None or not await take_text(message, draft, texts.writing()):
        return
    await draft.save(state)
    await message.answer(texts.collected(draft), reply_markup=texts.writing())


async def add_file(message: Message, state: FSMContext) -> None:
    draft = await RecordDraft.load(state)
    if draft is None:
        return
    acknowledge_it = await take_file(message, draft)
    await draft.save(state)
    if acknowledge_it:
        await message.answer(texts.collected(draft), reply_markup=texts.writing())


async def not_content(message: Message) -> None:
    await message.answer(
        _(
            "Please send photos of the pages (or the e-mail as a file) and/or type a summary. "
            "Voice notes, stickers, locations and contacts cannot be recorded."
        ),
        reply_markup=texts.writing(),
    )


async def done(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    message = reply_target(callback)
    draft = await RecordDraft.load(state)
    if draft is None:
        await state.clear()
        await message.answer(_("This choice is no longer available."))
        return
    if draft.empty:
        await message.answer(
            _("Please send a photo of the pages or type a summary first."),
            reply_markup=texts.writing(),
        )
        return
    await state.set_state(RecordFlow.stance)
    await message.answer(texts.ask_stance(), reply_markup=texts.stances())


async def stance(callback: CallbackQuery, callback_data: RecordNav, state: FSMContext) -> None:
    await callback.answer()
    draft = await RecordDraft.load(state)
    if draft is None:
        await state.clear()
        return
    draft.stance = Stance(callback_data.value) if callback_data.value in set(Stance) else None
    await draft.save(state)
    await state.set_state(RecordFlow.category)
    await reply_target(callback).answer(texts.ask_category(), reply_markup=texts.categories())


async def category(callback: CallbackQuery, callback_data: RecordNav, state: FSMContext) -> None:
    await callback.answer()
    draft = await RecordDraft.load(state)
    if draft is None:
        await state.clear()
        return
    value = callback_data.value
    draft.category = AuthorCategory(value) if value in set(AuthorCategory) else None
    await draft.save(state)
    await state.set_state(RecordFlow.naming)
    await reply_target(callback).answer(
        texts.ask_name().format(limit=MAX_NAME), reply_markup=texts.naming()
    )


async def type_name(message: Message, state: FSMContext, session: AsyncSession) -> None:
    name = typed_name(message)
    if name is None:
        await message.answer(
            _("Please type the name in letters, at most {limit} characters.").format(
                limit=MAX_NAME
            ),
            reply_markup=texts.naming(),
        )
        return
    await _to_confirm(message, state, session, name)


async def no_name(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await callback.answer()
    await _to_confirm(reply_target(callback), state, session, None)


async def _to_confirm(
    message: Answerable, state: FSMContext, session: AsyncSession, name: str | None
) -> None:
    current = await _current(state, session)
    if current is None:
        return
    draft, target = current
    draft.name = name
    draft.anonymous = name is None
    await draft.save(state)
    await state.set_state(RecordFlow.confirming)
    await message.answer(texts.summary(draft, target), reply_markup=texts.confirm())


async def save(
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
) -> None:
    current = await _current(state, session)
    message = reply_target(callback)
    await callback.answer()
    unit_id = current[0].unit_id if current is not None else None
    if current is None or unit_id is None:
        await message.answer(_("This choice is no longer available."))
        return
    draft, target = current
    now = clock.now()
    tz = target.campaign.timezone
    attachments = draft.attachments()
    submitted = await record_comment(
        session=session,
        target=target,
        official=member.person,
        received=Received(
            unit_id=unit_id,
            medium=draft.medium,
            text=draft.text,
            category=draft.category,
            stance=draft.stance,
            name=draft.name,
        ),
        attachments=attachments,
        channel=channel,
        now=now,
        duplicate_window=comment_limits.duplicate_window,
    )
    # «Saved» promises the comment is stored: commit before answering (as a citizen's send).
    await commit_now(uow)
    await state.clear()
    await close_buttons(callback)
    menu = keyboards.main_menu(member)
    comment = submitted.comment
    if submitted.outcome is Outcome.CLOSED or comment is None:
        await message.answer(
            _("The consultation has ended; the comment could not be saved."), reply_markup=menu
        )
        return
    if submitted.outcome is Outcome.DUPLICATE:
        await message.answer(
            texts.already(comment.created_at, comment.receipt, tz), reply_markup=menu
        )
        return
    await message.answer(texts.receipt(now, comment.receipt, tz), reply_markup=menu)
    if media_dir is not None and attachments:
        await keep_copies(bot=bot, session=session, comment=comment, folder=media_dir)


async def cancel(event: Message | CallbackQuery, state: FSMContext, member: Member) -> None:
    message = await acknowledge(event)
    await state.clear()
    await message.answer(
        _("Cancelled. Nothing was saved."), reply_markup=keyboards.main_menu(member)
    )


async def resume(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    """Ask again what the current step asks."""
    step = await state.get_state()
    if step == RecordFlow.medium.state:
        await message.answer(texts.ask_medium(), reply_markup=texts.mediums())
        return
    if step == RecordFlow.choosing.state:
        await message.answer(_("Please choose with the buttons above, or send /cancel."))
        return
    current = await _current(state, session)
    if current is None:
        return
    draft, target = current
    if step == RecordFlow.writing.state:
        if draft.empty:
            await message.answer(texts.ask_content(target), reply_markup=texts.writing())
        else:
            await message.answer(texts.collected(draft), reply_markup=texts.writing())
    elif step == RecordFlow.stance.state:
        await message.answer(texts.ask_stance(), reply_markup=texts.stances())
    elif step == RecordFlow.category.state:
        await message.answer(texts.ask_category(), reply_markup=texts.categories())
    elif step == RecordFlow.naming.state:
        await message.answer(texts.ask_name().format(limit=MAX_NAME), reply_markup=texts.naming())
    elif step == RecordFlow.confirming.state:
        await message.answer(texts.summary(draft, target), reply_markup=texts.confirm())


async def interrupted(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await message.answer(
        _("You are recording a comment; what you entered is kept. Go on, or send /cancel first.")
    )
    await resume(message, state, session)


async def use_buttons(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await message.answer(_("Please answer with the buttons below, or send /cancel."))
    await resume(message, state, session)


async def stale(callback: CallbackQuery) -> None:
    """A button of a recorded comment that was already saved or cancelled."""
    await callback.answer(
        _("This comment is closed. Send /record to record a new one."), show_alert=True
    )
