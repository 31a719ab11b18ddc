"""Steps the report conversation shares: start a draft, ask, review, move on, resume."""

from __future__ import annotations

from datetime import datetime

from aiogram.fsm.context import FSMContext
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards, signing_texts, texts
from handlers.draft import ReportDraft
from handlers.format import moment
from handlers.replies import Answerable
from handlers.states import ReportFlow
from services.reporting import Assignment
from services.signing import draft as signing_draft
from services.signing import open_signing, own_form_id
from storage.campaigns import form_by_id, form_of
from storage.forms import FieldKind, FormSpec, signing_form
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
        signing=item.signs,
    )


async def assignment_of(
    session: AsyncSession, member: Member, draft: ReportDraft | None
) -> Assignment | None:
    """The draft's unit and campaign, if the person still holds the role that files it: a
    cell's secretary, or for a unit's own report one of its officials."""
    if draft is None:
        return None
    role = RoleKind.OFFICIAL if draft.signing else RoleKind.SECRETARY
    units = {u.id: u for u in member.units(role)}
    campaign = await session.get(Campaign, draft.campaign_id)
    if draft.unit_id not in units or campaign is None:
        return None
    return Assignment(units[draft.unit_id], campaign, signs=draft.signing)


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
    if item.signs:
        await begin_signing(message, state, session, item, period, report, now)
        return
    draft = new_draft(item, period)
    form = await form_of(session=session, campaign=item.campaign)
    tz = item.campaign.timezone
    if report is None:
        await draft.save(state)
        await state.set_state(ReportFlow.filling)
        await warn_if_late(message, period, now, tz)
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
    await show_review(message, draft, form, session, now)


async def begin_signing(
    message: Answerable,
    state: FSMContext,
    session: AsyncSession,
    item: Assignment,
    period: Period,
    report: Report | None,
    now: datetime,
) -> None:
    """A unit's own report: where its units stand, then its own questions; signed already,
    the summary of what was signed, to change and sign again."""
    draft = new_draft(item, period)
    draft.form_id = await own_form_id(session=session, unit=item.unit, campaign=item.campaign)
    opened = await open_signing(session=session, report=report)
    draft.seen = opened.seen
    form = signing_form(await form_by_id(session=session, form_id=draft.form_id))
    tz = item.campaign.timezone
    if opened.report is not None:
        draft.values = opened.own
        draft.amending = True
        await draft.save(state)
        await state.set_state(ReportFlow.reviewing)
        if is_late(now, period):
            note = _(
                "The deadline {deadline} has passed: signing again now is kept as a late revision."
            )
        else:
            note = _(
                "You already signed this report. You can change it and sign again "
                "until {deadline}."
            )
        await message.answer(note.format(deadline=moment(period.deadline_at, tz)))
        await show_review(message, draft, form, session, now)
        return
    await draft.save(state)
    await state.set_state(ReportFlow.filling)
    await warn_if_late(message, period, now, tz)
    preview = await signing_draft(
        session=session,
        unit=item.unit,
        campaign=item.campaign,
        period=period,
        now=now,
        own={},
        form=form,
    )
    await message.answer(
        signing_texts.opening(preview, period, len(form.fields), current_locale())
    )
    await ask_question(message, draft, form)


async def warn_if_late(message: Answerable, period: Period, now: datetime, tz: str) -> None:
    if is_late(now, period):
        await message.answer(
            _("The deadline {deadline} has passed: this report will be marked late.").format(
                deadline=moment(period.deadline_at, tz)
            )
        )


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
    message: Answerable,
    draft: ReportDraft,
    form: FormSpec,
    session: AsyncSession,
    now: datetime,
) -> None:
    campaign = await session.get(Campaign, draft.campaign_id)
    unit = await session.get(Unit, draft.unit_id)
    period = await session.get(Period, draft.period_id)
    assert campaign is not None and unit is not None and period is not None
    locale = current_locale()
    if draft.signing:
        # What would be signed now: the units below as they stand, and these answers.
        preview = await signing_draft(
            session=session,
            unit=unit,
            campaign=campaign,
            period=period,
            now=now,
            own=draft.values,
            form=form,
        )
        await message.answer(
            signing_texts.review(preview, period, form, draft.values, locale),
            reply_markup=keyboards.review(form, locale, signing=True),
        )
        return
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
    now: datetime,
) -> None:
    """Go to the next question, or to the summary after the last one (or after an edit)."""
    draft.selected = []
    if draft.editing_one or draft.index + 1 >= len(form.fields):
        draft.editing_one = False
        await draft.save(state)
        await state.set_state(ReportFlow.reviewing)
        await show_review(message, draft, form, session, now)
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
    form = await form_by_id(session=session, form_id=draft.form_id)
    return draft, signing_form(form) if draft.signing else form


async def resume(
    message: Answerable, state: FSMContext, session: AsyncSession, now: datetime
) -> None:
    current = await load_current(state, session)
    if current is None:
        return
    draft, form = current
    if await state.get_state() == ReportFlow.filling.state:
        await ask_question(message, draft, form)
    elif await state.get_state() == ReportFlow.reviewing.state:
        await show_review(message, draft, form, session, now)
