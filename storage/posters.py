"""Who prints a campaign's posters, and whose they are: an official of the campaign's unit (or
above it) prints campaign-wide codes; an official of a unit below it (a ward in a city's
consultation) prints their unit's, whose comments count for that unit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comments import overseeing_unit, overseen_campaigns
from storage.models import Campaign, RoleKind, Unit
from storage.people import Member
from storage.units import ancestors, is_within


@dataclass(frozen=True, slots=True)
class Printer:
    """The official's unit (named on the poster) and the unit the code belongs to (None:
    campaign-wide)."""

    unit: Unit
    owner: Unit | None


async def printer(*, session: AsyncSession, member: Member, campaign: Campaign) -> Printer | None:
    """How ``member`` prints ``campaign``'s posters; None: not one of their campaigns."""
    above = await overseeing_unit(session=session, member=member, campaign=campaign)
    if above is not None:
        return Printer(above, None)
    for unit in member.units(RoleKind.OFFICIAL):
        if await is_within(session=session, unit=unit, root_id=campaign.unit_id):
            return Printer(unit, unit)
    return None


async def printable_campaigns(
    *, session: AsyncSession, member: Member, limit: int = 10
) -> list[Campaign]:
    """The latest campaigns ``member`` may print posters for: those they oversee, and those
    run above their units (a ward's official and the city's consultation)."""
    overseen = await overseen_campaigns(session=session, member=member, limit=limit)
    above: set[int] = set()
    for unit in member.units(RoleKind.OFFICIAL):
        above.update(u.id for u in await ancestors(session=session, unit=unit) if u.id)
    result = await session.execute(
        select(Campaign).where(col(Campaign.unit_id).in_(above)).limit(limit)
    )
    found = {c.id: c for c in [*overseen, *result.scalars().all()]}
    latest = sorted(found.values(), key=lambda c: (c.starts_at, c.id or 0), reverse=True)
    return latest[:limit]
