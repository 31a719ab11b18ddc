"""What an official oversees now: the open period of the units below them, how it stands,
and reminders they ask for by hand (``/status``, ``/remind``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import WeeklyRule, open_period
from scheduler.notices import Completeness, Renderer
from scheduler.sweeps import (
    Defaults,
    completeness_of,
    reminder_letters,
    rules_of,
    timing,
)
from storage.campaigns import campaigns_over, deadline_for
from storage.completeness import unit_states
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


async def overseen(*, session: AsyncSession, member: Member, now: datetime) -> list[Overseen]:
    found: list[Overseen] = []
    for unit in member.units(RoleKind.OFFICIAL):
        for campaign in await campaigns_over(session=session, unit=unit, now=now):
            for level in levels_below(unit.level):
                period = await _open_period(session, campaign, level, now)
                if period is not None:
                    root = await root_for(session=session, unit=unit, campaign=campaign)
                    found.append(Overseen(unit, campaign, level, period, root))
    return found


async def _open_period(
    session: AsyncSession, campaign: Campaign, level: UnitLevel, now: datetime
) -> Period | None:
    """The period of ``level`` open at ``now`` (after the end: the last one), if any."""
    deadline = await deadline_for(session=session, campaign=campaign, level=level)
    if deadline is None:
        return None
    rule = WeeklyRule.parse(deadline.weekday, deadline.time, campaign.timezone)
    window = open_period(
        rule, min(now, campaign.ends_at), starts_at=campaign.starts_at, ends_at=campaign.ends_at
    )
    if window is None:
        return None
    return await ensure_period(
        session=session,
        campaign=campaign,
        level=level,
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
    )


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
    *, session: AsyncSession, member: Member, now: datetime, render: Renderer, defaults: Defaults
) -> list[Reminded]:
    """Queue a reminder to every unit under the official's that has not filed this week.

    Once per secretary and period, as every message of the outbox: pressing /remind again
    pings nobody twice (the automatic reminders still come).
    """
    done: list[Reminded] = []
    for item in await overseen(session=session, member=member, now=now):
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
        done.append(
            Reminded(
                item=item,
                missing=len(missing),
                queued=queued,
                already=len(letters) - queued,
                nobody=[s.name for s in missing if not s.holders],
                blocked=[
                    s.name for s in missing if s.holders and all(h.unreachable for h in s.holders)
                ],
                goes_at=when.not_before,
            )
        )
    return done
