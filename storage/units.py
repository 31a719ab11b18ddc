"""Units of the party hierarchy (city → ward → cell): lookups and the tree below a unit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import RoleKind, Unit, UnitLevel


async def get_unit(*, session: AsyncSession, code: str) -> Unit | None:
    result = await session.execute(select(Unit).where(Unit.code == code))
    return result.scalar_one_or_none()


async def ancestors(*, session: AsyncSession, unit: Unit) -> list[Unit]:
    """The chain of parents of ``unit``, nearest first."""
    chain: list[Unit] = []
    current = unit
    while current.parent_id is not None and len(chain) < 16:
        parent = await session.get(Unit, current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return chain


async def children(*, session: AsyncSession, unit: Unit) -> list[Unit]:
    """The units right below ``unit`` (a ward's cells), by code."""
    result = await session.execute(
        select(Unit).where(col(Unit.parent_id) == unit.id).order_by(col(Unit.code))
    )
    return list(result.scalars().all())


# Highest first; the enum's order is the hierarchy's.
_ORDER = tuple(UnitLevel)


def levels_below(level: UnitLevel) -> tuple[UnitLevel, ...]:
    """The levels under ``level``, nearest first (a city oversees districts, wards, cells)."""
    return _ORDER[_ORDER.index(level) + 1 :]


def levels_above(level: UnitLevel) -> tuple[UnitLevel, ...]:
    """The levels over ``level``, nearest first (a ward is overseen by districts, cities…)."""
    return _ORDER[: _ORDER.index(level)][::-1]


def filer_role(unit: Unit | UnitLevel) -> RoleKind:
    """Who files a unit's report: a cell's secretaries; above cells, the unit's officials,
    who sign what its children filed with its own items (a ward, a district, a city).

    By level, not by whether the unit has children today: a ward whose cells are not imported
    yet still signs its own report, and set-based queries (``storage.completeness``) can say
    it in SQL.
    """
    level = unit.level if isinstance(unit, Unit) else unit
    return RoleKind.SECRETARY if level is UnitLevel.CELL else RoleKind.OFFICIAL


async def is_within(*, session: AsyncSession, unit: Unit, root_id: int) -> bool:
    """Whether ``unit`` is ``root_id`` or below it."""
    return unit.id == root_id or any(
        u.id == root_id for u in await ancestors(session=session, unit=unit)
    )


async def all_units(*, session: AsyncSession) -> list[Unit]:
    """Every unit, in the order they were created (parents before their children)."""
    result = await session.execute(select(Unit).order_by(col(Unit.id)))
    return list(result.scalars().all())


def in_tree_order(units: list[Unit]) -> list[tuple[Unit, int]]:
    """``units`` depth first, each with its depth: a parent, then its children by code.

    A unit whose parent is not in ``units`` counts as a root.
    """
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        key = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(key, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    stack = [(u, 0) for u in sorted(children.get(None, []), key=lambda u: u.code, reverse=True)]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        below = sorted(children.get(unit.id, []), key=lambda u: u.code, reverse=True)
        stack.extend((child, depth + 1) for child in below)
    return ordered
