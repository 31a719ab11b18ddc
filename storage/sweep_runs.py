"""Sweeps that have run: a scheduled sweep runs once, across restarts and processes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.dialect import insert_ignore
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
