"""Steps the report conversation shares: start a draft, ask, review, move on, resume."""

from __future__ import annotations

from datetime import datetime

from aiogram.fsm.context import FSMContext
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards, texts
from handlers.draft import ReportDraft
from handlers.format import moment
from handlers.replies import Answerable
from handlers.states import ReportFlow
from scheduler.reporting import Assignment
from storage.campaigns import form_by_id, form_of
from storage.forms import FieldKind, FormSpec
from storage.models import Campaign, Period, Report, RoleKind, Unit
from storage.people import Member
from storage.reports import is_late, latest_values


def current_locale() -> str:
    return get_i18n().current_locale


def new_draft(item: Assignment, period: Period) -> ReportDraft:
    assert item.unit.id is not None and item.campaign.id is not None and period.id is not None
    return ReportDraft(
        unit_id=item.unit.id,
        campaign_id=item.campaign.id,
        period_id=period.id,
        form_id=item.campaign.form_id,
    )


async def assignment_of(
    session: AsyncSession, member: Member, draft: ReportDraft | None
) -> Assignment | None:
    if draft is None:
        return None
    units = {u.id: u for u in member.units(RoleKind.SECRETARY)}
    campaign = await session.get(Campaign, draft.campaign_id)
    if draft.unit_id not in units or campaign is None:
        return None
    return Assignment(units[draft.unit_id], campaign)


async def begin_report(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    item: Assignment,
    period: Period,
    report: Report | None,
    now: datetime,
) -> None:
    """Start a new draft, or open the filed report at its summary to amend it."""
    draft = new_draft(item, period)
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
        await ask_question(message, draft, form)
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
    await show_review(message, draft, form, session)


async def ask_question(message: Answerable, draft: ReportDraft, form: FormSpec) -> None:
    spec = form.fields[draft.index]
    locale = current_locale()
    # Changing one answer from the summary: show what it says now.
    current = draft.values.get(spec.key) if draft.editing_one else None
    await message.answer(
        texts.question(spec, draft.index + 1, len(form.fields), locale, current=current),
        reply_markup=keyboards.question(spec, draft, locale),
    )


async def show_review(
    message: Answerable, draft: ReportDraft, form: FormSpec, session: AsyncSession
) -> None:
    campaign = await session.get(Campaign, draft.campaign_id)
    unit = await session.get(Unit, draft.unit_id)
    period = await session.get(Period, draft.period_id)
    assert campaign is not None and unit is not None and period is not None
    locale = current_locale()
    await message.answer(
        texts.summary(form, draft.values, unit, period, campaign.timezone, locale),
        reply_markup=keyboards.review(form, locale),
    )


async def advance(
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
        await show_review(message, draft, form, session)
        return
    draft.index += 1
    await prepare_choices(draft, form)
    await draft.save(state)
    await ask_question(message, draft, form)


async def prepare_choices(draft: ReportDraft, form: FormSpec) -> None:
    spec = form.fields[draft.index]
    if spec.kind is FieldKind.CHOICES:
        draft.selected = list(draft.values.get(spec.key) or [])


async def load_current(
    state: FSMContext, session: AsyncSession
) -> tuple[ReportDraft, FormSpec] | None:
    draft = await ReportDraft.load(state)
    if draft is None:
        await state.clear()
        return None
    return draft, await form_by_id(session=session, form_id=draft.form_id)


async def resume(message: Answerable, state: FSMContext, session: AsyncSession) -> None:
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    if await state.get_state() == ReportFlow.filling.state:
        await ask_question(message, draft, form)
    elif await state.get_state() == ReportFlow.reviewing.state:
        await show_review(message, draft, form, session)
