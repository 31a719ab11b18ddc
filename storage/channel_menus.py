"""The live numbered menu of each chat on a messenger without buttons (Zalo)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.dialect import dialect_insert
from storage.models import ChannelMenu


async def put_menu(
    *,
    session: AsyncSession,
    channel: str,
    chat_id: int,
    message: dict[str, Any],
    text: str,
    options: list[str],
    now: datetime,
) -> None:
    """Make this the chat's live menu, replacing any other. The caller commits."""
    values = {"message": message, "text": text, "options": options, "shown_at": now}
    insert = dialect_insert(session)(ChannelMenu).values(
        channel=channel, chat_id=chat_id, **values
    )
    await session.execute(
        insert.on_conflict_do_update(index_elements=["channel", "chat_id"], set_=values)
    )


async def drop_menu(*, session: AsyncSession, channel: str, chat_id: int) -> None:
    """The chat has no live menu any more. The caller commits."""
    await session.execute(
        delete(ChannelMenu).where(
            ChannelMenu.channel == channel,  # type: ignore[arg-type]
            ChannelMenu.chat_id == chat_id,  # type: ignore[arg-type]
        )
    )


async def get_menu(*, session: AsyncSession, channel: str, chat_id: int) -> ChannelMenu | None:
    result = await session.execute(
        select(ChannelMenu).where(ChannelMenu.channel == channel, ChannelMenu.chat_id == chat_id)
    )
    return result.scalar_one_or_none()
