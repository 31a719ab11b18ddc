"""The secretary's weekly report: its router, and opening a report (which week, amend)."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards, texts
from handlers.callbacks import (
    AmendReport,
    EditField,
    EditLetterhead,
    FileMissed,
    FormNav,
    Nav,
    PickPeriod,
    PickTarget,
    ToggleChoice,
)
from handlers.draft import ReportDraft
from handlers.filters import has_text, is_command
from handlers.format import moment
from handlers.replies import Answerable, reply_target
from handlers.report_form import (
    answer,
    back,
    cancel,
    choices_done,
    edit_field,
    interrupted,
    not_text,
    skip,
    stale_button,
    submit,
    toggle,
    use_buttons,
)
from handlers.report_steps import (
    assignment_of,
    begin_report,
    new_draft,
)
from handlers.states import ReportFlow
from scheduler.clock import Clock
from services.reporting import Assignment, assignments, target
from services.signing import final_target, signing_assignments
from storage.models import Campaign, Period, Report, RoleKind
from storage.people import Member
from storage.reports import get_report

# ``/start report``: the secretaries' quick-report poster (``gopy qr --report``, ``/qr``).
REPORT_PAYLOAD = "report"


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
    for key in keyboards.MENU_KEYS:
        router.message.register(interrupted, in_form, keyboards.MenuButton(key))
    router.callback_query.register(interrupted, in_form, AmendReport.filter())
    router.callback_query.register(interrupted, in_form, FileMissed.filter())
    router.callback_query.register(interrupted, in_form, EditLetterhead.filter())
    busy = StateFilter(ReportFlow.filling, ReportFlow.reviewing, ReportFlow.choosing_period)
    router.callback_query.register(interrupted, busy, PickTarget.filter())

    router.message.register(open_report, Command("report"))
    router.message.register(open_report, keyboards.MenuButton(keyboards.MENU_REPORT))
    router.message.register(open_report, keyboards.MenuButton(keyboards.MENU_SIGN))
    router.message.register(
        open_report, CommandStart(deep_link=True, magic=F.args == REPORT_PAYLOAD)
    )
    router.callback_query.register(pick_target, PickTarget.filter())
    router.callback_query.register(pick_period, ReportFlow.choosing_period, PickPeriod.filter())
    router.callback_query.register(amend_report, AmendReport.filter())
    router.callback_query.register(file_missed, FileMissed.filter())
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


async def open_report(
    message: Message, state: FSMContext, session: AsyncSession, member: Member, clock: Clock
) -> None:
    found = await _reports_of(session, member, clock.now())
    if not found and member.has(RoleKind.OFFICIAL) and not member.has(RoleKind.SECRETARY):
        await message.answer(
            _(
                "Your unit has no report of its own to sign right now: no open campaign sets "
                "a deadline for its level. /export makes the consolidated report of the units "
                "below."
            )
        )
        return
    if not found and not member.has(RoleKind.SECRETARY):
        await message.answer(
            _(
                "Weekly reports are filed by party cell secretaries. If you are one, "
                "send the invite code your ward gave you."
            )
        )
        return
    if await state.get_state() is not None:
        await state.clear()
    if not found:
        await message.answer(_("Your cell has no open campaign to report on right now."))
        return
    if len(found) == 1:
        await open_target(message, state, session, found[0], clock.now())
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
    found = await _reports_of(session, member, clock.now())
    chosen = [
        a
        for a in found
        if a.unit.id == callback_data.unit_id and a.campaign.id == callback_data.campaign_id
    ]
    if not chosen:  # forged or stale: the person is not (or no longer) secretary there
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    await open_target(reply_target(callback), state, session, chosen[0], clock.now())


async def _reports_of(session: AsyncSession, member: Member, now: datetime) -> list[Assignment]:
    """The cells the person files for and the units whose own report they sign."""
    return [
        *await assignments(session=session, member=member, now=now),
        *await signing_assignments(session=session, member=member, now=now),
    ]


async def open_target(
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
    final = await final_target(session=session, item=item, now=now) if item.signs else None
    if final is not None:
        await _offer_final(message, state, item, current.period, final)
        return
    if current.missed is not None:
        # Last week is still unfiled: offer it even when this week is filed already.
        assert current.missed.id is not None
        draft = new_draft(item, current.period)
        await draft.save(state)
        await state.set_state(ReportFlow.choosing_period)
        tz = item.campaign.timezone
        builder = InlineKeyboardBuilder()
        this_week = (
            _("This week (deadline {deadline})")
            if current.report is None
            else _("This week, change the report sent (deadline {deadline})")
        )
        builder.button(
            text=this_week.format(deadline=moment(current.period.deadline_at, tz)),
            callback_data=PickPeriod(period_id=current.period.id),
        )
        builder.button(
            text=_("Last week, late (deadline {deadline})").format(
                deadline=moment(current.missed.deadline_at, tz)
            ),
            callback_data=PickPeriod(period_id=current.missed.id),
        )
        builder.adjust(1)
        question = (
            _("Last week's report of your unit was not signed. Which week are you signing?")
            if item.signs
            else _("Last week's report was not filed. Which week are you reporting on?")
        )
        await message.answer(question, reply_markup=builder.as_markup())
        return
    await begin_report(message, state, session, item, current.period, current.report, now)


async def _offer_final(
    message: Answerable, state: FSMContext, item: Assignment, last: Period, final: Period
) -> None:
    """After the level's last week: the final report («Báo cáo tổng kết»), or the last week."""
    assert last.id is not None and final.id is not None
    await new_draft(item, last).save(state)
    await state.set_state(ReportFlow.choosing_period)
    tz = item.campaign.timezone
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📚 Final report (due {deadline})").format(deadline=moment(final.deadline_at, tz)),
        callback_data=PickPeriod(period_id=final.id),
    )
    builder.button(
        text=_("Last week (deadline {deadline})").format(deadline=moment(last.deadline_at, tz)),
        callback_data=PickPeriod(period_id=last.id),
    )
    builder.adjust(1)
    await message.answer(
        _("The campaign's weeks are over. Which report are you signing?"),
        reply_markup=builder.as_markup(),
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
    item = await assignment_of(session, member, draft)
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
    await begin_report(reply_target(callback), state, session, item, period, report, clock.now())


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
    await begin_report(reply_target(callback), state, session, item, period, report, clock.now())


async def file_missed(
    callback: CallbackQuery,
    callback_data: FileMissed,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    """A week shown as «not filed» in /myreports: file it now (late), or amend it if another
    secretary of the cell filed it meanwhile."""
    await callback.answer()
    period = await session.get(Period, callback_data.period_id)
    found = await assignments(session=session, member=member, now=clock.now())
    chosen = [
        a
        for a in found
        if period is not None
        and a.unit.id == callback_data.unit_id
        and a.campaign.id == period.campaign_id
        and a.unit.level == period.level
    ]
    if period is None or not chosen:
        await reply_target(callback).answer(_("This choice is no longer available."))
        return
    await state.clear()
    item = chosen[0]
    report = await get_report(session=session, period=period, unit=item.unit)
    await begin_report(reply_target(callback), state, session, item, period, report, clock.now())
