"""What an official oversees now: the open period of the units below them, how it stands,
and reminders they ask for by hand (``/status``, ``/remind``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import PeriodWindow, WeeklyRule, open_period
from scheduler.notices import Completeness, Renderer
from scheduler.sweeps import (
    Defaults,
    completeness_of,
    reminder_letters,
    rules_of,
    timing,
)
from storage.campaigns import campaigns_over, deadline_for
from storage.completeness import UnitState, unit_states
from storage.models import Campaign, Period, Purpose, RoleKind, Unit, UnitLevel
from storage.outbox import enqueue
from storage.people import Member
from storage.reports import ensure_period
from storage.units import is_within, levels_below


@dataclass(slots=True)
class Outreach:
    """What handlers need to queue messages: the words, the rules, and a bell for each
    delivery loop (rung when something was queued; the runner connects them)."""

    render: Renderer
    defaults: Defaults
    wake: Callable[[], None] = field(default=lambda: None)
    # Rung after an e-mail was queued (storage.mail_outbox.queue_mail) and committed.
    wake_mail: Callable[[], None] = field(default=lambda: None)


@dataclass(frozen=True, slots=True)
class Overseen:
    """An official's unit, a campaign it takes part in, and the period open for its units."""

    unit: Unit
    campaign: Campaign
    level: UnitLevel
    period: Period
    # The smaller of the unit's and the campaign's trees: where the reporting units are.
    root_id: int


async def root_for(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> int:
    assert unit.id is not None
    inside = await is_within(session=session, unit=unit, root_id=campaign.unit_id)
    return unit.id if inside else campaign.unit_id


@dataclass(frozen=True, slots=True)
class Watched:
    """What ``Overseen`` is before its period is stored: the week open for a level, as a
    window of the campaign's weekly rule (reading only; the desk's pages store nothing)."""

    unit: Unit
    campaign: Campaign
    level: UnitLevel
    rule: WeeklyRule
    window: PeriodWindow
    root_id: int


async def watched(*, session: AsyncSession, member: Member, now: datetime) -> list[Watched]:
    """The units, campaigns and levels an official oversees at ``now``, and the week open for
    each level (after the campaign's end: its last week). Reads only."""
    found: list[Watched] = []
    for unit in member.units(RoleKind.OFFICIAL):
        for campaign in await campaigns_over(session=session, unit=unit, now=now):
            for level in levels_below(unit.level):
                opened = await _open_window(session, campaign, level, now)
                if opened is not None:
                    root = await root_for(session=session, unit=unit, campaign=campaign)
                    found.append(Watched(unit, campaign, level, *opened, root))
    return found


async def overseen(*, session: AsyncSession, member: Member, now: datetime) -> list[Overseen]:
    found: list[Overseen] = []
    for item in await watched(session=session, member=member, now=now):
        period = await ensure_period(
            session=session,
            campaign=item.campaign,
            level=item.level,
            starts_at=item.window.starts_at,
            deadline_at=item.window.deadline_at,
        )
        found.append(Overseen(item.unit, item.campaign, item.level, period, item.root_id))
    return found


async def _open_window(
    session: AsyncSession, campaign: Campaign, level: UnitLevel, now: datetime
) -> tuple[WeeklyRule, PeriodWindow] | None:
    """The rule of ``level`` and its period open at ``now`` (after the end: the last one)."""
    deadline = await deadline_for(session=session, campaign=campaign, level=level)
    if deadline is None:
        return None
    rule = WeeklyRule.parse(deadline.weekday, deadline.time, campaign.timezone)
    window = open_period(
        rule, min(now, campaign.ends_at), starts_at=campaign.starts_at, ends_at=campaign.ends_at
    )
    return None if window is None else (rule, window)


async def status_views(
    *, session: AsyncSession, member: Member, now: datetime
) -> list[Completeness]:
    """How the open period stands for each unit the official oversees."""
    views: list[Completeness] = []
    for item in await overseen(session=session, member=member, now=now):
        view = await completeness_of(
            session=session,
            unit=item.unit,
            campaign=item.campaign,
            period=item.period,
            root_id=item.root_id,
        )
        if view is not None:
            views.append(replace(view, live=True))
    return views


async def status_of_period(
    *, session: AsyncSession, member: Member, unit_id: int, period_id: int
) -> Completeness | None:
    """The live view behind an escalation's button; None if not the member's to see."""
    units = {u.id: u for u in member.units(RoleKind.OFFICIAL)}
    period = await session.get(Period, period_id)
    unit = units.get(unit_id)
    if period is None or unit is None:
        return None
    campaign = await session.get(Campaign, period.campaign_id)
    if campaign is None:
        return None
    root = await root_for(session=session, unit=unit, campaign=campaign)
    view = await completeness_of(
        session=session, unit=unit, campaign=campaign, period=period, root_id=root
    )
    return replace(view, live=True) if view is not None else None


@dataclass(frozen=True, slots=True)
class Reminded:
    """What ``/remind`` did for one unit and campaign."""

    item: Overseen
    missing: int
    queued: int
    already: int  # reminded by hand earlier in this period
    nobody: list[str]  # missing units without a secretary on gopy
    blocked: list[str]  # missing units whose secretaries all blocked the bot
    goes_at: datetime  # later than now in quiet hours


async def remind_missing(
    *,
    session: AsyncSession,
    member: Member,
    now: datetime,
    render: Renderer,
    defaults: Defaults,
    campaign_id: int | None = None,
) -> list[Reminded]:
    """Queue a reminder to every unit under the official's that has not filed this week
    (``campaign_id``: in that campaign only, as the desk's button on its board does).

    Once per secretary and period, as every message of the outbox: pressing /remind again
    pings nobody twice (the automatic reminders still come).
    """
    done: list[Reminded] = []
    for item in await overseen(session=session, member=member, now=now):
        if campaign_id is not None and item.campaign.id != campaign_id:
            continue
        if item.period.deadline_at <= now:
            continue  # the campaign has ended; its last week can only be filed late
        states = await unit_states(
            session=session,
            root_id=item.root_id,
            level=item.level,
            period_id=item.period.id,
        )
        missing = [s for s in states if s.on_time is None]
        rules = await rules_of(session=session, campaign=item.campaign, defaults=defaults)
        when = timing(rules, now)
        letters = reminder_letters(
            missing, item.campaign, item.period, render, "manual", Purpose.MANUAL, when
        )
        queued = await enqueue(session=session, letters=letters, now=now)
        nobody, blocked = cannot_remind(missing)
        done.append(
            Reminded(
                item=item,
                missing=len(missing),
                queued=queued,
                already=len(letters) - queued,
                nobody=nobody,
                blocked=blocked,
                goes_at=when.not_before,
            )
        )
    return done


def cannot_remind(missing: list[UnitState]) -> tuple[list[str], list[str]]:
    """Of the units that have not filed, the names of those nobody can be reminded for: no
    secretary has joined yet, and those whose secretaries all blocked the bot."""
    nobody = [s.name for s in missing if not s.holders]
    blocked = [s.name for s in missing if s.holders and all(h.unreachable for h in s.holders)]
    return nobody, blocked
