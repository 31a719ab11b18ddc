"""Per-update plumbing: deduplication, the unit of work, the person, their language.

Three middlewares, outermost first:

    UpdateSession → UpdateState: per-chat lock, read state → Commit → handler

``UpdateSession`` opens the update's unit of work (``storage.update_work.UpdateWork``, the
handler's ``uow``), drops re-delivered updates and loads the sender. ``UpdateState`` is
aiogram's FSM middleware with the state read through that unit of work. ``Commit`` runs inside
the per-chat lock: after the handler it writes the FSM changes and the dedupe mark and commits
them with the handler's writes, so the next update of the same chat always sees them. A handler
that fails has its writes and state changes rolled back; the dedupe mark is still written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import EVENT_CONTEXT_KEY, EventContext
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.clock import Clock
from storage.database import SessionFactory, holds_write_lock
from storage.fsm import DatabaseStorage
from storage.outbox import mark_reachable
from storage.people import Member, create_person, find_member
from storage.update_work import UpdateWork
from storage.updates import seen

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def channel_of(bot: Bot) -> str:
    """Channel name of a bot: a channel session says its own; the stock session is Telegram."""
    return str(getattr(bot.session, "channel", "telegram"))


class UpdateSession(BaseMiddleware):
    """Open the update's unit of work, skip re-delivered updates, load the sender as ``member``.

    The handler gets ``uow`` (``storage.update_work.UpdateWork``), its ``session``, ``member``,
    ``channel`` and ``locale``.
    """

    def __init__(
        self, session_factory: SessionFactory, clock: Clock, storage: BaseStorage
    ) -> None:
        self.sessions = session_factory
        self.clock = clock
        self.storage = storage if isinstance(storage, DatabaseStorage) else None
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
                fsm = self.storage.for_update(session) if self.storage is not None else None
                uow = UpdateWork(session, channel, key, fsm)
                data.update(uow=uow, session=session, channel=channel, update_key=key)
                with _joined(bot, data, session):
                    return await handler(event, data)
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


@runtime_checkable
class JoinsUpdates(Protocol):
    """A transport that keeps state of its own per chat (Zalo's live menus): while an update
    of a chat is handled, what it writes for that chat goes into the update's session."""

    def joining(self, chat_id: int, session: AsyncSession) -> AbstractContextManager[None]: ...


def _joined(bot: Bot, data: dict[str, Any], session: AsyncSession) -> AbstractContextManager[None]:
    context: EventContext | None = data.get(EVENT_CONTEXT_KEY)
    transport = bot.session
    if context is None or context.chat_id is None or not isinstance(transport, JoinsUpdates):
        return contextlib.nullcontext()
    return transport.joining(context.chat_id, session)


class UpdateState(FSMContextMiddleware):
    """aiogram's FSM middleware (per-chat lock, then the state), with the conversation state
    read through the update's unit of work: ``FSMContext`` gets the storage bound to it."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        bot: Bot = data["bot"]
        context = self.resolve_event_context(bot, data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await handler(event, data)
        uow: UpdateWork | None = data.get("uow")
        if uow is not None and uow.fsm is not None:
            context = FSMContext(storage=uow.fsm, key=context.key)
        async with self.events_isolation.lock(key=context.key):
            data.update(state=context, raw_state=await context.get_state())
            return await handler(event, data)


class Commit(BaseMiddleware):
    """Inside the per-chat lock: run the handler, then write state and dedupe mark, commit."""

    def __init__(self, clock: Clock, write_lock: asyncio.Lock | None) -> None:
        self.clock = clock
        # SQLite: updates queue here for their final write instead of in SQLite's busy handler,
        # whose sleeps of up to 100 ms made the slowest updates slow. A session that already
        # holds the write lock (it wrote mid-handler) must not wait behind one that waits for it.
        self.write_lock = write_lock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        uow: UpdateWork | None = data.get("uow")
        if uow is None:
            return await handler(event, data)
        try:
            result = await handler(event, data)
        except Exception:
            await uow.discard()
            await self._finish(uow)  # handled, with an apology: not to be re-run
            raise
        await self._finish(uow)
        return result

    async def _finish(self, uow: UpdateWork) -> None:
        if self.write_lock is None or await holds_write_lock(uow.session):
            await uow.finish(self.clock.now())
            return
        async with self.write_lock:
            await uow.finish(self.clock.now())


def install(
    dp: Dispatcher, sessions: SessionFactory, clock: Clock, write_lock: asyncio.Lock | None
) -> None:
    """Place the middlewares around the per-chat lock (see the module docstring)."""
    outer = dp.update.outer_middleware
    outer.unregister(dp.fsm)
    dp.fsm = UpdateState(dp.storage, dp.fsm.events_isolation, dp.fsm.strategy)
    outer.register(UpdateSession(sessions, clock, dp.storage))
    outer.register(dp.fsm)
    outer.register(Commit(clock, write_lock))


class MemberLocaleMiddleware(I18nMiddleware):
    """The person's chosen language, else the bot's default (Vietnamese)."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n=i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = data.get("locale")
        if locale in self.i18n.available_locales:
            return str(locale)
        return self.i18n.default_locale
