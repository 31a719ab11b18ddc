"""The board: every reporting unit of one level × every week of a campaign, as an official
oversees it (on time, late, not filed, not yet due), read without storing anything.

The weeks are the campaign's weekly rule walked back from the week open now, as /status finds
it (``services.oversight.watched``); a week nobody has filed for has no stored period and is
shown all the same. On time and late are what the chat stored when the report was filed
(``storage.reports.is_late``): the board reads them, it never judges them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import PeriodWindow, period_before
from scheduler.notices import Tally
from services.oversight import Watched, cannot_remind, watched
from storage.board import (
    BoardUnit,
    census,
    filed_units,
    reports_of,
    units_of_level,
    units_page,
    weekly_periods,
)
from storage.completeness import not_filed, unit_states
from storage.models import Campaign, Unit, UnitLevel
from storage.people import Member
from storage.places import fold

PER_PAGE = 100


class Mark(StrEnum):
    """How one unit stands in one week."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # the deadline has passed and nothing was filed
    NOT_DUE = "not_due"  # nothing filed yet, and the deadline is still ahead


def mark(on_time: bool | None, deadline_at: datetime, now: datetime) -> Mark:
    """``on_time``: as stored with the report (None: no report). A week is open up to and
    including its deadline (``scheduler.calendar``)."""
    if on_time is None:
        return Mark.NOT_DUE if now <= deadline_at else Mark.MISSING
    return Mark.ON_TIME if on_time else Mark.LATE


@dataclass(frozen=True, slots=True)
class Week:
    starts_at: datetime
    deadline_at: datetime
    period_id: int | None  # None: not stored yet, so nobody has filed for it


def windows_until(watch: Watched) -> list[PeriodWindow]:
    """The weeks of the level from the campaign's start to the one open now, oldest first."""
    found: list[PeriodWindow] = []
    window: PeriodWindow | None = watch.window
    while window is not None and len(found) < 520:  # ten years of weeks: a bound, not a limit
        found.append(window)
        window = period_before(watch.rule, window, starts_at=watch.campaign.starts_at)
    return found[::-1]


@dataclass(frozen=True, slots=True)
class Scope:
    """A campaign as an official oversees it: from one of their units, over the smaller of
    its tree and the campaign's, for each level below their unit that reports in it."""

    unit: Unit
    campaign: Campaign
    root_id: int
    levels: tuple[Watched, ...]  # nearest level first

    @property
    def campaign_id(self) -> int:
        assert self.campaign.id is not None
        return self.campaign.id

    def level(self, level: UnitLevel) -> Watched | None:
        return next((w for w in self.levels if w.level is level), None)


async def scopes(*, session: AsyncSession, member: Member, now: datetime) -> list[Scope]:
    """The campaigns the official oversees now, each once (through the first of their units
    that oversees it), in /status's order."""
    grouped: dict[int, list[Watched]] = {}
    for watch in await watched(session=session, member=member, now=now):
        assert watch.campaign.id is not None
        levels = grouped.setdefault(watch.campaign.id, [])
        if not levels or levels[0].unit.id == watch.unit.id:
            levels.append(watch)
    return [
        Scope(levels[0].unit, levels[0].campaign, levels[0].root_id, tuple(levels))
        for levels in grouped.values()
    ]


@dataclass(frozen=True, slots=True)
class Filter:
    """Which rows of the board to show: all units count in the totals and the chart."""

    page: int = 1
    only_missing: bool = False  # only units that have not filed for the latest week
    search: str = ""  # in names and codes, without accents or case

    @property
    def narrowed(self) -> bool:
        return self.only_missing or bool(self.search)


@dataclass(frozen=True, slots=True)
class Row:
    unit: BoardUnit
    marks: tuple[Mark, ...]  # one per week


@dataclass
class Board:
    watch: Watched
    weeks: list[Week]
    totals: list[Tally]  # one per week, over every unit of the level
    rows: list[Row] = field(default_factory=list)
    units: int = 0  # every reporting unit of the level
    matched: int = 0  # of which the filter keeps
    page: int = 1
    pages: int = 1
    several_parents: bool = False  # the units report to more than one unit: name it


@lru_cache(maxsize=8192)
def _folded(text: str) -> str:
    # Names repeat across a city ("Chi bộ Tổ dân phố số 3" in every ward): fold each once.
    return fold(text)


async def board(
    *,
    session: AsyncSession,
    watch: Watched,
    now: datetime,
    wanted: Filter,
    per_page: int = PER_PAGE,
) -> Board | None:
    """The board of ``watch``'s level, the rows of one page; None for a page past the end."""
    assert watch.campaign.id is not None
    stored = await weekly_periods(
        session=session, campaign_id=watch.campaign.id, level=watch.level
    )
    weeks = [
        Week(w.starts_at, w.deadline_at, stored.get(w.deadline_at)) for w in windows_until(watch)
    ]
    period_ids = [w.period_id for w in weeks if w.period_id is not None]
    latest = weeks[-1].period_id
    counted = await census(
        session=session, root_id=watch.root_id, level=watch.level, period_ids=period_ids
    )
    totals = [Tally(counted.units, *counted.filed.get(w.period_id or -1, (0, 0))) for w in weeks]
    first = (wanted.page - 1) * per_page
    if wanted.search:  # names are folded here: the databases cannot drop Vietnamese accents
        kept = await units_of_level(session=session, root_id=watch.root_id, level=watch.level)
        if wanted.only_missing and latest is not None:
            done = await filed_units(session=session, period_id=latest)
            kept = [u for u in kept if u.id not in done]
        needle = fold(wanted.search)
        kept = [u for u in kept if needle in _folded(u.name) or needle in _folded(u.code)]
        matched, shown = len(kept), kept[first : first + per_page]
    else:
        matched = totals[-1].missing if wanted.only_missing else counted.units
        shown = []
        if first < matched:
            shown = await units_page(
                session=session,
                root_id=watch.root_id,
                level=watch.level,
                offset=first,
                limit=per_page,
                unfiled_in=latest if wanted.only_missing else None,
            )
    pages = max(1, -(-matched // per_page))
    if wanted.page > pages:
        return None
    found = await reports_of(
        session=session, unit_ids=[u.id for u in shown], period_ids=period_ids
    )
    rows = [
        Row(
            unit,
            tuple(
                mark(found.get((unit.id, w.period_id or -1)), w.deadline_at, now) for w in weeks
            ),
        )
        for unit in shown
    ]
    return Board(
        watch,
        weeks,
        totals,
        rows,
        units=counted.units,
        matched=matched,
        page=wanted.page,
        pages=pages,
        several_parents=counted.several_parents,
    )


async def could_not_remind(
    *, session: AsyncSession, watch: Watched
) -> tuple[list[str], list[str]]:
    """The units of the open week that /remind could not reach, as it names them
    (``services.oversight.cannot_remind``): without a secretary, and blocked."""
    assert watch.campaign.id is not None
    stored = await weekly_periods(
        session=session, campaign_id=watch.campaign.id, level=watch.level
    )
    period_id = stored.get(watch.window.deadline_at)
    states = await unit_states(
        session=session, root_id=watch.root_id, level=watch.level, period_id=period_id
    )
    return cannot_remind(not_filed(states))
