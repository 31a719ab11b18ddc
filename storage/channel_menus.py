"""The live numbered menu of each chat on a messenger without buttons (Zalo).

A menu can name a comment («Đồng ý rút YK-…», a receipt): stored beside the chat's id, a dump
would tie an anonymous comment to its author. So the row is keyed by a keyed hash of the chat
(``storage.keys``) and the stored message keeps no chat id; the caller, who knows the chat,
puts it back when reading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.dialect import dialect_insert
from storage.keys import ServerKey
from storage.models import ChannelMenu


def _anonymised(message: dict[str, Any]) -> dict[str, Any]:
    chat = message.get("chat")
    kept = {"type": chat.get("type", "private")} if isinstance(chat, dict) else {}
    return {**message, "chat": kept}


async def put_menu(
    *,
    session: AsyncSession,
    key: ServerKey,
    channel: str,
    chat_id: int,
    message: dict[str, Any],
    text: str,
    options: list[str],
    now: datetime,
) -> None:
    """Make this the chat's live menu, replacing any other. The caller commits."""
    values = {
        "message": _anonymised(message),
        "text": text,
        "options": options,
        "shown_at": now,
    }
    insert = dialect_insert(session)(ChannelMenu).values(
        channel=channel, chat_id=key.chat_key(channel=channel, chat_id=chat_id), **values
    )
    await session.execute(
        insert.on_conflict_do_update(index_elements=["channel", "chat_id"], set_=values)
    )


async def drop_menu(*, session: AsyncSession, key: ServerKey, channel: str, chat_id: int) -> None:
    """The chat has no live menu any more. The caller commits."""
    await session.execute(
        delete(ChannelMenu).where(
            ChannelMenu.channel == channel,  # type: ignore[arg-type]
            ChannelMenu.chat_id == key.chat_key(channel=channel, chat_id=chat_id),  # type: ignore[arg-type]
        )
    )


async def get_menu(
    *, session: AsyncSession, key: ServerKey, channel: str, chat_id: int
) -> ChannelMenu | None:
    """The chat's live menu, its message with the chat's id back in place."""
    hashed = key.chat_key(channel=channel, chat_id=chat_id)
    result = await session.execute(
        select(ChannelMenu).where(ChannelMenu.channel == channel, ChannelMenu.chat_id == hashed)
    )
    row = result.scalar_one_or_none()
    if row is None:
        return None
    chat = row.message.get("chat") or {}
    message = {**row.message, "chat": {**chat, "id": chat_id, "type": chat.get("type", "private")}}
    return ChannelMenu(
        channel=row.channel,
        chat_id=chat_id,
        message=message,
        text=row.text,
        options=list(row.options),
        shown_at=row.shown_at,
    )
