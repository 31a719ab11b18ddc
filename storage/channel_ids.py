"""A messenger's own ids (Zalo's hex strings) as the integers aiogram and gopy use, both ways."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.dialect import insert_ignore
from storage.keys import to_the_day
from storage.models import ChannelId

MAX_EXTERNAL = 64


async def local_id(*, session: AsyncSession, channel: str, external_id: str, now: datetime) -> int:
    """The integer of ``external_id``, given on first sight and the same ever after.

    Insert-or-ignore, then read: two processes meeting the same new id get the same integer.
    The caller commits.
    """
    if not external_id or len(external_id) > MAX_EXTERNAL:
        raise ValueError("an external id is 1 to 64 characters")
    found = await _find(session, channel, external_id)
    if found is not None:
        return found
    await session.execute(
        insert_ignore(
            session,
            ChannelId,
            channel=channel,
            external_id=external_id,
            created_at=to_the_day(now),
        )
    )
    found = await _find(session, channel, external_id)
    assert found is not None
    return found


async def external_id(*, session: AsyncSession, channel: str, local: int) -> str | None:
    """The messenger's id behind an integer, or None if the integer was never given."""
    result = await session.execute(
        select(col(ChannelId.external_id)).where(
            ChannelId.channel == channel, ChannelId.id == local
        )
    )
    return result.scalar_one_or_none()


async def _find(session: AsyncSession, channel: str, external: str) -> int | None:
    result = await session.execute(
        select(col(ChannelId.id)).where(
            ChannelId.channel == channel, ChannelId.external_id == external
        )
    )
    return result.scalar_one_or_none()
