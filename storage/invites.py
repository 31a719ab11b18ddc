"""Invites: single-use, expiring codes that bind a person to a unit with a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.codes import INVITE_LENGTH, hash_code, random_code
from storage.dialect import rowcount
from storage.invite_throttle import InviteLimits, record_wrong, throttled_until
from storage.keys import ServerKey
from storage.models import Invite, InviteMode, Person, Role, RoleKind, Unit
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


def _has_code(code: str, key: ServerKey) -> ColumnElement[bool]:
    """The invite printed as ``code``: keyed hash, or the plain SHA-256 of an invite made
    before migration 0007 (kept, flagged ``legacy``, until it expires)."""
    keyed = and_(col(Invite.code_hash) == key.invite_hash(code), col(Invite.legacy).is_(False))
    legacy = and_(col(Invite.code_hash) == hash_code(code), col(Invite.legacy).is_(True))
    return or_(keyed, legacy)


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
    result = await session.execute(select(Invite).where(_has_code(code, key)))
    invite = result.scalars().first()
    if invite is None:
        await record_wrong(session=session, person=person, now=now)
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


# Listing and revoking. An invite keeps no revoked flag (no column for it): revoking makes an
# unused invite expire now, which is what redeeming it then says, and what listing shows.


# An invite is still good at the very moment it expires: a revoked one expires just before
# ``now``, so it is refused from the instant it is revoked.
_AN_INSTANT = timedelta(microseconds=1)


class InviteState(StrEnum):
    OPEN = "open"  # unused and not expired: it still works
    USED = "used"
    EXPIRED = "expired"  # its time ran out, or it was revoked


def invite_state(invite: Invite, now: datetime) -> InviteState:
    if invite.used_at is not None:
        return InviteState.USED
    # As ``redeem_invite`` decides: an invite is still good at the very moment it expires.
    return InviteState.EXPIRED if invite.expires_at < now else InviteState.OPEN


async def invites_of(*, session: AsyncSession, unit: Unit) -> list[tuple[Invite, Person | None]]:
    """A unit's invites, the newest first, each with who used it."""
    result = await session.execute(
        select(Invite, Person)
        .outerjoin(Person, col(Person.id) == Invite.used_by_id)
        .where(Invite.unit_id == unit.id)
        .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
    )
    return [(invite, person) for invite, person in result.all()]


async def find_invite(
    *,
    session: AsyncSession,
    key: ServerKey,
    code: str | None = None,
    invite_id: int | None = None,
) -> Invite | None:
    """An invite by its plain code (as printed) or by its number (as listed)."""
    if invite_id is not None:
        return await session.get(Invite, invite_id)
    if code is None:
        return None
    result = await session.execute(select(Invite).where(_has_code(code, key)))
    return result.scalars().first()


async def revoke_invite(*, session: AsyncSession, invite: Invite, now: datetime) -> InviteState:
    """Make an open invite expire now. Returns its state before: ``OPEN`` means revoked now.

    The UPDATE is conditional, like a redemption's, so an invite used a moment ago stays used.
    """
    revoked = await session.execute(
        update(Invite)
        .where(
            col(Invite.id) == invite.id,
            col(Invite.used_at).is_(None),
            col(Invite.expires_at) >= now,
        )
        .values(expires_at=now - _AN_INSTANT)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(invite)
    return InviteState.OPEN if rowcount(revoked) == 1 else invite_state(invite, now)


async def revoke_open_invites(*, session: AsyncSession, unit: Unit, now: datetime) -> int:
    """Make every open invite of a unit expire now; how many there were."""
    revoked = await session.execute(
        update(Invite)
        .where(
            col(Invite.unit_id) == unit.id,
            col(Invite.used_at).is_(None),
            col(Invite.expires_at) >= now,
        )
        .values(expires_at=now - _AN_INSTANT)
        .execution_options(synchronize_session=False)
    )
    return rowcount(revoked)
