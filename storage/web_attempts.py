"""The web form's limit per network address: comments per clock hour from one address.

What is kept must not tie a comment to where it came from. An attempt is a keyed hash of the
address, *the hour* and its place in that hour's count (``ServerKey.address_key``: the first,
the second… comment from the address), with the hour's start as its time. Rows of one hour
cannot be matched to a comment by its second, nor followed into the next hour; and as no two
rows are alike, rows kept in the order of the comments (their ids, a table's own order) do not
tell which comments came from one network. Counting is asking which of the ``per_hour``
keys of the address this hour are taken. The price is a fixed window (up to twice the limit
across an hour's turn) where the per-person limit has a rolling one; this limit is the loose
one (a mobile network puts many phones behind one address), so that is fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.keys import ServerKey
from storage.models import WebAttempt

HOUR = timedelta(hours=1)
KEPT = timedelta(days=1)


def hour_of(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class AddressCount:
    """An address's comments this hour: the key its next one takes, or None at the limit."""

    hour: datetime
    free: str | None

    @property
    def retry_at(self) -> datetime | None:
        """When the address may send again (the next hour), or None if it may now."""
        return self.hour + HOUR if self.free is None else None


async def count_address(
    *, session: AsyncSession, key: ServerKey, address: str, now: datetime, per_hour: int
) -> AddressCount:
    """Which of the address's ``per_hour`` keys of this hour are taken, and the first free."""
    hour = hour_of(now)
    keys = [key.address_key(address=address, hour=hour, slot=n) for n in range(per_hour)]
    rows = await session.execute(
        select(col(WebAttempt.source_key)).where(
            col(WebAttempt.source_key).in_(keys), col(WebAttempt.attempted_at) == hour
        )
    )
    taken = set(rows.scalars().all())
    return AddressCount(hour, next((k for k in keys if k not in taken), None))


async def record_attempt(*, session: AsyncSession, count: AddressCount, now: datetime) -> None:
    """Count a comment from the address ``count`` was made for, in its free key; and forget
    the attempts older than a day. Callers count and record one at a time, in one transaction
    (``storage.web_comments``)."""
    if count.free is not None:
        session.add(WebAttempt(source_key=count.free, attempted_at=count.hour))
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
