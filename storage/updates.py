"""Deduplication of incoming updates: each (channel, update key) is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.dialect import insert_ignore, rowcount
from storage.models import ProcessedUpdate


async def seen(*, session: AsyncSession, channel: str, key: str) -> bool:
    """Whether the update was already handled (and committed) before."""
    result = await session.execute(
        select(col(ProcessedUpdate.update_key)).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_key == key
        )
    )
    return result.first() is not None


async def mark_seen(*, session: AsyncSession, channel: str, key: str, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if another process got there first."""
    result = await session.execute(
        insert_ignore(session, ProcessedUpdate, channel=channel, update_key=key, received_at=now)
    )
    return bool(rowcount(result))


async def forget_older_than(*, session: AsyncSession, moment: datetime) -> int:
    """Prune old keys: Telegram stops re-delivering an update after 24 hours."""
    result = await session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.received_at) < moment)
    )
    return rowcount(result)


KEEP_FOR = timedelta(days=2)
