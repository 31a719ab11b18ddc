"""Units of the party hierarchy (city → ward → cell): lookups and the tree below a unit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Unit, UnitLevel


async def get_unit(*, session: AsyncSession, code: str) -> Unit | None:
    result = await session.execute(select(Unit).where(Unit.code == code))
    return result.scalar_one_or_none()


async def children(*, session: AsyncSession, unit: Unit) -> list[Unit]:
    result = await session.execute(
        select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)
    )
    return list(result.scalars().all())


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


async def descendants(*, session: AsyncSession, unit: Unit, level: UnitLevel) -> list[Unit]:
    """All units of ``level`` under ``unit`` (or ``unit`` itself if it is of that level)."""
    if unit.level is level:
        return [unit]
    found: list[Unit] = []
    frontier = [unit]
    while frontier:
        ids = [u.id for u in frontier]
        result = await session.execute(
            select(Unit).where(col(Unit.parent_id).in_(ids)).order_by(Unit.code)
        )
        frontier = list(result.scalars().all())
        found.extend(u for u in frontier if u.level is level)
    return found
