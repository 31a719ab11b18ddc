"""Zalo's ids as the local integers aiogram and the handlers expect.

Zalo's user and chat ids are 80-bit hex strings, too big for aiogram's ints; each becomes an
integer through storage.channel_ids, persistent across restarts and shared by processes.
``Person.external_id`` holds that integer as it does a Telegram id, so the handlers and the
outbox are the same on both channels.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import TelegramMethod
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.clock import Clock
from storage.channel_ids import external_id, local_id
from storage.database import SessionFactory

# The channel's name where its ids and menus are stored, and on its sessions.
CHANNEL = "zalo"


class ZaloIds:
    """Both directions of the id map, with a memo of this process in front of the database."""

    def __init__(
        self, sessions: SessionFactory, clock: Clock, write_lock: asyncio.Lock | None = None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.write_lock = write_lock
        self._to_local: dict[str, int] = {}
        self._to_zalo: dict[int, str] = {}

    async def local(self, zalo_id: str) -> int:
        """The integer of a Zalo user or chat id, allocated on first sight."""
        cached = self._to_local.get(zalo_id)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            if self.write_lock is not None:
                # Connection first, then the lock, as the Commit middleware takes them: the
                # other order deadlocks once updates holding every pooled connection queue for
                # the lock this one holds while it waits for a connection.
                await session.connection()
                async with self.write_lock:
                    number = await self._allocate(session, zalo_id)
            else:
                number = await self._allocate(session, zalo_id)
        self._remember(zalo_id, number)
        return number

    async def zalo_id(self, method: TelegramMethod[Any], chat_id: Any) -> str:
        """Zalo's id of a chat the bot was given as an integer (a string id passes as it is)."""
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            return chat_id
        number = int(chat_id)
        cached = self._to_zalo.get(number)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            found = await external_id(session=session, channel=CHANNEL, local=number)
        if found is None:
            raise TelegramBadRequest(method, "400 chat not found")
        self._remember(found, number)
        return found

    async def _allocate(self, session: AsyncSession, zalo_id: str) -> int:
        number = await local_id(
            session=session, channel=CHANNEL, external_id=zalo_id, now=self.clock.now()
        )
        await session.commit()
        return number

    def _remember(self, zalo_id: str, number: int) -> None:
        self._to_local[zalo_id] = number
        self._to_zalo[number] = zalo_id
