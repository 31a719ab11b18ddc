"""Inline keyboards on Zalo, which has no buttons: numbered text menus, and the live menu of
each chat that a typed number answers.

Only the latest menu of a chat counts, and only a bot message *with* an inline keyboard
replaces it; a plain message (a hint, a toast) leaves the question's menu live. A number is
never ambiguous with a typed answer: buttons that are also commands (the report form's Back,
Skip and Cancel, injected by the composition root as ``CommandButtons``) sit under questions
that expect text or a count, so they are shown as their commands ("« Quay lại: /back"), never as
numbers. A count question then has no numbered menu, and "12" or "3" is the answer. A question
whose answer *is* a choice (the propaganda forms, the review) numbers its buttons. Menus are
kept in the database (one row per chat), so a restart or a reminder from ``gopy scheduler``
keeps them answerable. The one place a bare number may be meant as text is a citizen adding to
a comment under its send menu; a comment of just "2" is taken as the choice, which the summary
then shows.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.menus import Menu, numbered_menu
from bot.channels.zalo.ids import CHANNEL
from scheduler.clock import Clock
from storage.channel_menus import drop_menu, get_menu, put_menu
from storage.database import Database
from storage.keys import ServerKey
from storage.update_work import JoinedSessions

# Buttons that are also commands, by their callback data: ``{"fn:back": "/back"}``.
CommandButtons = Mapping[str, str]

MENU_TTL = timedelta(hours=24)
# A typed choice as bot.channels.menus reads it; anything else skips the menu lookup.
_LOOKS_LIKE_CHOICE = re.compile(r"^\s*#?\s*\d{1,3}\s*[.)]?\s*$")


def N_(message: str) -> str:
    """Mark a message for extraction (``make messages``); translated in ``Keyboards.prompt``."""
    return message


MENU_PROMPT = N_("Reply with the number of your choice:")


class Keyboards:
    """An inline keyboard as the text of a Zalo message and the callbacks of its numbers."""

    def __init__(self, commands: CommandButtons, i18n: I18n | None = None) -> None:
        self.commands = commands
        self.i18n = i18n

    def menu(self, markup: dict[str, Any]) -> Menu | None:
        """The menu of a ``reply_markup`` (as the Bot API takes it), or None if it has none."""
        shown_as_commands: list[str] = []
        rows: list[list[dict[str, Any]]] = []
        for row in markup.get("inline_keyboard") or []:
            kept = []
            for button in row:
                command = self.commands.get(str(button.get("callback_data")))
                if command is not None:
                    label = str(button.get("text", "")).strip()
                    shown_as_commands.append(f"{label}: {command}")
                else:
                    kept.append(button)
            rows.append(kept)
        menu = numbered_menu({"inline_keyboard": rows}, self.prompt)
        if not shown_as_commands:
            return menu
        text = "\n".join([*([menu.text] if menu else []), *shown_as_commands])
        return Menu(text, menu.options if menu else ())

    def prompt(self, numbers: Sequence[str]) -> str:
        # In a handler, the person's language (aiogram's i18n context); in the outbox, the
        # bot's default language.
        current = I18n.get_current(no_error=True)
        if current is not None:
            return current.gettext(MENU_PROMPT)
        if self.i18n is not None:
            return self.i18n.gettext(MENU_PROMPT, locale=self.i18n.default_locale)
        return MENU_PROMPT


class MenuBoard:
    """The live menu of each chat: the latest bot message's numbered buttons, in the database
    (storage.channel_menus), so that it survives a restart and a reminder sent by another
    process can be answered. While an update of a chat is handled (``joining``, entered by the
    update's middleware), that chat's menu is read and written in the update's session: the
    write commits with the update, and never waits on SQLite's lock that transaction may
    hold. Other chats, and messages sent outside an update, use a short session of their own.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        ttl: timedelta = MENU_TTL,
        key: ServerKey | None = None,
    ) -> None:
        # Menus are stored under a keyed hash of the chat (storage.channel_menus); without the
        # server's key (a test's bare session) a key of this process only.
        self.key = key or ServerKey(secrets.token_bytes(32))
        self.db = db
        self.clock = clock
        self.ttl = ttl
        # Chats with an update in hand: the task handling it and the update's session.
        self._joined = JoinedSessions()

    def joining(self, chat_id: int, session: AsyncSession) -> AbstractContextManager[None]:
        """While an update of ``chat_id`` is handled: that chat's menu goes through
        ``session``. Only the task handling the update uses it (a session is not shared
        between tasks); the per-chat lock keeps it the only update of the chat."""
        return self._joined.joining(chat_id, session)

    async def shown(
        self, chat_id: int, message: Message, menu: Menu | None, keyboard: bool
    ) -> None:
        """A bot message went out; one with an inline keyboard replaces the chat's menu."""
        if not keyboard:
            return
        if menu is None or not menu.options:
            await self._write(
                chat_id,
                lambda s: drop_menu(session=s, key=self.key, channel=CHANNEL, chat_id=chat_id),
            )
            return
        dump = message.model_dump(mode="json", exclude_none=True)
        await self._write(
            chat_id,
            lambda s: put_menu(
                session=s,
                key=self.key,
                channel=CHANNEL,
                chat_id=chat_id,
                message=dump,
                text=menu.text,
                options=list(menu.options),
                now=self.clock.now(),
            ),
        )

    async def edited(self, chat_id: int, message_id: int, menu: Menu | None) -> None:
        """The keyboard of the live menu's message was removed: the menu ends."""
        if menu is None or not menu.options:
            live = await self._read(chat_id)
            if live is not None and live[0].message_id == message_id:
                await self._write(
                    chat_id,
                    lambda s: drop_menu(session=s, key=self.key, channel=CHANNEL, chat_id=chat_id),
                )

    async def live(self, chat_id: int, message_id: int) -> Menu | None:
        """The live menu of a chat, if it belongs to that message."""
        found = await self._read(chat_id)
        if found is None or found[0].message_id != message_id:
            return None
        return found[1]

    async def choose(self, chat_id: int, text: str) -> tuple[str, Message] | None:
        """The callback data and menu message a typed number stands for, if any."""
        if not _LOOKS_LIKE_CHOICE.match(unicodedata.normalize("NFKC", text)):
            return None  # most messages: no database read
        found = await self._read(chat_id)
        if found is None:
            return None
        message, menu = found
        data = menu.choose(text)
        return (data, message) if data is not None else None

    async def _read(self, chat_id: int) -> tuple[Message, Menu] | None:
        joined = self._joined.session_of(chat_id)
        if joined is not None:
            row = await get_menu(session=joined, key=self.key, channel=CHANNEL, chat_id=chat_id)
        else:
            async with self.db.sessions() as session:
                row = await get_menu(
                    session=session, key=self.key, channel=CHANNEL, chat_id=chat_id
                )
        if row is None or self.clock.now() - row.shown_at > self.ttl:
            return None
        return Message.model_validate(row.message), Menu(row.text, tuple(row.options))

    async def _write(
        self, chat_id: int, change: Callable[[AsyncSession], Awaitable[None]]
    ) -> None:
        joined = self._joined.session_of(chat_id)
        if joined is not None:
            await change(joined)
            return
        async with self.db.unit_of_work() as session:
            await change(session)
