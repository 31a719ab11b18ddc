"""The sweeps: who gets which message when a reminder, escalation, digest or closing is due.

A sweep reads the database and returns *letters* (``storage.outbox.Letter``); queueing them
is the caller's business, so ``gopy remind --dry-run`` shows exactly what a real run would
send. Letters carry keys, so running a sweep twice queues nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import PeriodWindow, WeeklyRule, open_period, period_before
from scheduler.final import final_window
from scheduler.notices import Completeness, Named, Person, Reminder, Renderer, Tally
from scheduler.plan import CampaignRules, Sweep, SweepKind, parse_offsets, parse_weekly, periods
from scheduler.quiet import QuietHours
from storage.campaigns import deadlines_of
from storage.completeness import (
    Holder,
    UnitRef,
    UnitState,
    filed_counts,
    no_reminder,
    not_filed,
    officials_of,
    unit_states,
    units_above,
)
from storage.models import Campaign, Period, Purpose, Unit, UnitLevel
from storage.outbox import Letter
from storage.reports import ensure_period


@dataclass(frozen=True, slots=True)
class Defaults:
    """Process-wide rules a campaign may override (see ``bot.config.SchedulerSettings``)."""

    reminders: str = "24h,2h"
    quiet_hours: str = "21:00-07:00"
    digest: str = "mon 08:00"


async def rules_of(
    *, session: AsyncSession, campaign: Campaign, defaults: Defaults
) -> CampaignRules:
    assert campaign.id is not None
    tz = campaign.timezone
    deadlines = await deadlines_of(session=session, campaign=campaign)
    return CampaignRules(
        campaign_id=campaign.id,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        tz=ZoneInfo(tz),
        deadlines={d.level.value: WeeklyRule.parse(d.weekday, d.time, tz) for d in deadlines},
        reminders=parse_offsets(campaign.reminders or defaults.reminders),
        quiet=QuietHours.parse(campaign.quiet_hours or defaults.quiet_hours),
        digest=parse_weekly(defaults.digest, tz),
        finals={d.level.value: d.final_due for d in deadlines if d.final_due is not None},
    )


@dataclass(frozen=True, slots=True)
class Timing:
    """When letters queued now may go (now, or the end of quiet hours), and the quiet hours
    they carry for the sender to check again."""

    not_before: datetime
    quiet_hours: str | None = None
    timezone: str | None = None


def timing(rules: CampaignRules, now: datetime) -> Timing:
    quiet = rules.quiet
    if quiet is None:
        return Timing(now)
    return Timing(quiet.release(now, rules.tz), str(quiet), rules.tz.key)


@dataclass(slots=True)
class View:
    """What one overseeing unit sees of the units below it."""

    tally: Tally = field(default_factory=Tally)
    direct: list[UnitState] = field(default_factory=list)
    groups: dict[int, Tally] = field(default_factory=dict)


def build_views(
    states: Iterable[UnitState], units: dict[int, UnitRef], weight: dict[int, Tally] | None = None
) -> dict[int, View]:
    """Roll each unit's state up to every unit above it: its parent lists it by name, the
    units further up count it under their own child on the way down.

    ``weight`` replaces a unit's single-period tally (the closing summary counts weeks).
    """
    views: dict[int, View] = defaultdict(View)
    for state in states:
        own = (weight or {}).get(state.unit_id) or _tally(state)
        below = state.unit_id
        parent = state.parent_id
        hops = 0
        while parent is not None and parent in units and hops < 16:
            view = views[parent]
            view.tally += own
            if below == state.unit_id:
                view.direct.append(state)
            else:
                view.groups[below] = view.groups.get(below, Tally()) + own
            below, parent, hops = parent, units[parent].parent_id, hops + 1
    return dict(views)


def _tally(state: UnitState) -> Tally:
    return Tally(1, int(state.on_time is True), int(state.on_time is False))


def _named(state: UnitState) -> Named:
    holders = tuple(Person(h.name, h.unreachable) for h in state.holders)
    return Named(state.name, holders, no_reminder(state))


def notice_of(
    view: View,
    unit: UnitRef,
    campaign: Campaign,
    level: UnitLevel,
    period: Period | None,
    purpose: Purpose,
    units: dict[int, UnitRef],
    periods: int = 1,
    weight: dict[int, Tally] | None = None,
) -> Completeness:
    groups = [(units[child].name, tally) for child, tally in view.groups.items()]
    if weight is not None:  # the closing summary lists every unit with its weeks
        groups = [(s.name, weight[s.unit_id]) for s in view.direct] + groups
    return Completeness(
        purpose=purpose,
        campaign_title=campaign.title,
        tz=campaign.timezone,
        unit_id=unit.id,
        unit_name=unit.name,
        level=level,
        period_id=period.id if period is not None else None,
        deadline_at=period.deadline_at if period is not None else None,
        tally=view.tally,
        missing=tuple(_named(s) for s in view.direct if s.on_time is None),
        late=tuple(_named(s) for s in view.direct if s.on_time is False),
        groups=tuple(groups),
        periods=periods,
        campaign_id=campaign.id,
        final_report=period is not None and period.final,
    )


async def period_for(
    session: AsyncSession,
    campaign: Campaign,
    level: str,
    window: PeriodWindow,
    *,
    final: bool = False,
) -> Period:
    return await ensure_period(
        session=session,
        campaign=campaign,
        level=UnitLevel(level),
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
        final=final,
    )


def sweep_window(campaign: Campaign, rules: CampaignRules, sweep: Sweep) -> PeriodWindow:
    """The period a reminder or escalation sweep is about: a week, or the final report's."""
    if sweep.kind in (SweepKind.FINAL_REMINDER, SweepKind.FINAL_ESCALATION):
        return final_window(campaign, sweep.deadline_at)
    return window_ending(rules, sweep.level, sweep.deadline_at)


def is_final(sweep: Sweep) -> bool:
    return sweep.kind in (SweepKind.FINAL_REMINDER, SweepKind.FINAL_ESCALATION)


def window_ending(rules: CampaignRules, level: str, deadline: datetime) -> PeriodWindow:
    window = open_period(
        rules.deadlines[level], deadline, starts_at=rules.starts_at, ends_at=rules.ends_at
    )
    assert window is not None and window.deadline_at == deadline
    return window


def letter(
    holder: Holder,
    key: str,
    purpose: Purpose,
    notice: Reminder | Completeness,
    render: Renderer,
    when: Timing,
    **extra: object,
) -> Letter:
    text, markup = render(notice, holder.locale)
    return Letter(
        key=key,
        purpose=purpose,
        person_id=holder.person_id,
        channel=holder.channel,
        chat_id=holder.chat_id,
        text=text,
        markup=markup,
        not_before=when.not_before,
        quiet_hours=when.quiet_hours,
        timezone=when.timezone,
        recipient=holder.name,
        about=notice.unit_name,
        **extra,  # type: ignore[arg-type]
    )


def reminder_letters(
    states: Iterable[UnitState],
    campaign: Campaign,
    period: Period,
    render: Renderer,
    key: str,
    purpose: Purpose,
    when: Timing,
) -> list[Letter]:
    """One reminder per reachable holder of each unit that has not filed: a cell's
    secretaries, the officials of a unit that signs (a ward's, for its own report).

    A city's sweep makes 100,000 of them: what is the same for all is read once, out of the
    loop (the campaign and the period are ORM objects, slow to read attribute by attribute).
    """
    assert campaign.id is not None and period.id is not None
    campaign_id, title, tz = campaign.id, campaign.title, campaign.timezone
    period_id, deadline, level, final = period.id, period.deadline_at, period.level, period.final
    manual = purpose is Purpose.MANUAL
    prefix = f"{key}:{period_id}:"
    not_before, quiet_hours, timezone = when.not_before, when.quiet_hours, when.timezone
    out: list[Letter] = []
    for state in not_filed(states):
        if no_reminder(state) is not None:
            continue
        notice = Reminder(
            unit_id=state.unit_id,
            unit_name=state.name,
            campaign_id=campaign_id,
            campaign_title=title,
            deadline_at=deadline,
            tz=tz,
            manual=manual,
            level=level,
            final=final,
        )
        for holder in state.holders:
            if holder.unreachable:
                continue
            text, markup = render(notice, holder.locale)
            out.append(
                Letter(
                    key=f"{prefix}{state.unit_id}:{holder.person_id}",
                    purpose=purpose,
                    person_id=holder.person_id,
                    channel=holder.channel,
                    chat_id=holder.chat_id,
                    text=text,
                    markup=markup,
                    not_before=not_before,
                    unit_id=state.unit_id,
                    period_id=period_id,
                    expires_at=deadline,
                    quiet_hours=quiet_hours,
                    timezone=timezone,
                    recipient=holder.name,
                    about=state.name,
                )
            )
    return out


async def _overseers_letters(
    session: AsyncSession,
    views: dict[int, View],
    units: dict[int, UnitRef],
    make: Callable[[View, UnitRef], Completeness],
    key: str,
    purpose: Purpose,
    render: Renderer,
    when: Timing,
) -> list[Letter]:
    officials = await officials_of(session=session, unit_ids=views)
    out: list[Letter] = []
    for unit_id, people in officials.items():
        notice = make(views[unit_id], units[unit_id])
        for holder in people:
            if holder.unreachable:
                continue
            out.append(
                letter(
                    holder,
                    f"{key}:{unit_id}:{holder.person_id}",
                    purpose,
                    notice,
                    render,
                    when,
                )
            )
    return out


async def letters_for(
    *,
    session: AsyncSession,
    sweep: Sweep,
    campaign: Campaign,
    rules: CampaignRules,
    now: datetime,
    render: Renderer,
) -> list[Letter]:
    """The letters a due sweep sends (nothing is queued here)."""
    when = timing(rules, now)
    if sweep.kind in (SweepKind.REMINDER, SweepKind.FINAL_REMINDER):
        period, states = await _reminded(session, sweep, campaign, rules)
        return reminder_letters(
            states,
            campaign,
            period,
            render,
            f"{sweep.kind.value}:{sweep.label}",
            Purpose.REMINDER,
            when,
        )
    if sweep.kind in (SweepKind.ESCALATION, SweepKind.FINAL_ESCALATION):
        ended = sweep_window(campaign, rules, sweep)
        return await _completeness_letters(
            session,
            campaign,
            sweep.level,
            ended,
            Purpose.ESCALATION,
            render,
            when,
            final=is_final(sweep),
        )
    if sweep.kind is SweepKind.DIGEST:
        out: list[Letter] = []
        for level, rule in rules.deadlines.items():
            closed = last_closed(rule, rules, sweep.fire_at)
            if closed is not None:
                out += await _completeness_letters(
                    session, campaign, level, closed, Purpose.DIGEST, render, when
                )
        return out
    return await _closing_letters(session, campaign, rules, render, when)


async def _reminded(
    session: AsyncSession, sweep: Sweep, campaign: Campaign, rules: CampaignRules
) -> tuple[Period, list[UnitState]]:
    """The period a reminder sweep is about, and the state of each unit due to report."""
    period = await period_for(
        session,
        campaign,
        sweep.level,
        sweep_window(campaign, rules, sweep),
        final=is_final(sweep),
    )
    assert period.id is not None
    states = await unit_states(
        session=session,
        root_id=campaign.unit_id,
        level=UnitLevel(sweep.level),
        period_id=period.id,
    )
    return period, states


async def unfiled_for(
    *, session: AsyncSession, sweep: Sweep, campaign: Campaign, rules: CampaignRules
) -> list[UnitState]:
    """For a reminder sweep, every unit that has not filed, reachable or not (``no_reminder``
    says why not): what a dry run shows an official. Empty for other sweeps."""
    if sweep.kind not in (SweepKind.REMINDER, SweepKind.FINAL_REMINDER):
        return []
    _period, states = await _reminded(session, sweep, campaign, rules)
    return not_filed(states)


def last_closed(rule: WeeklyRule, rules: CampaignRules, moment: datetime) -> PeriodWindow | None:
    """The latest period whose deadline is before ``moment``."""
    current = open_period(
        rule, min(moment, rules.ends_at), starts_at=rules.starts_at, ends_at=rules.ends_at
    )
    if current is None:
        return None
    if current.deadline_at < moment:
        return current
    return period_before(rule, current, starts_at=rules.starts_at)


async def _completeness_letters(
    session: AsyncSession,
    campaign: Campaign,
    level: str,
    window: PeriodWindow,
    purpose: Purpose,
    render: Renderer,
    when: Timing,
    *,
    final: bool = False,
) -> list[Letter]:
    period = await period_for(session, campaign, level, window, final=final)
    assert period.id is not None
    states = await unit_states(
        session=session, root_id=campaign.unit_id, level=UnitLevel(level), period_id=period.id
    )
    units = await units_above(session=session, root_id=campaign.unit_id, level=UnitLevel(level))
    views = build_views(states, units)
    make = partial(
        notice_of,
        campaign=campaign,
        level=UnitLevel(level),
        period=period,
        purpose=purpose,
        units=units,
    )
    return await _overseers_letters(
        session, views, units, make, f"{purpose.value}:{period.id}", purpose, render, when
    )


async def _closing_letters(
    session: AsyncSession,
    campaign: Campaign,
    rules: CampaignRules,
    render: Renderer,
    when: Timing,
) -> list[Letter]:
    """The campaign's closing summary: weeks filed on time, late and missed, per unit."""
    assert campaign.id is not None
    out: list[Letter] = []
    for level, rule in rules.deadlines.items():
        weeks = sum(1 for _ in periods(rule, rules, rules.starts_at))
        states = await unit_states(
            session=session, root_id=campaign.unit_id, level=UnitLevel(level), period_id=None
        )
        counts = await filed_counts(
            session=session,
            root_id=campaign.unit_id,
            level=UnitLevel(level),
            campaign_id=campaign.id,
            until=campaign.ends_at,
        )
        weight = {s.unit_id: Tally(weeks, *counts.get(s.unit_id, (0, 0))) for s in states}
        units = await units_above(
            session=session, root_id=campaign.unit_id, level=UnitLevel(level)
        )
        views = build_views(states, units, weight)
        make = partial(
            notice_of,
            campaign=campaign,
            level=UnitLevel(level),
            period=None,
            purpose=Purpose.FINAL,
            units=units,
            periods=weeks,
            weight=weight,
        )
        out += await _overseers_letters(
            session,
            views,
            units,
            make,
            f"final:{campaign.id}:{level}",
            Purpose.FINAL,
            render,
            when,
        )
    return out


async def completeness_of(
    *,
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    period: Period,
    root_id: int,
) -> Completeness | None:
    """The live view of ``unit`` (an official's) over one period: /status and its button."""
    assert unit.id is not None and period.id is not None
    states = await unit_states(
        session=session, root_id=root_id, level=period.level, period_id=period.id
    )
    units = await units_above(session=session, root_id=root_id, level=period.level)
    view = build_views(states, units).get(unit.id)
    if view is None:
        return None
    return notice_of(view, units[unit.id], campaign, period.level, period, Purpose.DIGEST, units)
