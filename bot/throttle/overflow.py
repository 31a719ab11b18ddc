"""A direct reply that could not go within the retry bound, moved to the outbox.

The letter is committed before the handler hears back (never "sent" before stored); the
delivery loop sends it when the platform allows, as it does reminders. One exception: while an
update of the chat is handled and its session has written on SQLite, a unit of work of its own
would wait for that session, which waits for the reply; the letter then goes into the update's
session and commits with what the handler stored (and is rolled back with it). Only what the
outbox can carry is kept: the text and an inline keyboard (a reply keyboard, the main menu, is
a standing menu the person still has).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from aiogram.methods import SendMessage
from aiogram.types import Chat, InlineKeyboardMarkup, Message
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.throttle.middleware import DEFERRED_ID
from scheduler.clock import Clock
from storage.database import Database
from storage.models import Person, Purpose
from storage.outbox import Letter, enqueue
from storage.update_work import JoinedSessions

if TYPE_CHECKING:
    from datetime import datetime

    from aiogram import Bot

log = logging.getLogger(__name__)


class OutboxOverflow:
    """Stores a ``sendMessage`` of ``channel`` as a letter to the person of its chat."""

    def __init__(
        self,
        *,
        channel: str,
        db: Database,
        clock: Clock,
    ) -> None:
        self.channel = channel
        self.db = db
        self.clock = clock
        # Set by the composition root to the delivery loop's ``wake``: look at once.
        self.wake: Callable[[], None] | None = None
        # Chat → (the task handling its update, that update's session).
        self._joined = JoinedSessions()

    def joining(self, chat_id: int, session: AsyncSession) -> AbstractContextManager[None]:
        """While an update of ``chat_id`` is handled by this task, with ``session``."""
        return self._joined.joining(chat_id, session)

    def _update_session(self, chat: str) -> AsyncSession | None:
        """The session of the update of ``chat`` this task handles, if a write of the letter
        elsewhere would wait for it."""
        joined = self._joined.session_of(chat)
        return joined if joined is not None and self.db.waits_for(joined) else None

    async def __call__(self, bot: Bot, method: SendMessage) -> Message | None:
        chat = str(method.chat_id)
        now = self.clock.now()
        update = self._update_session(chat)
        if update is not None:
            stored = await self._store(update, chat, method, now)
        else:
            async with self.db.unit_of_work() as session:
                stored = await self._store(session, chat, method, now)
        if not stored:
            return None  # a group, or someone unknown: nobody to queue a letter for
        if self.wake is not None:
            if update is not None:
                # Seen by the delivery loop once the update commits, not before.
                wake = self.wake
                event.listen(update.sync_session, "after_commit", lambda _s: wake(), once=True)
            else:
                self.wake()
        return Message(
            message_id=DEFERRED_ID,
            date=now,
            chat=Chat(id=int(chat) if chat.lstrip("-").isdigit() else 0, type="private"),
            text=method.text,
        ).as_(bot)

    async def _store(
        self, session: AsyncSession, chat: str, method: SendMessage, now: datetime
    ) -> bool:
        person_id = await session.scalar(
            select(col(Person.id)).where(
                col(Person.channel) == self.channel, col(Person.external_id) == chat
            )
        )
        if person_id is None:
            return False
        markup = method.reply_markup
        letter = Letter(
            key=f"deferred:{self.channel}:{chat}:{uuid.uuid4().hex}",
            purpose=Purpose.DEFERRED,
            person_id=person_id,
            channel=self.channel,
            chat_id=chat,
            text=method.text,
            markup=(
                markup.model_dump(mode="json", exclude_none=True)
                if isinstance(markup, InlineKeyboardMarkup)
                else None
            ),
            not_before=now,
        )
        await enqueue(session=session, letters=[letter], now=now)
        return True
