"""The web form's limit per network address: comments per clock hour from one address.

What is kept must not tie a comment to where it came from. So an attempt is a keyed hash of
the address *and the hour* (``ServerKey.address_key``) with the hour's start as its time:
rows of one hour cannot be matched to a comment by its second, nor followed into the next
hour. The price is a fixed window (up to twice the limit across an hour's turn) where the
per-person limit has a rolling one; this limit is the loose one (a mobile network puts many
phones behind one address), so that is fine.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.keys import ServerKey
from storage.models import WebAttempt

HOUR = timedelta(hours=1)
KEPT = timedelta(days=1)


def hour_of(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def address_limited_until(
    *, session: AsyncSession, key: ServerKey, address: str, now: datetime, per_hour: int
) -> datetime | None:
    """When ``address`` may send again (the next hour), or None if it may now."""
    hour = hour_of(now)
    source = key.address_key(address=address, hour=hour)
    count = await session.scalar(
        select(func.count())
        .select_from(WebAttempt)
        .where(col(WebAttempt.source_key) == source, col(WebAttempt.attempted_at) == hour)
    )
    return hour + HOUR if (count or 0) >= per_hour else None


async def record_attempt(
    *, session: AsyncSession, key: ServerKey, address: str, now: datetime
) -> None:
    """Count a comment from ``address``; and forget the attempts older than a day."""
    hour = hour_of(now)
    session.add(
        WebAttempt(source_key=key.address_key(address=address, hour=hour), attempted_at=hour)
    )
    await _forget_old(session, now)
    await session.flush()


async def _forget_old(session: AsyncSession, now: datetime) -> None:
    # The oldest row by its id is a look at the primary key's first entry; only when it is
    # old (once an hour, as the times are hours) does the delete scan the table.
    oldest = await session.scalar(
        select(WebAttempt.attempted_at).order_by(col(WebAttempt.id)).limit(1)
    )
    if oldest is not None and oldest < now - KEPT:
        await session.execute(delete(WebAttempt).where(col(WebAttempt.attempted_at) < now - KEPT))
