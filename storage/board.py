"""The board's queries: the reporting units of one level under a unit, and their reports over
a campaign's weeks, set-based: a city's board of 9,000 cells × 13 weeks is three queries
(the count and the totals per week, a page of 100 rows, their reports)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Result, Select, case, exists, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.completeness import subtree
from storage.models import Period, Report, Unit, UnitLevel


@dataclass(frozen=True, slots=True)
class BoardUnit:
    """A row of the board: a reporting unit and the unit it reports to."""

    id: int
    code: str
    name: str
    parent: str  # the parent's name ("" for a unit without one)


@dataclass(frozen=True, slots=True)
class Census:
    """The units of one level under a unit, and their reports week by week."""

    units: int
    several_parents: bool  # they report to more than one unit
    filed: dict[int, tuple[int, int]]  # period id → (on time, late)


async def census(
    *, session: AsyncSession, root_id: int, level: UnitLevel, period_ids: Collection[int]
) -> Census:
    """The units of ``level`` under ``root_id`` (the units ``unit_states`` reads) counted, and
    their reports for each of ``period_ids``.

    One statement, so the tree is walked once for both (a city: 9,000 cells, 100,000
    reports): the first row holds the count, the others a week each.
    """
    tree = subtree(root_id, down_to=level)
    scope = (
        select(col(Unit.id).label("id"), col(Unit.parent_id).label("parent_id"))
        .join(tree, tree.c.id == col(Unit.id))
        .where(col(Unit.level) == level)
        .cte("scope")
    )
    nothing = literal(None, Integer)
    units = select(
        nothing.label("period_id"),
        func.count().label("a"),
        func.min(scope.c.parent_id).label("b"),
        func.max(scope.c.parent_id).label("c"),
    ).select_from(scope)
    on_time = func.sum(case((col(Report.on_time).is_(True), 1), else_=0))
    weeks = (
        select(col(Report.period_id), on_time, func.count(), nothing)
        .where(
            col(Report.period_id).in_(list(period_ids)),
            col(Report.unit_id).in_(select(scope.c.id)),
        )
        .group_by(col(Report.period_id))
    )
    rows = (await session.execute(union_all(units, weeks))).all()
    head = next(row for row in rows if row.period_id is None)
    return Census(
        units=int(head.a),
        several_parents=head.b != head.c,
        filed={
            row.period_id: (int(row.a or 0), int(row.b) - int(row.a or 0))
            for row in rows
            if row.period_id is not None
        },
    )


def _rows(root_id: int, level: UnitLevel) -> Select[int | None, str, str, str]:
    tree = subtree(root_id, down_to=level)
    parent = aliased(Unit)
    return (
        select(col(Unit.id), col(Unit.code), col(Unit.name), col(parent.name).label("parent"))
        .join(tree, tree.c.id == col(Unit.id))
        .outerjoin(parent, col(parent.id) == col(Unit.parent_id))
        .where(col(Unit.level) == level)
        .order_by(col(Unit.code))
    )


def _units(found: Result[Any]) -> list[BoardUnit]:
    return [BoardUnit(row.id, row.code, row.name, row.parent or "") for row in found.all()]


async def units_of_level(
    *, session: AsyncSession, root_id: int, level: UnitLevel
) -> list[BoardUnit]:
    """Every unit of ``level`` under ``root_id``, ordered by code as /status lists them."""
    return _units(await session.execute(_rows(root_id, level)))


async def units_page(
    *,
    session: AsyncSession,
    root_id: int,
    level: UnitLevel,
    offset: int,
    limit: int,
    unfiled_in: int | None = None,
) -> list[BoardUnit]:
    """``limit`` units of ``units_of_level`` from ``offset`` on; ``unfiled_in``: only those
    without a report for that period."""
    query = _rows(root_id, level)
    if unfiled_in is not None:
        query = query.where(
            ~exists().where(
                col(Report.unit_id) == col(Unit.id), col(Report.period_id) == unfiled_in
            )
        )
    return _units(await session.execute(query.offset(offset).limit(limit)))


async def reports_of(
    *, session: AsyncSession, unit_ids: Collection[int], period_ids: Collection[int]
) -> dict[tuple[int, int], bool]:
    """(unit id, period id) → on time, for the reports of those units in those periods."""
    if not unit_ids or not period_ids:
        return {}
    rows = await session.execute(
        select(col(Report.unit_id), col(Report.period_id), col(Report.on_time)).where(
            col(Report.unit_id).in_(list(unit_ids)), col(Report.period_id).in_(list(period_ids))
        )
    )
    return {(row.unit_id, row.period_id): bool(row.on_time) for row in rows.all()}


async def filed_units(*, session: AsyncSession, period_id: int) -> set[int]:
    """The units with a report for the period (whatever their unit: callers intersect)."""
    rows = await session.execute(
        select(col(Report.unit_id)).where(col(Report.period_id) == period_id)
    )
    return set(rows.scalars().all())


async def weekly_periods(
    *, session: AsyncSession, campaign_id: int, level: UnitLevel
) -> dict[datetime, int]:
    """The campaign's stored weekly periods of ``level``: deadline → period id."""
    rows = await session.execute(
        select(col(Period.deadline_at), col(Period.id)).where(
            col(Period.campaign_id) == campaign_id,
            col(Period.level) == level,
            col(Period.final).is_(False),
        )
    )
    return {row.deadline_at: row.id for row in rows.all()}
