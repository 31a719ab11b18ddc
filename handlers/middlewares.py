"""Per-update plumbing: deduplication, the database session, the person, their language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from scheduler.clock import Clock
from storage.database import SessionFactory
from storage.fsm import update_session
from storage.people import get_or_create_person, load_member
from storage.updates import first_time

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def channel_of(bot: Bot) -> str:
    """Channel name of a bot: a channel session says its own; the stock session is Telegram."""
    return str(getattr(bot.session, "channel", "telegram"))


class DatabaseMiddleware(BaseMiddleware):
    """Skip re-delivered updates, open one session per update, load the sender as ``member``.

    The dedupe mark and a new person are committed at once so the write lock is not held
    while the handler talks to the network; the handler's own work commits when it returns.
    """

    def __init__(self, session_factory: SessionFactory, clock: Clock) -> None:
        self.sessions = session_factory
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        channel = channel_of(bot)
        user: User | None = data.get("event_from_user")
        async with self.sessions() as session:
            now = self.clock.now()
            if not await first_time(
                session=session, channel=channel, key=f"{bot.id}:{event.update_id}", now=now
            ):
                log.info("skipping re-delivered update %s on %s", event.update_id, channel)
                return None
            if user is not None:
                person = await get_or_create_person(
                    session=session,
                    channel=channel,
                    external_id=str(user.id),
                    full_name=user.full_name,
                    now=now,
                )
                await session.commit()
                data["member"] = await load_member(session=session, person=person)
                # Kept as a plain value: the error handler runs after this session is closed.
                data["locale"] = person.locale
            else:
                await session.commit()
            data["session"] = session
            data["channel"] = channel
            token = update_session.set(session)
            try:
                result = await handler(event, data)
            except Exception:
                await session.rollback()
                raise
            finally:
                update_session.reset(token)
            await session.commit()
            return result


class MemberLocaleMiddleware(I18nMiddleware):
    """The person's chosen language, else the bot's default (Vietnamese)."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n=i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = data.get("locale")
        if locale in self.i18n.available_locales:
            return str(locale)
        return self.i18n.default_locale
