"""Invites: single-use, expiring codes that bind a person to a unit with a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.codes import INVITE_LENGTH, hash_code, random_code
from storage.dialect import rowcount
from storage.models import Invite, InviteMode, Person, Role, RoleKind, Unit
from storage.people import grant_role

DEFAULT_TTL = timedelta(days=14)


class RedeemOutcome(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True, slots=True)
class Redeemed:
    outcome: RedeemOutcome
    unit: Unit | None = None
    role: RoleKind | None = None


async def create_invites(
    *,
    session: AsyncSession,
    unit: Unit,
    role: RoleKind,
    now: datetime,
    count: int = 1,
    mode: InviteMode = InviteMode.ADD,
    ttl: timedelta = DEFAULT_TTL,
) -> list[str]:
    """Create ``count`` invites and return their plain codes: the only time they exist unhashed."""
    assert unit.id is not None
    codes = [random_code(INVITE_LENGTH) for _ in range(count)]
    for code in codes:
        session.add(
            Invite(
                code_hash=hash_code(code),
                unit_id=unit.id,
                role=role,
                mode=mode,
                created_at=now,
                expires_at=now + ttl,
            )
        )
    await session.flush()
    return codes


async def redeem_invite(
    *, session: AsyncSession, code: str, person: Person, now: datetime
) -> Redeemed:
    """Use an invite for ``person``. Of two concurrent redemptions exactly one wins.

    The win is decided by a conditional UPDATE (``used_at IS NULL``), which both SQLite and
    PostgreSQL apply atomically; the loser sees zero rows changed.
    """
    result = await session.execute(select(Invite).where(Invite.code_hash == hash_code(code)))
    invite = result.scalar_one_or_none()
    if invite is None:
        return Redeemed(RedeemOutcome.UNKNOWN)
    unit = await session.get(Unit, invite.unit_id)
    assert unit is not None and invite.id is not None
    if invite.used_at is not None:
        # Their own code again, its role still held (a message re-delivered after a crash
        # between the commit and the welcome): the truth is the welcome, not "used".
        mine = await _holds_role_of(session, invite, person)
        return Redeemed(RedeemOutcome.OK if mine else RedeemOutcome.USED, unit, invite.role)
    if invite.expires_at < now:
        return Redeemed(RedeemOutcome.EXPIRED, unit, invite.role)
    claimed = await session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=now, used_by_id=person.id)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        return Redeemed(RedeemOutcome.USED, unit, invite.role)
    await grant_role(
        session=session,
        person=person,
        unit=unit,
        kind=invite.role,
        now=now,
        invite_id=invite.id,
        replace_others=invite.mode is InviteMode.REPLACE,
    )
    return Redeemed(RedeemOutcome.OK, unit, invite.role)


async def _holds_role_of(session: AsyncSession, invite: Invite, person: Person) -> bool:
    result = await session.execute(
        select(Role.id).where(
            Role.invite_id == invite.id, Role.person_id == person.id, col(Role.active)
        )
    )
    return result.first() is not None
