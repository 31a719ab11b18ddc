"""The secretary's weekly report: pick the week, answer the form field by field, review, submit."""

from __future__ import annotations

import contextlib
from datetime import datetime

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards, texts
from handlers.callbacks import (
    AmendReport,
    EditField,
    FormNav,
    Nav,
    PickPeriod,
    PickTarget,
    ToggleChoice,
)
from handlers.draft import ReportDraft
from handlers.filters import has_text, is_command
from handlers.format import moment
from handlers.replies import Answerable, acknowledge, reply_target
from handlers.states import ReportFlow
from scheduler.clock import Clock
from scheduler.reporting import Assignment, assignments, target
from storage.campaigns import form_by_id, form_of
from storage.forms import FieldKind, FormSpec, InvalidValue, parse_value
from storage.fsm import commit_now
from storage.models import Campaign, Period, Report, RoleKind, Unit
from storage.people import Member
from storage.reports import file_report, get_report, is_late, latest_values


def build_router() -> Router:
    router = Router(name="report")
    in_form = StateFilter(ReportFlow)
    router.message.register(cancel, in_form, Command("cancel"))
    router.callback_query.register(cancel, in_form, FormNav.filter(F.action == Nav.CANCEL))
    router.message.register(back, ReportFlow.filling, Command("back"))
    router.callback_query.register(back, ReportFlow.filling, FormNav.filter(F.action == Nav.BACK))
    router.message.register(skip, ReportFlow.filling, Command("skip"))
    router.callback_query.register(skip, ReportFlow.filling, FormNav.filter(F.action == Nav.SKIP))
    # Any other command, a menu key or an old button in the middle of the form must neither
    # be stored as an answer nor throw the answers away.
    router.message.register(interrupted, in_form, is_command)
    for key in (keyboards.MENU_REPORT, keyboards.MENU_HISTORY, keyboards.MENU_HELP):
        router.message.register(interrupted, in_form, keyboards.MenuButton(key))
    router.callback_query.register(interrupted, in_form, AmendReport.filter())
    busy = StateFilter(ReportFlow.filling, ReportFlow.reviewing, ReportFlow.choosing_period)
    router.callback_query.register(interrupted, busy, PickTarget.filter())

    router.message.register(open_report, Command("report"))
    router.message.register(open_report, keyboards.MenuButton(keyboards.MENU_REPORT))
    router.message.register(open_report, CommandStart(deep_link=True, magic=F.args == "report"))
    router.callback_query.register(pick_target, PickTarget.filter())
    router.callback_query.register(pick_period, ReportFlow.choosing_period, PickPeriod.filter())
    router.callback_query.register(amend_report, AmendReport.filter())
    router.callback_query.register(toggle, ReportFlow.filling, ToggleChoice.filter())
    router.callback_query.register(
        choices_done, ReportFlow.filling, FormNav.filter(F.action == Nav.DONE)
    )
    router.message.register(answer, ReportFlow.filling, has_text)
    router.message.register(not_text, ReportFlow.filling)
    router.callback_query.register(edit_field, ReportFlow.reviewing, EditField.filter())
    router.callback_query.register(
        submit, ReportFlow.reviewing, FormNav.filter(F.action == Nav.SUBMIT)
    )
    router.message.register(
        use_buttons,
        StateFilter(ReportFlow.reviewing, ReportFlow.choosing_period, ReportFlow.choosing_target),
    )
    router.callback_query.register(stale_button, FormNav.filter())
    router.callback_query.register(stale_button, ToggleChoice.filter())
    router.callback_query.register(stale_button, EditField.filter())
    router.callback_query.register(stale_button, PickPeriod.filter())
    return router


def _locale() -> str:
    return get_i18n().current_locale


# --- opening a report -------------------------------------------------------------------------


async def open_report(
    message: Message, state: FSMContext, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if not member.has(RoleKind.SECRETARY):
        await message.answer(
            _(
                "Weekly reports are filed by party cell secretaries. If you are one, "
                "send the invite code your ward gave you."
            )
        )
        return
    if await state.get_state() is not None:
        await state.clear()
    found = await assignments(session=session, member=member, now=clock.now())
    if not found:
        await message.answer(_("Your cell has no open campaign to report on right now."))
        return
    if len(found) == 1:
        await _open(message, state, session, found[0], clock.now())
        return
    builder = InlineKeyboardBuilder()
    for item in found:
        assert item.unit.id is not None and item.campaign.id is not None
        builder.button(
            text=f"{item.unit.name} — {item.campaign.title}",
            callback_data=PickTarget(unit_id=item.unit.id, campaign_id=item.campaign.id),
        )
    builder.adjust(1)
    await state.set_state(ReportFlow.choosing_target)
    await message.answer(_("Which report are you filing?"), reply_markup=builder.as_markup())


async def pick_target(
    callback: CallbackQuery,
    callback_data: PickTarget,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    await callback.answer()
    found = await assignments(session=session, member=member, now=clock.now())
    chosen = [
        a
        for a in found
        if a.unit.id == callback_data.unit_id and a.campaign.id == callback_data.campaign_id
    ]
    if not chosen:  # forged or stale: the person is not (or no longer) secretary there
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    await _open(reply_target(callback), state, session, chosen[0], clock.now())


async def _open(
    message: Answerable, state: FSMContext, session: AsyncSession, item: Assignment, now: datetime
) -> None:
    current = await target(session=session, assignment=item, now=now)
    if current is None:
        await state.clear()
        await message.answer(
            _("The campaign «{title}» is not open for reports now.").format(
                title=texts.escape(item.campaign.title)
            )
        )
        return
    assert current.period.id is not None
    if current.missed is not None and current.report is None:
        assert current.missed.id is not None
        draft = _new_draft(item, current.period)
        await draft.save(state)
        await state.set_state(ReportFlow.choosing_period)
        tz = item.campaign.timezone
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("This week (deadline {deadline})").format(
                deadline=moment(current.period.deadline_at, tz)
            ),
            callback_data=PickPeriod(period_id=current.period.id),
        )
        builder.button(
            text=_("Last week, late (deadline {deadline})").format(
                deadline=moment(current.missed.deadline_at, tz)
            ),
            callback_data=PickPeriod(period_id=current.missed.id),
        )
        builder.adjust(1)
        await message.answer(
            _("Last week's report was not filed. Which week are you reporting on?"),
            reply_markup=builder.as_markup(),
        )
        return
    await _begin(message, state, session, item, current.period, current.report, now)


def _new_draft(item: Assignment, period: Period) -> ReportDraft:
    assert item.unit.id is not None and item.campaign.id is not None and period.id is not None
    return ReportDraft(
        unit_id=item.unit.id,
        campaign_id=item.campaign.id,
        period_id=period.id,
        form_id=item.campaign.form_id,
    )


async def pick_period(
    callback: CallbackQuery,
    callback_data: PickPeriod,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    await callback.answer()
    draft = await ReportDraft.load(state)
    period = await session.get(Period, callback_data.period_id)
    item = await _assignment(session, member, draft)
    if (
        draft is None
        or item is None
        or period is None
        or period.campaign_id != draft.campaign_id
        or period.level != item.unit.level
    ):
        await state.clear()
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    report = await get_report(session=session, period=period, unit=item.unit)
    await _begin(reply_target(callback), state, session, item, period, report, clock.now())


async def amend_report(
    callback: CallbackQuery,
    callback_data: AmendReport,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    await callback.answer()
    report = await session.get(Report, callback_data.report_id)
    units = {u.id: u for u in member.units(RoleKind.SECRETARY)}
    period = await session.get(Period, report.period_id) if report else None
    campaign = await session.get(Campaign, period.campaign_id) if period else None
    if report is None or period is None or campaign is None or report.unit_id not in units:
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    await state.clear()
    item = Assignment(units[report.unit_id], campaign)
    await _begin(reply_target(callback), state, session, item, period, report, clock.now())


async def _assignment(
    session: AsyncSession, member: Member, draft: ReportDraft | None
) -> Assignment | None:
    if draft is None:
        return None
    units = {u.id: u for u in member.units(RoleKind.SECRETARY)}
    campaign = await session.get(Campaign, draft.campaign_id)
    if draft.unit_id not in units or campaign is None:
        return None
    return Assignment(units[draft.unit_id], campaign)


async def _begin(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    item: Assignment,
    period: Period,
    report: Report | None,
    now: datetime,
) -> None:
    """Start a new draft, or open the filed report at its summary to amend it."""
    draft = _new_draft(item, period)
    form = await form_of(session=session, campaign=item.campaign)
    tz = item.campaign.timezone
    if report is None:
        await draft.save(state)
        await state.set_state(ReportFlow.filling)
        if is_late(now, period):
            await message.answer(
                _("The deadline {deadline} has passed: this report will be marked late.").format(
                    deadline=moment(period.deadline_at, tz)
                )
            )
        await message.answer(
            _(
                "Report of {unit} for the week with deadline {deadline}. {count} questions; "
                "/back returns to the previous one, /cancel stops."
            ).format(
                unit=texts.escape(item.unit.name),
                deadline=moment(period.deadline_at, tz),
                count=len(form.fields),
            )
        )
        await _ask(message, draft, form)
        return
    draft.values = await latest_values(session=session, report=report)
    draft.amending = True
    await draft.save(state)
    await state.set_state(ReportFlow.reviewing)
    if is_late(now, period):
        note = _("The deadline {deadline} has passed: a change now is kept as a late revision.")
    else:
        note = _("You already filed this week's report. You can change it until {deadline}.")
    await message.answer(note.format(deadline=moment(period.deadline_at, tz)))
    await _review(message, draft, form, session)


# --- the form ---------------------------------------------------------------------------------


async def _ask(message: Answerable, draft: ReportDraft, form: FormSpec) -> None:
    spec = form.fields[draft.index]
    locale = _locale()
    await message.answer(
        texts.question(spec, draft.index + 1, len(form.fields), locale),
        reply_markup=keyboards.question(spec, draft, locale),
    )


async def _review(
    message: Answerable, draft: ReportDraft, form: FormSpec, session: AsyncSession
) -> None:
    campaign = await session.get(Campaign, draft.campaign_id)
    unit = await session.get(Unit, draft.unit_id)
    period = await session.get(Period, draft.period_id)
    assert campaign is not None and unit is not None and period is not None
    locale = _locale()
    await message.answer(
        texts.summary(form, draft.values, unit, period, campaign.timezone, locale),
        reply_markup=keyboards.review(form, locale),
    )


async def _advance(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    draft: ReportDraft,
    form: FormSpec,
) -> None:
    """Go to the next question, or to the summary after the last one (or after an edit)."""
    draft.selected = []
    if draft.editing_one or draft.index + 1 >= len(form.fields):
        draft.editing_one = False
        await draft.save(state)
        await state.set_state(ReportFlow.reviewing)
        await _review(message, draft, form, session)
        return
    draft.index += 1
    await _prepare_choices(draft, form)
    await draft.save(state)
    await _ask(message, draft, form)


async def _prepare_choices(draft: ReportDraft, form: FormSpec) -> None:
    spec = form.fields[draft.index]
    if spec.kind is FieldKind.CHOICES:
        draft.selected = list(draft.values.get(spec.key) or [])


async def _current(
    state: FSMContext, session: AsyncSession
) -> tuple[ReportDraft, FormSpec] | None:
    draft = await ReportDraft.load(state)
    if draft is None:
        await state.clear()
        return None
    return draft, await form_by_id(session=session, form_id=draft.form_id)


async def answer(message: Message, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(state, session)
    if current is None:
        return
    draft, form = current
    spec = form.fields[draft.index]
    try:
        value = parse_value(spec, message.text or "")
    except InvalidValue as error:
        await message.answer(texts.hint(error))
        await _ask(message, draft, form)
        return
    draft.values[spec.key] = value
    await _advance(message, state, session, draft, form)


async def not_text(message: Message, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(state, session)
    if current is None:
        return
    draft, form = current
    await message.answer(texts.hint(InvalidValue("not_text")))
    await _ask(message, draft, form)


async def toggle(
    callback: CallbackQuery, callback_data: ToggleChoice, state: FSMContext, session: AsyncSession
) -> None:
    current = await _current(state, session)
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
            reply_markup=keyboards.question(spec, draft, _locale())
        )


async def choices_done(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(state, session)
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
    await _advance(reply_target(callback), state, session, draft, form)


async def _go_back(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(state, session)
    if current is None:
        return
    draft, form = current
    if draft.editing_one:  # came from the summary to change one answer: back to the summary
        draft.editing_one = False
        await draft.save(state)
        await state.set_state(ReportFlow.reviewing)
        await _review(message, draft, form, session)
        return
    if draft.index == 0:
        await message.answer(_("This is the first question."))
    else:
        draft.index -= 1
        await _prepare_choices(draft, form)
        await draft.save(state)
    await _ask(message, draft, form)


async def back(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await _go_back(await acknowledge(event), state, session)


async def _skip(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(state, session)
    if current is None:
        return
    draft, form = current
    spec = form.fields[draft.index]
    if not spec.optional:
        await message.answer(_("This question cannot be skipped."))
        await _ask(message, draft, form)
        return
    draft.values[spec.key] = [] if spec.kind is FieldKind.CHOICES else None
    await _advance(message, state, session, draft, form)


async def skip(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await _skip(await acknowledge(event), state, session)


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
    event: Message | CallbackQuery, state: FSMContext, session: AsyncSession
) -> None:
    """Something else in the middle of the form: keep the form, say how to leave it."""
    message = await acknowledge(event)
    await message.answer(
        _(
            "You are in the middle of a report; your answers are kept. "
            "Finish it, or send /cancel first."
        )
    )
    await _resume(message, state, session)


async def use_buttons(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await message.answer(texts.hint(InvalidValue("use_buttons")))
    if await state.get_state() == ReportFlow.reviewing.state:
        await _resume(message, state, session)


async def _resume(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    current = await _current(state, session)
    if current is None:
        return
    draft, form = current
    if await state.get_state() == ReportFlow.filling.state:
        await _ask(message, draft, form)
    elif await state.get_state() == ReportFlow.reviewing.state:
        await _review(message, draft, form, session)


async def edit_field(
    callback: CallbackQuery, callback_data: EditField, state: FSMContext, session: AsyncSession
) -> None:
    await callback.answer()
    current = await _current(state, session)
    if current is None:
        return
    draft, form = current
    if not 0 <= callback_data.index < len(form.fields):
        return
    draft.index = callback_data.index
    draft.editing_one = True
    await _prepare_choices(draft, form)
    await draft.save(state)
    await state.set_state(ReportFlow.filling)
    await _ask(reply_target(callback), draft, form)


async def submit(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    channel: str,
) -> None:
    draft = await ReportDraft.load(state)
    item = await _assignment(session, member, draft)
    if draft is None or item is None:
        await callback.answer()
        await state.clear()
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    period = await session.get(Period, draft.period_id)
    assert period is not None
    await callback.answer(_("Sent"))
    filed = await file_report(
        session=session,
        period=period,
        unit=item.unit,
        values=draft.values,
        person=member.person,
        now=clock.now(),
        channel=channel,
    )
    await state.clear()
    # The receipt promises the report is stored: commit it, and the closed form, before saying
    # so; a failed send after this point cannot undo either.
    await commit_now(session)
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
