"""Invites: single-use, expiring codes that bind a person to a unit with a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.codes import INVITE_LENGTH, hash_code, random_code
from storage.dialect import rowcount
from storage.invite_throttle import InviteLimits, record_wrong, throttled_until
from storage.keys import ServerKey
from storage.models import Invite, InviteMode, Person, RoleKind, Unit
from storage.people import grant_role

DEFAULT_TTL = timedelta(days=14)


class RedeemOutcome(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    # Too many wrong codes lately: not even looked up (see ``storage.invite_throttle``).
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class Redeemed:
    outcome: RedeemOutcome
    unit: Unit | None = None
    role: RoleKind | None = None
    retry_at: datetime | None = None


async def create_invites(
    *,
    session: AsyncSession,
    unit: Unit,
    role: RoleKind,
    key: ServerKey,
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
                code_hash=key.invite_hash(code),
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
    *,
    session: AsyncSession,
    code: str,
    person: Person,
    key: ServerKey,
    now: datetime,
    limits: InviteLimits = InviteLimits(),  # noqa: B008  (frozen: shared safely)
) -> Redeemed:
    """Use an invite for ``person``. Of two concurrent redemptions exactly one wins.

    The win is decided by a conditional UPDATE (``used_at IS NULL``), which both SQLite and
    PostgreSQL apply atomically; the loser sees zero rows changed. A wrong code is counted;
    after ``limits.wrong_per_window`` of them no code is even looked up until the window
    frees, so the answer tells a guesser nothing.
    """
    frees_at = await throttled_until(session=session, person=person, now=now, limits=limits)
    if frees_at is not None:
        return Redeemed(RedeemOutcome.THROTTLED, retry_at=frees_at)
    keyed = and_(col(Invite.code_hash) == key.invite_hash(code), col(Invite.legacy).is_(False))
    legacy = and_(col(Invite.code_hash) == hash_code(code), col(Invite.legacy).is_(True))
    result = await session.execute(select(Invite).where(or_(keyed, legacy)))
    invite = result.scalars().first()
    if invite is None:
        await record_wrong(session=session, person=person, now=now)
        return Redeemed(RedeemOutcome.UNKNOWN)
    unit = await session.get(Unit, invite.unit_id)
    assert unit is not None and invite.id is not None
    if invite.used_at is not None:
        return Redeemed(RedeemOutcome.USED, unit, invite.role)
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
