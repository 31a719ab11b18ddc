"""Who has filed for a period: the units of one level under a unit, their reports, their people.

Set-based on purpose: a sweep over a city of 100,000 cells is a handful of queries, not one
per cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CTE, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Period, Person, Report, Role, RoleKind, Unit, UnitLevel
from storage.units import ancestors, filer_role, levels_above


@dataclass(frozen=True, slots=True)
class Holder:
    """A person holding a role, with what it takes to message them."""

    person_id: int
    name: str
    channel: str
    chat_id: str
    locale: str | None
    unreachable: bool


@dataclass(slots=True)
class UnitState:
    """One reporting unit in one period: filed on time, late, or not at all (for a unit above
    cells: signed, or not); ``holders`` are those who file it (``storage.units.filer_role``)."""

    unit_id: int
    name: str
    parent_id: int | None
    on_time: bool | None  # None: not filed
    holders: list[Holder] = field(default_factory=list)
    role: RoleKind = RoleKind.SECRETARY

    @property
    def status(self) -> str:
        if self.on_time is None:
            return "missing"
        return "on_time" if self.on_time else "late"


class NoReminder(StrEnum):
    """Why a unit that has not filed gets no reminder."""

    NO_SECRETARY = "no_secretary"  # nobody has joined as its secretary yet
    NO_OFFICIAL = "no_official"  # a unit that signs (a ward…): none of its officials joined
    BLOCKED = "blocked"  # every one who files it has blocked the bot


def no_reminder(state: UnitState) -> NoReminder | None:
    """The one rule for who can be reminded: None when a reminder reaches a secretary of the
    unit, else why not (the dry run, /status and the escalation all say it the same way)."""
    if not state.holders:
        if state.role is RoleKind.OFFICIAL:
            return NoReminder.NO_OFFICIAL
        return NoReminder.NO_SECRETARY
    if all(holder.unreachable for holder in state.holders):
        return NoReminder.BLOCKED
    return None


def not_filed(states: Iterable[UnitState]) -> list[UnitState]:
    """Every unit that has not filed, whether or not anyone can be reminded about it."""
    return [state for state in states if state.on_time is None]


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    name: str
    parent_id: int | None
    level: UnitLevel


def subtree(root_id: int | Sequence[int], *, down_to: UnitLevel | None = None) -> CTE:
    """The ids of ``root_id`` (or of several roots) and every unit below it (a recursive
    CTE; both databases).

    ``down_to``: stop at that level; a city reading its 30 wards must not walk their 9,000
    cells (three times per report) to find them.
    """
    roots = [root_id] if isinstance(root_id, int) else list(root_id)
    tree = select(col(Unit.id).label("id")).where(col(Unit.id).in_(roots)).cte(recursive=True)
    below = select(col(Unit.id)).where(col(Unit.parent_id) == tree.c.id)
    if down_to is not None:
        order = list(UnitLevel)
        below = below.where(col(Unit.level).in_(order[: order.index(down_to) + 1]))
    return tree.union_all(below)


def _holder(row: Any) -> Holder:
    return Holder(
        person_id=row.person_id,
        name=row.full_name,
        channel=row.channel,
        chat_id=row.external_id,
        locale=row.locale,
        unreachable=row.unreachable_since is not None,
    )


def _people_columns() -> list[Any]:
    return [
        col(Person.id).label("person_id"),
        col(Person.full_name),
        col(Person.channel),
        col(Person.external_id),
        col(Person.locale),
        col(Person.unreachable_since),
    ]


def _of_level(root_id: int, level: UnitLevel) -> Any:
    """Units of ``level`` at or under ``root_id``. A unit sits below its parent's level
    (``bot.importers.org``), so the walk down stops above ``level`` and the units of ``level``
    are found by their parent: a city's 100,000 cells are not walked one by one."""
    above = levels_above(level)
    if not above:
        return col(Unit.id) == root_id
    tree = subtree(root_id, down_to=above[0])
    return or_(col(Unit.id) == root_id, col(Unit.parent_id).in_(select(tree.c.id)))


async def unit_states(
    *,
    session: AsyncSession,
    root_id: int,
    level: UnitLevel,
    period_id: int | None,
    parent_id: int | None = None,
) -> list[UnitState]:
    """Every unit of ``level`` under ``root_id`` (optionally: only children of ``parent_id``)
    with its report for the period (None: no period, all unfiled) and the active holders of
    the role that files it (cells: secretaries; above: officials), ordered by unit code.

    One query, a row per holder (or per unit without any): a city's reminder sweep reads
    100,000 of them, unpacked by position.
    """
    role = filer_role(level)
    where = [col(Unit.level) == level, _of_level(root_id, level)]
    if parent_id is not None:
        where.append(col(Unit.parent_id) == parent_id)
    rows = await session.execute(
        select(
            col(Unit.id),
            col(Unit.name),
            col(Unit.parent_id),
            col(Report.on_time),
            *_people_columns(),
        )
        .outerjoin(
            Report,
            and_(col(Report.unit_id) == col(Unit.id), col(Report.period_id) == (period_id or -1)),
        )
        .outerjoin(
            Role,
            and_(
                col(Role.unit_id) == col(Unit.id),
                col(Role.kind) == role,
                col(Role.active).is_(True),
            ),
        )
        .outerjoin(Person, col(Person.id) == col(Role.person_id))
        .where(*where)
        .order_by(col(Unit.code), col(Role.id))
    )
    states: list[UnitState] = []
    state: UnitState | None = None
    for unit_id, name, parent, on_time, person_id, *person in rows.all():
        if state is None or state.unit_id != unit_id:
            state = UnitState(unit_id, name, parent, on_time, [], role)
            states.append(state)
        if person_id is not None:
            full_name, channel, chat_id, locale, unreachable = person
            state.holders.append(
                Holder(person_id, full_name, channel, chat_id, locale, unreachable is not None)
            )
    return states


async def officials_of(
    *, session: AsyncSession, unit_ids: Iterable[int]
) -> dict[int, list[Holder]]:
    """Active officials of each unit (units without any are absent)."""
    ids = list(unit_ids)
    if not ids:
        return {}
    result = await session.execute(
        select(col(Role.unit_id), *_people_columns())
        .join(Person, col(Person.id) == col(Role.person_id))
        .where(
            col(Role.kind) == RoleKind.OFFICIAL,
            col(Role.active).is_(True),
            col(Role.unit_id).in_(ids),
        )
        .order_by(col(Role.id))
    )
    found: dict[int, list[Holder]] = defaultdict(list)
    for row in result.all():
        found[row.unit_id].append(_holder(row))
    return dict(found)


async def units_above(
    *, session: AsyncSession, root_id: int, level: UnitLevel
) -> dict[int, UnitRef]:
    """Units that oversee units of ``level`` under ``root_id``: the root's ancestors and the
    units of higher levels in its subtree (wards and the city, not the 100,000 cells; for
    wards, the districts and the city, not the cells below the wards)."""
    tree = subtree(root_id)
    result = await session.execute(
        select(col(Unit.id), col(Unit.name), col(Unit.parent_id), col(Unit.level))
        .join(tree, tree.c.id == col(Unit.id))
        .where(col(Unit.level).in_(levels_above(level)))
    )
    found = {row.id: UnitRef(row.id, row.name, row.parent_id, row.level) for row in result.all()}
    root = await session.get(Unit, root_id)
    for unit in await ancestors(session=session, unit=root) if root is not None else []:
        assert unit.id is not None
        found[unit.id] = UnitRef(unit.id, unit.name, unit.parent_id, unit.level)
    return found


async def filed_counts(
    *, session: AsyncSession, root_id: int, level: UnitLevel, campaign_id: int, until: datetime
) -> dict[int, tuple[int, int]]:
    """Per unit of ``level`` under ``root_id``: (on time, late) reports over the campaign's
    periods with a deadline up to ``until``."""
    tree = subtree(root_id)
    on_time = func.sum(case((col(Report.on_time).is_(True), 1), else_=0))
    result = await session.execute(
        select(col(Report.unit_id), on_time.label("on_time"), func.count().label("filed"))
        .join(Period, col(Period.id) == col(Report.period_id))
        .join(Unit, col(Unit.id) == col(Report.unit_id))
        .join(tree, tree.c.id == col(Unit.id))
        .where(
            col(Period.campaign_id) == campaign_id,
            col(Period.level) == level,
            col(Period.deadline_at) <= until,
            col(Period.final).is_(False),
            col(Unit.level) == level,
        )
        .group_by(col(Report.unit_id))
    )
    return {
        row.unit_id: (int(row.on_time or 0), int(row.filed) - int(row.on_time or 0))
        for row in result.all()
    }
