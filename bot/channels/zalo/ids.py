"""Zalo's ids as the local integers aiogram and the handlers expect.

Zalo's user and chat ids are 80-bit hex strings, too big for aiogram's ints; each becomes an
integer through storage.channel_ids, persistent across restarts and shared by processes.
``Person.external_id`` holds that integer as it does a Telegram id, so the handlers and the
outbox are the same on both channels.
"""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import TelegramMethod

from scheduler.clock import Clock
from storage.channel_ids import external_id, local_id
from storage.database import Database

# The channel's name where its ids and menus are stored, and on its sessions.
CHANNEL = "zalo"


class ZaloIds:
    """Both directions of the id map, with a memo of this process in front of the database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._to_local: dict[str, int] = {}
        self._to_zalo: dict[int, str] = {}

    async def local(self, zalo_id: str) -> int:
        """The integer of a Zalo user or chat id, allocated on first sight."""
        cached = self._to_local.get(zalo_id)
        if cached is not None:
            return cached
        async with self.db.unit_of_work() as session:
            number = await local_id(
                session=session, channel=CHANNEL, external_id=zalo_id, now=self.clock.now()
            )
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
        async with self.db.sessions() as session:
            found = await external_id(session=session, channel=CHANNEL, local=number)
        if found is None:
            raise TelegramBadRequest(method, "400 chat not found")
        self._remember(found, number)
        return found

    def _remember(self, zalo_id: str, number: int) -> None:
        self._to_local[zalo_id] = number
        self._to_zalo[number] = zalo_id
