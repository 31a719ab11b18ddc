"""Sweeps that have run: a scheduled sweep runs once, across restarts and processes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.dialect import insert_ignore, rowcount
from storage.models import SweepRun


async def ran(*, session: AsyncSession, keys: Iterable[str]) -> set[str]:
    wanted = list(keys)
    if not wanted:
        return set()
    result = await session.execute(select(col(SweepRun.key)).where(col(SweepRun.key).in_(wanted)))
    return set(result.scalars().all())


async def record(
    *, session: AsyncSession, key: str, now: datetime, queued: int, skipped: bool = False
) -> None:
    await session.execute(
        insert_ignore(session, SweepRun, key=key, ran_at=now, queued=queued, skipped=skipped)
    )


async def claim(*, session: AsyncSession, key: str, now: datetime) -> bool:
    """Record a sweep as run before running it: True for the one process that claims it. The
    other waits on the row (PostgreSQL) or the write lock (SQLite) until the first commits,
    then finds it claimed; two processes never both run it."""
    result = await session.execute(
        insert_ignore(session, SweepRun, key=key, ran_at=now, queued=0, skipped=False)
    )
    return rowcount(result) == 1
