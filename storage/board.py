"""The board's queries: the reporting units of one level under a unit, and their reports over
a campaign's weeks, set-based (a city's board is 9,000 cells × 13 weeks in four queries)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, case, func, select
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


async def units_of_level(
    *, session: AsyncSession, root_id: int, level: UnitLevel
) -> list[BoardUnit]:
    """Every unit of ``level`` under ``root_id`` (the same units ``unit_states`` reads),
    ordered by code as /status lists them."""
    tree = subtree(root_id, down_to=level)
    parent = aliased(Unit)
    found: Result[Any] = await session.execute(
        select(col(Unit.id), col(Unit.code), col(Unit.name), col(parent.name).label("parent"))
        .join(tree, tree.c.id == col(Unit.id))
        .outerjoin(parent, col(parent.id) == col(Unit.parent_id))
        .where(col(Unit.level) == level)
        .order_by(col(Unit.code))
    )
    return [BoardUnit(row.id, row.code, row.name, row.parent or "") for row in found.all()]


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


async def filed_per_period(
    *, session: AsyncSession, root_id: int, level: UnitLevel, period_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """Period id → (on time, late) reports of the units of ``level`` under ``root_id``."""
    if not period_ids:
        return {}
    tree = subtree(root_id, down_to=level)
    on_time = func.sum(case((col(Report.on_time).is_(True), 1), else_=0))
    rows = await session.execute(
        select(col(Report.period_id), on_time.label("on_time"), func.count().label("filed"))
        .join(tree, tree.c.id == col(Report.unit_id))
        .join(Unit, col(Unit.id) == col(Report.unit_id))
        .where(col(Report.period_id).in_(list(period_ids)), col(Unit.level) == level)
        .group_by(col(Report.period_id))
    )
    return {
        row.period_id: (int(row.on_time or 0), int(row.filed) - int(row.on_time or 0))
        for row in rows.all()
    }


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
