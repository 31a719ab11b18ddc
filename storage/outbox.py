"""The outbox: messages queued by sweeps (and /remind), drained by the delivery loop.

Every state change is one short statement: the delivery loop commits after each so that a
crash loses nothing and repeats at most the messages that were on their way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.bulk_insert import insert_new
from storage.dialect import rowcount
from storage.models import Outbox, OutboxStatus, Person, Purpose, Report

REMINDERS = (Purpose.REMINDER, Purpose.MANUAL)


@dataclass(frozen=True, slots=True)
class Letter:
    """A message to queue: recipient, words, and what would make it pointless."""

    key: str
    purpose: Purpose
    person_id: int
    channel: str
    chat_id: str
    text: str
    markup: dict[str, Any] | None
    not_before: datetime
    unit_id: int | None = None
    period_id: int | None = None
    expires_at: datetime | None = None
    quiet_hours: str | None = None
    timezone: str | None = None
    # For people reading a dry run; not stored.
    recipient: str = ""
    about: str = ""


async def enqueue(*, session: AsyncSession, letters: Sequence[Letter], now: datetime) -> int:
    """Queue the letters whose key is new; returns how many were queued.

    A key already queued (a sweep run again, another process queueing the same letter
    meanwhile) is left out by the insert itself. A sweep of 100,000 letters spends its time
    here, so the rows go in column by column past the ORM (``storage.bulk_insert``), and the
    values all letters share are given once.
    """
    if not letters:
        return 0
    columns: dict[str, list[Any]] = {
        name: [getattr(letter, name) for letter in letters] for name in _PER_LETTER
    }
    shared = {
        name: values[0] for name, values in columns.items() if name != "key" and _all_same(values)
    }
    for name in shared:
        del columns[name]
    table = Outbox.__table__  # type: ignore[attr-defined]
    return await insert_new(
        session,
        table,
        columns,
        key="key",
        same={**shared, "created_at": now, "status": OutboxStatus.PENDING, "attempts": 0},
    )


# The outbox's columns a letter fills, in the letter's field names.
_PER_LETTER = (
    "key",
    "purpose",
    "person_id",
    "channel",
    "chat_id",
    "text",
    "markup",
    "unit_id",
    "period_id",
    "not_before",
    "expires_at",
    "quiet_hours",
    "timezone",
)


def _all_same(values: list[Any]) -> bool:
    first = values[0]
    return all(value == first for value in values)


@dataclass(frozen=True, slots=True)
class Parcel:
    """A queued message as the delivery loop sees it."""

    id: int
    person_id: int
    channel: str
    chat_id: str
    text: str
    markup: dict[str, Any] | None
    attempts: int
    quiet_hours: str | None = None
    timezone: str | None = None
    # Set when the message was held with its batch (PostgreSQL): for this sender until then.
    lease: datetime | None = None


def _parcel(row: Outbox, lease: datetime | None = None) -> Parcel:
    assert row.id is not None
    return Parcel(
        row.id,
        row.person_id,
        row.channel,
        row.chat_id,
        row.text,
        row.markup,
        row.attempts,
        row.quiet_hours,
        row.timezone,
        lease,
    )


def _deliverable(now: datetime, channels: Sequence[str]) -> list[Any]:
    return [
        col(Outbox.status) == OutboxStatus.PENDING,
        col(Outbox.not_before) <= now,
        col(Outbox.channel).in_(channels),
        or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) <= now),
    ]


async def deliverable(
    *, session: AsyncSession, now: datetime, channels: Sequence[str], limit: int = 100
) -> list[Parcel]:
    """The oldest messages that may go now, not held by a sender."""
    result = await session.execute(
        select(Outbox)
        .where(*_deliverable(now, channels))
        .order_by(col(Outbox.not_before), col(Outbox.id))
        .limit(limit)
    )
    return [_parcel(row) for row in result.scalars().all()]


async def next_batch(
    *,
    session: AsyncSession,
    now: datetime,
    channels: Sequence[str],
    until: datetime,
    limit: int = 100,
) -> list[Parcel]:
    """The oldest messages that may go now, for this sender.

    PostgreSQL: held together (leased until ``until``) with ``FOR UPDATE SKIP LOCKED``, so
    that senders in several processes take disjoint batches instead of racing for the same
    rows; commit before sending. SQLite (one process): read only. Either way each message is
    claimed (its try counted) just before it goes (``claim``).
    """
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return await deliverable(session=session, now=now, channels=channels, limit=limit)
    free = (
        select(col(Outbox.id))
        .where(*_deliverable(now, channels))
        .order_by(col(Outbox.not_before), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(Outbox)
        .where(col(Outbox.id).in_(free.scalar_subquery()))
        .values(lease_until=until)
        .returning(Outbox)
        .execution_options(synchronize_session=False)
    )
    rows = sorted(result.scalars().all(), key=lambda row: (row.not_before, row.id or 0))
    return [_parcel(row, until) for row in rows]


async def release(*, session: AsyncSession, parcel_ids: Sequence[int], held: datetime) -> None:
    """Give back messages held with their batch but not sent now (their chat must wait):
    free for any sender at once. Only those still under ``held``, this sender's lease: one
    whose lease ran out may be another sender's by now, on its way."""
    if not parcel_ids:
        return
    await session.execute(
        update(Outbox)
        .where(
            col(Outbox.id).in_(parcel_ids),
            col(Outbox.status) == OutboxStatus.PENDING,
            col(Outbox.lease_until) == held,
        )
        .values(lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def next_due(
    *, session: AsyncSession, now: datetime, channels: Sequence[str]
) -> datetime | None:
    """When the next pending message may go (``now`` if one already may): its ``not_before``,
    or the end of the lease another sender holds on it."""
    lease = col(Outbox.lease_until)
    ready = case((lease > col(Outbox.not_before), lease), else_=col(Outbox.not_before))
    result = await session.execute(
        select(func.min(ready)).where(
            col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.channel).in_(channels)
        )
    )
    raw: object = result.scalar_one_or_none()
    if raw is None:
        return None
    # SQLite returns the CASE as text, without the column's type.
    moment = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    assert isinstance(moment, datetime)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment, now)


async def void_obsolete(*, session: AsyncSession, now: datetime) -> int:
    """Skip reminders that no longer help: the unit has filed, or the deadline has passed."""
    filed = exists().where(
        col(Report.unit_id) == col(Outbox.unit_id), col(Report.period_id) == col(Outbox.period_id)
    )
    pending = [col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.purpose).in_(REMINDERS)]
    done = await session.execute(
        update(Outbox)
        .where(*pending, filed)
        .values(status=OutboxStatus.SKIPPED, last_error="filed before delivery")
    )
    late = await session.execute(
        update(Outbox)
        .where(*pending, col(Outbox.expires_at) < now)
        .values(status=OutboxStatus.SKIPPED, last_error="deadline passed before delivery")
    )
    return rowcount(done) + rowcount(late)


async def claim(
    *,
    session: AsyncSession,
    parcel_id: int,
    now: datetime,
    until: datetime,
    held: datetime | None = None,
) -> bool:
    """Hold the message for one sender until ``until`` and count the try; False if another
    holds it or it is done. ``held``: the lease this sender took with its batch (a lease is
    to the microsecond, so it names its holder)."""
    lease = col(Outbox.lease_until)
    free = or_(lease.is_(None), lease <= now)
    if held is not None:
        free = or_(free, lease == held)
    result = await session.execute(
        update(Outbox)
        .where(col(Outbox.id) == parcel_id, col(Outbox.status) == OutboxStatus.PENDING, free)
        .values(lease_until=until, attempts=col(Outbox.attempts) + 1)
    )
    return rowcount(result) == 1


async def mark_sent(*, session: AsyncSession, parcel_id: int, now: datetime) -> None:
    await session.execute(
        update(Outbox)
        .where(col(Outbox.id) == parcel_id)
        .values(status=OutboxStatus.SENT, sent_at=now, lease_until=None, last_error=None)
    )


async def retry_at(
    *, session: AsyncSession, parcel_id: int, moment: datetime, error: str, counted: bool = True
) -> None:
    """Put the message back in the queue for ``moment``; an uncounted try (429) gives its
    attempt back."""
    values: dict[str, Any] = {"not_before": moment, "lease_until": None, "last_error": error[:255]}
    if not counted:
        values["attempts"] = col(Outbox.attempts) - 1
    await session.execute(update(Outbox).where(col(Outbox.id) == parcel_id).values(**values))


async def postpone(
    *, session: AsyncSession, parcel_id: int, moment: datetime, held: datetime | None = None
) -> None:
    """Not now (quiet hours): the message waits, without using up a try. ``held``: it was
    held with its batch under this lease, and is given back; if the lease ran out and
    another sender holds it now, it is theirs and left alone."""
    values: dict[str, Any] = {"not_before": moment}
    where = [col(Outbox.id) == parcel_id]
    if held is not None:
        values["lease_until"] = None
        where.append(col(Outbox.lease_until) == held)
    await session.execute(update(Outbox).where(*where).values(**values))


async def give_up(*, session: AsyncSession, parcel_id: int, error: str) -> None:
    await session.execute(
        update(Outbox)
        .where(col(Outbox.id) == parcel_id)
        .values(status=OutboxStatus.FAILED, lease_until=None, last_error=error[:255])
    )


async def mark_unreachable(*, session: AsyncSession, person_id: int, now: datetime) -> None:
    """The messenger refuses to deliver to this person (they blocked the bot)."""
    await session.execute(
        update(Person)
        .where(col(Person.id) == person_id, col(Person.unreachable_since).is_(None))
        .values(unreachable_since=now)
    )


async def mark_reachable(*, session: AsyncSession, person: Person) -> None:
    """They wrote to the bot again, so it may write to them."""
    person.unreachable_since = None
    session.add(person)
    await session.flush()


async def counts(*, session: AsyncSession) -> dict[tuple[Purpose, OutboxStatus], int]:
    result = await session.execute(
        select(col(Outbox.purpose), col(Outbox.status), func.count()).group_by(
            col(Outbox.purpose), col(Outbox.status)
        )
    )
    return {(Purpose(p), OutboxStatus(s)): int(n) for p, s, n in result.all()}


async def recent_failures(*, session: AsyncSession, limit: int = 10) -> list[Outbox]:
    result = await session.execute(
        select(Outbox)
        .where(
            or_(
                col(Outbox.status) == OutboxStatus.FAILED,
                and_(col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.attempts) > 0),
            )
        )
        .order_by(col(Outbox.id).desc())
        .limit(limit)
    )
    return list(result.scalars().all())
