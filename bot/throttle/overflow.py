"""A direct reply that could not go within the retry bound, moved to the outbox.

The letter is committed before the handler hears back (never "sent" before stored); the
delivery loop sends it when the platform allows, as it does reminders. Only what the outbox can
carry is kept: the text and an inline keyboard (a reply keyboard, the main menu, is a standing
menu the person still has).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram.methods import SendMessage
from aiogram.types import Chat, InlineKeyboardMarkup, Message
from sqlalchemy import select
from sqlmodel import col

from bot.throttle.middleware import DEFERRED_ID
from scheduler.clock import Clock
from storage.database import Database
from storage.models import Person, Purpose
from storage.outbox import Letter, enqueue

if TYPE_CHECKING:
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

    async def __call__(self, bot: Bot, method: SendMessage) -> Message | None:
        chat = str(method.chat_id)
        markup = method.reply_markup
        now = self.clock.now()
        async with self.db.unit_of_work() as session:
            person_id = await session.scalar(
                select(col(Person.id)).where(
                    col(Person.channel) == self.channel, col(Person.external_id) == chat
                )
            )
            if person_id is None:
                return None  # a group, or someone unknown: nobody to queue a letter for
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
        if self.wake is not None:
            self.wake()
        return Message(
            message_id=DEFERRED_ID,
            date=now,
            chat=Chat(id=int(chat) if chat.lstrip("-").isdigit() else 0, type="private"),
            text=method.text,
        ).as_(bot)
