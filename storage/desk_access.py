"""Who may open the officials' web desk: single-use links and the sessions they start.

A link (``/web`` in chat, ``gopy web-link``) carries a random token, good once and for
``LINK_TTL``; opening it starts a session whose random token the browser keeps in a cookie,
ended by signing out or after ``IDLE`` without a request. The database keeps only keyed
hashes of both tokens (``ServerKey.desk_hash``): a dump opens nothing. Whether the person may
see a page is asked afresh on every request (``Member``), never remembered in the session:
an official whose role is removed loses the desk at their next click.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.dialect import rowcount
from storage.keys import ServerKey
from storage.models import DeskLink, DeskSession, Person, Role, RoleKind, Unit
from storage.people import Member, load_member

LINK_TTL = timedelta(minutes=10)
IDLE = timedelta(hours=8)
# A session's last request is written at most this often: a page's few requests cost one
# write, not one each, while the idle limit stays exact to the minute.
_TOUCH_EVERY = timedelta(minutes=1)
# Old links and ended sessions are deleted this long after they stopped working.
_KEEP = timedelta(days=30)
_TOKEN_BYTES = 32
# What ``new_token`` makes: 43 characters of base64url. A cookie or an address holding anything
# else is no token, and is refused before it is hashed (a cookie's bytes that are not UTF-8
# arrive as lone surrogates, which cannot be encoded to be hashed).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


DESK_CHANNEL = "desk"  # a person who signs in to the desk only, never writes to the bot


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def well_formed(token: str) -> bool:
    """Whether ``token`` could be one ``new_token`` made."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


async def issue_link(
    *, session: AsyncSession, key: ServerKey, person: Person, now: datetime
) -> str:
    """A new single-use link's token for ``person`` (the caller has checked they may)."""
    assert person.id is not None
    await forget_old(session=session, now=now)
    token = new_token()
    session.add(
        DeskLink(
            token_hash=key.desk_hash(token),
            person_id=person.id,
            created_at=now,
            expires_at=now + LINK_TTL,
        )
    )
    await session.flush()
    return token


async def desk_account(*, session: AsyncSession, unit: Unit, name: str, now: datetime) -> Person:
    """A new desk-only person, official of ``unit`` (an office without chat access)."""
    assert unit.id is not None
    person = Person(
        channel=DESK_CHANNEL,
        external_id=secrets.token_hex(16),
        full_name=name[:255],
        created_at=now,
    )
    session.add(person)
    await session.flush()
    assert person.id is not None
    session.add(Role(person_id=person.id, unit_id=unit.id, kind=RoleKind.OFFICIAL, granted_at=now))
    await session.flush()
    return person


class LinkRefusal(StrEnum):
    UNKNOWN = "unknown"  # never issued, or mistyped
    USED = "used"
    EXPIRED = "expired"


async def check_link(
    *, session: AsyncSession, key: ServerKey, token: str, now: datetime
) -> LinkRefusal | Person:
    """Whose desk the link would open, or why it would be refused (nothing used). The page
    names the person: an official tricked into opening someone else's link sees whose it is."""
    link = await _link(session, key, token)
    refusal = _refusal(link, now)
    if refusal is not None:
        return refusal
    assert link is not None
    person = await session.get(Person, link.person_id)
    return person if person is not None else LinkRefusal.UNKNOWN


async def _link(session: AsyncSession, key: ServerKey, token: str) -> DeskLink | None:
    if not well_formed(token):
        return None
    statement = select(DeskLink).where(DeskLink.token_hash == key.desk_hash(token))
    return (await session.execute(statement)).scalar_one_or_none()


def _refusal(link: DeskLink | None, now: datetime) -> LinkRefusal | None:
    if link is None:
        return LinkRefusal.UNKNOWN
    if link.used_at is not None:
        return LinkRefusal.USED
    if link.expires_at <= now:
        return LinkRefusal.EXPIRED
    return None


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # the session's, for the browser's cookie
    person_id: int


async def redeem_link(
    *, session: AsyncSession, key: ServerKey, token: str, now: datetime
) -> SignedIn | LinkRefusal:
    """Use the link once: a session for its person, or why not. Two tabs opening the same
    link at once get one session between them (the conditional update is the arbiter)."""
    link = await _link(session, key, token)
    refusal = _refusal(link, now)
    if refusal is not None:
        return refusal
    assert link is not None
    claimed = await session.execute(
        update(DeskLink)
        .where(col(DeskLink.id) == link.id, col(DeskLink.used_at).is_(None))
        .values(used_at=now)
    )
    if rowcount(claimed) != 1:
        return LinkRefusal.USED
    session_token = new_token()
    session.add(
        DeskSession(
            token_hash=key.desk_hash(session_token),
            person_id=link.person_id,
            created_at=now,
            seen_at=now,
        )
    )
    await session.flush()
    return SignedIn(session_token, link.person_id)


@dataclass(frozen=True, slots=True)
class DeskUser:
    """Who is at the desk: the member with their roles as of this request, and the token
    their forms are signed with."""

    member: Member
    session_id: int
    token: str
    # Its last request is older than ``_TOUCH_EVERY``: ``touch`` it.
    stale: bool = False

    @property
    def official(self) -> bool:
        return self.member.has(RoleKind.OFFICIAL)


async def desk_user(
    *, session: AsyncSession, key: ServerKey, token: str, now: datetime
) -> DeskUser | None:
    """The session's person if the session is live (not ended, used within ``IDLE``), with
    their roles as of now; None otherwise. Reads only: the caller ``touch``es a stale one."""
    if not well_formed(token):
        return None
    row = (
        await session.execute(
            select(DeskSession, Person)
            .join(Person, col(Person.id) == DeskSession.person_id)
            .where(DeskSession.token_hash == key.desk_hash(token))
        )
    ).first()
    if row is None:
        return None
    desk_session, person = row
    if desk_session.ended_at is not None or desk_session.seen_at + IDLE <= now:
        return None
    assert desk_session.id is not None
    member = await load_member(session=session, person=person)
    return DeskUser(member, desk_session.id, token, now - desk_session.seen_at >= _TOUCH_EVERY)


async def touch(*, session: AsyncSession, session_id: int, now: datetime) -> None:
    """The session's last request is ``now``: 8 idle hours count from here."""
    await session.execute(
        update(DeskSession).where(col(DeskSession.id) == session_id).values(seen_at=now)
    )


async def end_session(*, session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(
        update(DeskSession)
        .where(col(DeskSession.id) == session_id, col(DeskSession.ended_at).is_(None))
        .values(ended_at=now)
    )


async def end_sessions_of(*, session: AsyncSession, person_id: int, now: datetime) -> int:
    """Sign a person out everywhere (their role was removed, say); how many sessions ended."""
    result = await session.execute(
        update(DeskSession)
        .where(col(DeskSession.person_id) == person_id, col(DeskSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    return rowcount(result)


async def forget_old(*, session: AsyncSession, now: datetime) -> None:
    """Delete links and sessions that stopped working more than ``_KEEP`` ago."""
    cutoff = now - _KEEP
    await session.execute(delete(DeskLink).where(col(DeskLink.expires_at) < cutoff))
    await session.execute(
        delete(DeskSession).where(
            or_(col(DeskSession.ended_at) < cutoff, col(DeskSession.seen_at) < cutoff - IDLE)
        )
    )
