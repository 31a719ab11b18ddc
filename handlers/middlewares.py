"""Per-update plumbing: deduplication, the database session, the person, their language.

Two middlewares around aiogram's FSM middleware (which holds the per-chat lock):

    UpdateSession (outer) → aiogram FSM: lock, read state → Commit (inner) → handler

``UpdateSession`` opens the session, drops re-delivered updates and loads the sender, so that
aiogram's state read already uses this session. ``Commit`` runs inside the per-chat lock: after
the handler it writes the FSM changes and the dedupe mark and commits, so the next update of
the same chat always sees them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from scheduler.clock import Clock
from storage.database import SessionFactory, holds_write_lock
from storage.fsm import DatabaseStorage, FsmScope, current_scope
from storage.outbox import mark_reachable
from storage.people import Member, create_person, find_member
from storage.updates import mark_seen, seen

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def channel_of(bot: Bot) -> str:
    """Channel name of a bot: a channel session says its own; the stock session is Telegram."""
    return str(getattr(bot.session, "channel", "telegram"))


class UpdateSession(BaseMiddleware):
    """Open the update's session, skip re-delivered updates, load the sender as ``member``."""

    def __init__(self, session_factory: SessionFactory, clock: Clock) -> None:
        self.sessions = session_factory
        self.clock = clock
        # Keys being handled right now: a re-delivery racing the first delivery is dropped
        # without waiting for the database.
        self._in_flight: set[str] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        if user is None:
            # A channel post, or a message with no sender: nobody to answer or to file for.
            log.debug("update %s has no sender: ignored", event.update_id)
            return None
        bot: Bot = data["bot"]
        channel = channel_of(bot)
        key = f"{bot.id}:{event.update_id}"
        if key in self._in_flight:
            return None
        self._in_flight.add(key)
        try:
            async with self.sessions() as session:
                if await seen(session=session, channel=channel, key=key):
                    log.info("skipping re-delivered update %s on %s", event.update_id, channel)
                    return None
                member = await self._member(session, channel, user)
                data["member"] = member
                # A plain value: the error handler runs after this session is closed.
                data["locale"] = member.person.locale
                data.update(session=session, channel=channel, update_key=key)
                token = current_scope.set(FsmScope(session))
                try:
                    return await handler(event, data)
                finally:
                    current_scope.reset(token)
        finally:
            self._in_flight.discard(key)

    async def _member(self, session: Any, channel: str, user: User) -> Member:
        found = await find_member(session=session, channel=channel, external_id=str(user.id))
        if found is not None:
            if found.person.unreachable_since is not None:
                # They wrote to the bot, so they no longer block it.
                await mark_reachable(session=session, person=found.person)
                await session.commit()
            return found
        # find_member has just missed: insert straight away.
        person = await create_person(
            session=session,
            channel=channel,
            external_id=str(user.id),
            full_name=user.full_name,
            now=self.clock.now(),
        )
        await session.commit()
        return Member(person)


class Commit(BaseMiddleware):
    """Inside the per-chat lock: run the handler, then write state and dedupe mark, commit."""

    def __init__(
        self, storage: BaseStorage, clock: Clock, write_lock: asyncio.Lock | None
    ) -> None:
        self.storage = storage
        self.clock = clock
        # SQLite: updates queue here for their final write instead of in SQLite's busy handler,
        # whose sleeps of up to 100 ms made the slowest updates slow. A session that already
        # holds the write lock (it wrote mid-handler) must not wait behind one that waits for it.
        self.write_lock = write_lock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        scope = current_scope.get()
        if scope is None or "session" not in data:
            return await handler(event, data)
        session = scope.session
        try:
            result = await handler(event, data)
        except Exception:
            await session.rollback()
            scope.rows.clear()
            scope.dirty.clear()
            await self._finish(scope, data)  # handled, with an apology: not to be re-run
            raise
        await self._finish(scope, data)
        return result

    async def _finish(self, scope: FsmScope, data: dict[str, Any]) -> None:
        if self.write_lock is None or await holds_write_lock(scope.session):
            await self._write(scope, data)
            return
        # The connection before the lock (a handler's commit_now gave its connection back):
        # waiting for a pooled connection while holding the lock deadlocks once the updates
        # queued for the lock hold every connection, as they do at the platform's sending limit.
        await scope.session.connection()
        async with self.write_lock:
            await self._write(scope, data)

    async def _write(self, scope: FsmScope, data: dict[str, Any]) -> None:
        if isinstance(self.storage, DatabaseStorage):
            await self.storage.flush(scope)
        await mark_seen(
            session=scope.session,
            channel=data["channel"],
            key=data["update_key"],
            now=self.clock.now(),
        )
        await scope.session.commit()


def install(
    dp: Dispatcher, sessions: SessionFactory, clock: Clock, write_lock: asyncio.Lock | None
) -> None:
    """Place the two middlewares around aiogram's FSM middleware (see the module docstring)."""
    outer = dp.update.outer_middleware
    outer.unregister(dp.fsm)
    outer.register(UpdateSession(sessions, clock))
    outer.register(dp.fsm)
    outer.register(Commit(dp.storage, clock, write_lock))


class MemberLocaleMiddleware(I18nMiddleware):
    """The person's chosen language, else the bot's default (Vietnamese)."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n=i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = data.get("locale")
        if locale in self.i18n.available_locales:
            return str(locale)
        return self.i18n.default_locale
