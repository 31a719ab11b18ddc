"""Units of the party hierarchy (city → ward → cell): lookups and the tree below a unit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.models import Unit, UnitLevel


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


_ORDER = (UnitLevel.CITY, UnitLevel.WARD, UnitLevel.CELL)


def levels_below(level: UnitLevel) -> tuple[UnitLevel, ...]:
    """The levels under ``level``, nearest first (a city oversees wards, then cells)."""
    return _ORDER[_ORDER.index(level) + 1 :]


async def is_within(*, session: AsyncSession, unit: Unit, root_id: int) -> bool:
    """Whether ``unit`` is ``root_id`` or below it."""
    return unit.id == root_id or any(
        u.id == root_id for u in await ancestors(session=session, unit=unit)
    )
