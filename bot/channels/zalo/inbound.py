"""Zalo events in, as aiogram updates: from a webhook body or a ``getUpdates`` poll, ids mapped
to local integers, replays dropped, and a typed number under a live menu turned into its
button's callback query.

An update id is a stable hash of Zalo's message id, so the database dedupe of
handlers.middlewares holds across restarts and processes.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram.methods import GetUpdates
from aiogram.types import File, Update

from bot.channels import updates
from bot.channels.zalo.ids import CHANNEL, ZaloIds
from bot.channels.zalo.menus import MenuBoard
from bot.channels.zalo.transport import ZaloTransport
from bot.channels.zalo_events import TEXT, Incoming, parse_event, stable_int, to_message
from scheduler.clock import Clock

if TYPE_CHECKING:
    from aiogram import Bot

MAX_SEEN = 10_000
# Consumed events may be served again at once (§12.4): never poll faster than this.
POLL_FLOOR = 1.0
V = TypeVar("V")
# A file id is stored in a column of this size (a photo's URL stands for its file id).
MAX_FILE_ID = 255


class Inbound:
    """What comes in from Zalo, for one bot."""

    def __init__(
        self,
        transport: ZaloTransport,
        ids: ZaloIds,
        menus: MenuBoard,
        clock: Clock,
        poll_floor: float = POLL_FLOOR,
    ) -> None:
        self.transport = transport
        self.ids = ids
        self.menus = menus
        self.clock = clock
        self.poll_floor = poll_floor
        self._seen: OrderedDict[str, None] = OrderedDict()
        # Photo URLs longer than a file_id column holds, by the short id given instead.
        self._long_urls: OrderedDict[str, str] = OrderedDict()
        self._quiet_until = 0.0

    async def to_update(self, body: Any) -> Update | None:
        """The aiogram update of a Zalo event (webhook body or getUpdates reply), or None for
        nothing to handle: an empty poll, garbage, a replay, an event with no sender."""
        event = parse_event(body)
        if event is None or event.sender_id is None or event.chat_id is None:
            return None
        if event.sender_is_bot or event.key in self._seen:
            return None
        sender_id = await self.ids.local(event.sender_id)
        chat_id = sender_id
        if event.chat_id != event.sender_id:
            chat_id = await self.ids.local(event.chat_id)
        # A quick memo of replays (Zalo may serve an event again at once); the lasting dedupe
        # is the database's, by update id, in handlers.middlewares. Noted once the ids are
        # known: a failed lookup leaves the event to a re-delivery.
        _remember(self._seen, event.key, None)
        sender = updates.user(sender_id, event.sender_name or "Zalo")
        update_id = stable_int(f"{CHANNEL}:{event.key}")
        if event.kind == TEXT and event.text is not None:
            choice = await self.menus.choose(chat_id, event.text)
            if choice is not None:
                data, menu_message = choice
                return updates.callback_update(
                    update_id=update_id,
                    sender=sender,
                    data=data,
                    message=menu_message,
                    callback_id=f"zalo:{chat_id}:{update_id}",
                )
        date = event.date or self.clock.now()
        message = to_message(
            event, chat_id=chat_id, sender=sender, date=date, photo_id=self._photo_id(event)
        )
        return Update(update_id=update_id, message=message)

    async def poll(self, bot: Bot, method: GetUpdates) -> list[Update]:
        """One ``getUpdates``: Zalo serves one event per call, and has no update ids (§2)."""
        # Zalo answers at once while it serves consumed events again (§12.4): after a poll
        # that brought nothing new, wait ``poll_floor``. A fresh event is followed at once, or
        # a busy bot would take one message a second.
        loop = asyncio.get_running_loop()
        wait = self._quiet_until - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._quiet_until = loop.time() + self.poll_floor
        seconds = method.timeout if method.timeout is not None else 30
        # aiogram's ``offset`` means nothing to Zalo.
        reply = await self.transport.request(
            bot, method, "getUpdates", {"timeout": str(seconds)}, seconds + 10
        )
        if not reply.ok:
            if reply.code == 408:
                return []  # the idle poll: HTTP 200 or 408, both seen (§12.3)
            raise self.transport.error(method, reply)
        update = await self.to_update(reply.result)
        if update is None:
            return []
        self._quiet_until = 0.0
        return [update]

    def file(self, file_id: str) -> File:
        """``getFile`` of an inbound photo: its path is its URL on Zalo's CDN."""
        path = self._long_urls.get(file_id, file_id)
        return File(file_id=file_id, file_unique_id=file_id[:64], file_path=path)

    def _photo_id(self, event: Incoming) -> str | None:
        url = event.photo_url
        if url is None or len(url) <= MAX_FILE_ID:
            return url
        short = f"zalo-photo:{event.key}"
        _remember(self._long_urls, short, url)
        return short


def _remember(memo: OrderedDict[str, V], key: str, value: V) -> None:
    """Keep ``key`` in a memo of at most ``MAX_SEEN`` entries, the oldest dropped first."""
    memo[key] = value
    while len(memo) > MAX_SEEN:
        memo.popitem(last=False)
