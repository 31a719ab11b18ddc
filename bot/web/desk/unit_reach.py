"""Which units and invites an official reaches on the desk: their OFFICIAL units and every
unit below them. An id from an address or a form becomes a unit only through here; anything
else is the same 404 whether it exists or not, so another ward's ids cannot be probed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.invites import find_invite
from storage.keys import ServerKey
from storage.models import Invite, RoleKind, Unit
from storage.people import Member
from storage.units import ancestors

# Ids are INTEGER columns: a larger number is no id, and PostgreSQL would refuse to compare.
MAX_ID = 2**31 - 1


def parse_id(raw: str) -> int | None:
    """A row id as an address or a form carries it (ASCII digits, 1…2³¹−1), else None."""
    if not 1 <= len(raw) <= 10 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


@dataclass(frozen=True, slots=True)
class Reached:
    """A unit within the official's reach, with its chain of parents and the official's own
    units (what links and invite rules need to know)."""

    unit: Unit
    above: list[Unit]  # its parents, nearest first
    mine: frozenset[int]  # the ids of the official's OFFICIAL units

    @property
    def above_ids(self) -> list[int | None]:
        return [u.id for u in self.above]

    def reaches_parent(self, index: int) -> bool:
        """Whether ``above[index]`` is within reach too: it or one of its parents is the
        official's."""
        return any(u.id in self.mine for u in self.above[index:])


def official_units(member: Member) -> frozenset[int]:
    return frozenset(u.id for u in member.units(RoleKind.OFFICIAL) if u.id is not None)


async def reach_unit(*, session: AsyncSession, member: Member, raw_id: str) -> Reached | None:
    """The unit of id ``raw_id`` if the official reaches it; None otherwise (or no such id)."""
    unit_id = parse_id(raw_id)
    mine = official_units(member)
    if unit_id is None or not mine:
        return None
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return None
    above = await ancestors(session=session, unit=unit)
    if unit.id not in mine and not any(u.id in mine for u in above):
        return None
    return Reached(unit, above, mine)


async def reach_invite(
    *, session: AsyncSession, key: ServerKey, member: Member, raw_id: str
) -> tuple[Invite, Reached] | None:
    """The invite of id ``raw_id`` if its unit is within reach; None otherwise."""
    invite_id = parse_id(raw_id)
    if invite_id is None:
        return None
    invite = await find_invite(session=session, key=key, invite_id=invite_id)
    if invite is None:
        return None
    reached = await reach_unit(session=session, member=member, raw_id=str(invite.unit_id))
    return (invite, reached) if reached is not None else None
