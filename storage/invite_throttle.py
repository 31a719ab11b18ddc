"""Wrong invite codes, counted in the database so that guessing is slow for everyone: after
a few wrong codes in a rolling hour a person must wait, across restarts and processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import InviteAttempt, Person


@dataclass(frozen=True, slots=True)
class InviteLimits:
    wrong_per_window: int = 5
    window: timedelta = timedelta(hours=1)


async def throttled_until(
    *, session: AsyncSession, person: Person, now: datetime, limits: InviteLimits
) -> datetime | None:
    """When the person may try a code again, or None if they may now.

    The person's row is locked first (PostgreSQL; SQLite has one writer anyway): wrong codes
    sent at once, a batch of updates handled as concurrent tasks, then count one after the
    other instead of all reading "none yet" (20 at once were 15 looked up, not 5).
    """
    await session.execute(
        select(col(Person.id)).where(col(Person.id) == person.id).with_for_update()
    )
    result = await session.execute(
        select(col(InviteAttempt.attempted_at))
        .where(
            InviteAttempt.person_id == person.id,
            col(InviteAttempt.attempted_at) > now - limits.window,
        )
        .order_by(col(InviteAttempt.attempted_at).desc())
        .limit(limits.wrong_per_window)
    )
    times = list(result.scalars().all())
    if len(times) < limits.wrong_per_window:
        return None
    # Free again when the oldest of the last ``wrong_per_window`` leaves the window.
    return times[-1] + limits.window


async def record_wrong(*, session: AsyncSession, person: Person, now: datetime) -> None:
    assert person.id is not None
    session.add(InviteAttempt(person_id=person.id, attempted_at=now))
    await session.flush()
