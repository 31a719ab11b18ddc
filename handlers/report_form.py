"""Inside the report form: answers, choices, /back, /skip, /cancel, the summary, submit."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from handlers import keyboards, texts
from handlers.callbacks import (
    EditField,
    ToggleChoice,
)
from handlers.draft import ReportDraft
from handlers.files import FileMaker
from handlers.late_filing import late_filing_letters
from handlers.replies import Answerable, acknowledge, reply_target
from handlers.report_steps import (
    advance,
    ask_question,
    assignment_of,
    current_locale,
    load_current,
    prepare_choices,
    resume,
    show_review,
)
from handlers.signing import submit_signed
from handlers.states import ReportFlow
from scheduler.clock import Clock
from services.oversight import Outreach
from storage.forms import FieldKind, InvalidValue, parse_value
from storage.models import Period
from storage.outbox import enqueue
from storage.people import Member
from storage.reports import file_report
from storage.update_work import UpdateWork, commit_now


async def answer(message: Message, state: FSMContext, session: AsyncSession, clock: Clock) -> None:
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    spec = form.fields[draft.index]
    try:
        value = parse_value(spec, message.text or "")
    except InvalidValue as error:
        await message.answer(texts.hint(error))
        await ask_question(message, draft, form)
        return
    draft.values[spec.key] = value
    await advance(message, state, session, draft, form, clock.now())


async def not_text(message: Message, state: FSMContext, session: AsyncSession) -> None:
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    await message.answer(texts.hint(InvalidValue("not_text")))
    await ask_question(message, draft, form)


async def toggle(
    callback: CallbackQuery, callback_data: ToggleChoice, state: FSMContext, session: AsyncSession
) -> None:
    current = await load_current(state, session)
    if current is None:
        await callback.answer()
        return
    draft, form = current
    spec = form.fields[draft.index]
    if spec.kind is not FieldKind.CHOICES or not 0 <= callback_data.index < len(spec.choices):
        await callback.answer(_("This button belongs to another question."))
        return
    key = spec.choices[callback_data.index].key
    draft.selected = (
        [k for k in draft.selected if k != key]
        if key in draft.selected
        else [*draft.selected, key]
    )
    await draft.save(state)
    await callback.answer()
    if callback.message is not None and isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(
            reply_markup=keyboards.question(spec, draft, current_locale())
        )


async def choices_done(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    current = await load_current(state, session)
    if current is None:
        await callback.answer()
        return
    draft, form = current
    spec = form.fields[draft.index]
    if spec.kind is not FieldKind.CHOICES:
        await callback.answer()
        return
    if not draft.selected and not spec.optional:
        await callback.answer(_("Please pick at least one."), show_alert=True)
        return
    await callback.answer()
    order = [c.key for c in spec.choices]
    draft.values[spec.key] = sorted(draft.selected, key=order.index)
    await advance(reply_target(callback), state, session, draft, form, clock.now())


async def _go_back(
    message: Answerable, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    if draft.editing_one:  # came from the summary to change one answer: back to the summary
        draft.editing_one = False
        await draft.save(state)
        await state.set_state(ReportFlow.reviewing)
        await show_review(message, draft, form, session, clock.now())
        return
    if draft.index == 0:
        await message.answer(_("This is the first question."))
    else:
        draft.index -= 1
        await prepare_choices(draft, form)
        await draft.save(state)
    await ask_question(message, draft, form)


async def back(
    event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    await _go_back(await acknowledge(event), state, session, clock)


async def _skip(
    message: Answerable, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    spec = form.fields[draft.index]
    if not spec.optional:
        await message.answer(_("This question cannot be skipped."))
        await ask_question(message, draft, form)
        return
    draft.values[spec.key] = [] if spec.kind is FieldKind.CHOICES else None
    await advance(message, state, session, draft, form, clock.now())


async def skip(
    event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    await _skip(await acknowledge(event), state, session, clock)


async def _cancel(message: Answerable, state: FSMContext, member: Member) -> None:
    draft = await ReportDraft.load(state)
    await state.clear()
    if draft is not None and draft.amending:
        text = _("Cancelled. The report you filed earlier stays as it was.")
    else:
        text = _("Cancelled. Nothing was sent.")
    await message.answer(text, reply_markup=keyboards.main_menu(member))


async def cancel(event: Message | CallbackQuery, state: FSMContext, member: Member) -> None:
    await _cancel(await acknowledge(event), state, member)


async def interrupted(
    event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    """Something else in the middle of the form: keep the form, say how to leave it."""
    message = await acknowledge(event)
    await message.answer(
        _(
            "You are in the middle of a report; your answers are kept. "
            "Finish it, or send /cancel first."
        )
    )
    await resume(message, state, session, clock.now())


async def use_buttons(
    message: Message, state: FSMContext, session: AsyncSession, clock: Clock
) -> None:
    await message.answer(texts.hint(InvalidValue("use_buttons")))
    if await state.get_state() == ReportFlow.reviewing.state:
        await resume(message, state, session, clock.now())


async def edit_field(
    callback: CallbackQuery, callback_data: EditField, state: FSMContext, session: AsyncSession
) -> None:
    await callback.answer()
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    if not 0 <= callback_data.index < len(form.fields):
        return
    draft.index = callback_data.index
    draft.editing_one = True
    await prepare_choices(draft, form)
    await draft.save(state)
    await state.set_state(ReportFlow.filling)
    await ask_question(reply_target(callback), draft, form)


async def submit(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    uow: UpdateWork,
    member: Member,
    clock: Clock,
    channel: str,
    files: FileMaker,
    i18n: I18n,
    outreach: Outreach,
) -> None:
    draft = await ReportDraft.load(state)
    item = await assignment_of(session, member, draft)
    if draft is None or item is None:
        await callback.answer()
        await state.clear()
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    if draft.signing:
        await submit_signed(
            callback, state, session, uow, member, clock, channel, files, outreach, draft, item
        )
        return
    period = await session.get(Period, draft.period_id)
    assert period is not None
    filed = await file_report(
        session=session,
        period=period,
        unit=item.unit,
        values=draft.values,
        person=member.person,
        now=clock.now(),
        channel=channel,
    )
    # Filed after the unit above signed: its officials hear of it, queued with the filing.
    told = await late_filing_letters(
        session=session,
        i18n=i18n,
        unit=item.unit,
        campaign=item.campaign,
        filed=filed,
        defaults=outreach.defaults,
        now=clock.now(),
    )
    await enqueue(session=session, letters=told, now=clock.now())
    # "Sent" promises the report is stored: commit it before saying anything. The form is
    # closed only after that: a crash in between leaves the draft, and the same press (Telegram
    # re-delivers it) files the same values again, which stores nothing new and gets the
    # receipt of what was stored.
    await commit_now(uow)
    metrics.REPORTS_FILED.labels("report").inc(0 if filed.repeated else 1)
    if told:
        outreach.wake()
    await state.clear()
    await callback.answer(_("Sent"))
    message = reply_target(callback)
    if isinstance(callback.message, Message):
        # Removing the old buttons is cosmetic (and fails on messages older than 48 hours);
        # the receipt must go out regardless.
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[])
            )
    await message.answer(
        texts.receipt(filed, item.unit, item.campaign), reply_markup=keyboards.main_menu(member)
    )


async def stale_button(callback: CallbackQuery) -> None:
    """A button of a form that was already sent or cancelled."""
    await callback.answer(_("This form is closed. Send /report to start again."), show_alert=True)
