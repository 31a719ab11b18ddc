"""The one-tap questions after a comment's words, each skippable: the stance, who the commenter
is, and, for a campaign-wide code, the ward they live in (tapped, or part of its name typed).

A ward's poster already says the place, and a ward's own campaign has no wards to ask about:
then the place is not asked.
"""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import comment_keyboards, comment_texts
from handlers.callbacks import CommentCategory, CommentPlace, CommentStance
from handlers.comment_draft import CommentDraft, Question
from handlers.comment_state import current, written
from handlers.replies import Answerable, reply_target
from handlers.states import CommentFlow
from handlers.texts import escape
from storage.entries import Target
from storage.models import Unit
from storage.places import MAX_CHOICES, Places, campaign_places, find_places, place_name

MAX_ECHO = 40


async def ask_next(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    draft: CommentDraft,
    target: Target,
) -> None:
    """Ask the first question not answered yet; all answered, how to send the comment."""
    question = draft.pending()
    places = None
    if question is Question.PLACE:
        places = await campaign_places(session=session, campaign=target.campaign)
        if not places.known:  # a ward's own campaign: nothing to ask
            draft.answer(Question.PLACE)
            question, places = None, None
    await draft.save(state)
    if question is Question.STANCE:
        await state.set_state(CommentFlow.writing)
        await message.answer(
            comment_texts.after_words(draft), reply_markup=comment_keyboards.stance()
        )
    elif question is Question.CATEGORY:
        await state.set_state(CommentFlow.category)
        await message.answer(
            _("Which of these are you? (optional)"), reply_markup=comment_keyboards.category()
        )
    elif places is not None:
        await state.set_state(CommentFlow.place)
        await _ask_place(message, places)
    else:
        await state.set_state(CommentFlow.writing)
        await message.answer(
            _("Thank you. How would you like to send your comment?"),
            reply_markup=comment_keyboards.identity(),
        )


async def _ask_place(message: Answerable, places: Places) -> None:
    example = place_name(places.choices[0] if places.choices else places.known[0])
    if len(places.choices) <= MAX_CHOICES:
        text = _("Which ward or commune do you live in? Choose below, or type its name.")
        shown = places.choices
    else:
        text = _("Which ward or commune do you live in? Please type its name, e.g. {example}.")
        shown = []
    await message.answer(
        text.format(example=escape(example)), reply_markup=comment_keyboards.places(shown)
    )


async def stance(
    callback: CallbackQuery, callback_data: CommentStance, state: FSMContext, session: AsyncSession
) -> None:
    await _tapped(callback, state, session, Question.STANCE, stance=callback_data.stance)


async def category(
    callback: CallbackQuery,
    callback_data: CommentCategory,
    state: FSMContext,
    session: AsyncSession,
) -> None:
    await _tapped(callback, state, session, Question.CATEGORY, category=callback_data.category)


async def _tapped(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    question: Question,
    **answer: object,
) -> None:
    """A one-tap answer (None: skipped) kept in the draft; then the next question."""
    found = await written(callback, state, session)
    if found is None:
        return
    draft, target = found
    draft = draft.model_copy(update=answer)
    draft.answer(question)
    await ask_next(reply_target(callback), state, session, draft, target)


async def pick_place(
    callback: CallbackQuery, callback_data: CommentPlace, state: FSMContext, session: AsyncSession
) -> None:
    found = await written(callback, state, session)
    if found is None:
        return
    draft, target = found
    message = reply_target(callback)
    unit = None
    if callback_data.unit_id:
        places = await campaign_places(session=session, campaign=target.campaign)
        unit = places.get(callback_data.unit_id)
        if unit is None:
            # A ward removed since the button was shown (or a forged one).
            await message.answer(_("This choice is no longer available."))
            await ask_next(message, state, session, draft, target)
            return
    await _settle(message, state, session, draft, target, unit)


async def type_place(message: Message, state: FSMContext, session: AsyncSession) -> None:
    found = await current(state, session)
    if found is None:
        return
    draft, target = found
    typed = " ".join((message.text or "").split())
    places = await campaign_places(session=session, campaign=target.campaign)
    matches = find_places(typed, places.known)
    echo = escape(typed if len(typed) <= MAX_ECHO else typed[: MAX_ECHO - 1] + "…")
    if len(matches) == 1:
        await _settle(message, state, session, draft, target, matches[0])
    elif not matches:
        await message.answer(
            _(
                "No ward or commune called «{name}» was found. Please check the name, "
                "or press «Not known»."
            ).format(name=echo),
            reply_markup=comment_keyboards.places(
                places.choices if len(places.choices) <= MAX_CHOICES else []
            ),
        )
    elif len(matches) <= MAX_CHOICES:
        await message.answer(
            _("Several places match «{name}». Which one?").format(name=echo),
            reply_markup=comment_keyboards.places(matches),
        )
    else:
        await message.answer(
            _("Many places match «{name}». Please type more of the name.").format(name=echo),
            reply_markup=comment_keyboards.places([]),
        )


async def not_place(message: Message, state: FSMContext, session: AsyncSession) -> None:
    """A photo or a sticker where the ward was asked: say what is expected, ask again."""
    await message.answer(_("Please type the name of your ward or commune, or choose below."))
    found = await current(state, session)
    if found is not None:
        await ask_next(message, state, session, *found)


async def _settle(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    draft: CommentDraft,
    target: Target,
    unit: Unit | None,
) -> None:
    """The person's answer to «where»: a ward, or not known (the campaign's own unit)."""
    draft.unit_id = unit.id if unit is not None else None
    draft.place = place_name(unit) if unit is not None else None
    draft.from_poster = False
    draft.answer(Question.PLACE)
    await ask_next(message, state, session, draft, target)
