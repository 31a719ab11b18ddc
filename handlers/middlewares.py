"""Per-update plumbing: deduplication, the unit of work, the person, their language.

Two middlewares, in place of aiogram's FSM middleware:

    UpdateSession: per-chat lock, unit of work, dedupe mark and state, sender → Commit → handler

``UpdateSession`` takes the chat's lock (aiogram's events isolation), opens the update's unit
of work (``storage.update_work.UpdateWork``, the handler's ``uow``), reads the dedupe mark and
the conversation state in one round trip (``storage.update_rows``), drops re-delivered updates,
loads the sender and gives the handler ``state``, an ``FSMContext`` over the state bound to the
unit of work. ``Commit`` runs inside the lock: after the handler it writes the state changes and
the dedupe mark and commits them with the handler's writes, so the next update of the same chat
always sees them. A handler that fails has its writes and state changes rolled back; the dedupe
mark is still written, so that it is not run again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import EVENT_CONTEXT_KEY, EventContext
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.clock import Clock
from storage.database import Database, SessionFactory
from storage.fsm import DatabaseStorage
from storage.inflight import InFlight, MemoryInFlight
from storage.outbox import mark_reachable
from storage.people import Member, create_person, find_member
from storage.update_rows import opening
from storage.update_work import UpdateWork

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def channel_of(bot: Bot) -> str:
    """Channel name of a bot: a channel session says its own; the stock session is Telegram."""
    return str(getattr(bot.session, "channel", "telegram"))


class UpdateSession(BaseMiddleware):
    """Take the chat's lock, open the update's unit of work, skip re-delivered updates, load
    the sender as ``member`` and the conversation state as ``state``.

    The handler gets ``uow`` (``storage.update_work.UpdateWork``), its ``session``, ``member``,
    ``state`` and ``raw_state`` (aiogram's), ``channel`` and ``locale``.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        clock: Clock,
        fsm: FSMContextMiddleware,
        in_flight: InFlight | None = None,
    ) -> None:
        self.sessions = session_factory
        self.clock = clock
        # aiogram's FSM middleware, kept out of the chain: it still knows the strategy that
        # makes a chat's key, the storage and the per-chat lock.
        self.fsm = fsm
        self.storage = fsm.storage if isinstance(fsm.storage, DatabaseStorage) else None
        # Keys being handled right now (in this process, or in any with Redis): a re-delivery
        # racing the first delivery is dropped without waiting for the database.
        self._in_flight: InFlight = in_flight or MemoryInFlight()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        if user is None:
            # A channel post, or a message with no sender: nobody to answer or to file for.
            log.debug("update %s has no sender: ignored", event.update_id)
            return None
        bot: Bot = data["bot"]
        key = f"{bot.id}:{event.update_id}"
        if not await self._in_flight.claim(key):
            return None
        try:
            context = self.fsm.resolve_event_context(bot, data)
            data["fsm_storage"] = self.fsm.storage
            if context is None:
                return await self._handle(handler, event, data, key, None)
            # The state is read after the lock is ours (aiogram issue 1317).
            async with self.fsm.events_isolation.lock(key=context.key):
                return await self._handle(handler, event, data, key, context.key)
        finally:
            await self._in_flight.release(key)

    async def _handle(
        self,
        handler: Handler,
        event: Update,
        data: dict[str, Any],
        key: str,
        state_key: StorageKey | None,
    ) -> Any:
        bot: Bot = data["bot"]
        channel = channel_of(bot)
        async with self.sessions() as session:
            fsm = self.storage.for_update(session) if self.storage is not None else None
            built = fsm.key(state_key) if fsm is not None and state_key is not None else None
            # The dedupe mark and the state in one round trip.
            handled, row = await opening(session, channel=channel, key=key, state_key=built)
            if handled:
                log.info("skipping re-delivered update %s on %s", event.update_id, channel)
                return None
            if fsm is not None and built is not None and row is not None:
                fsm.preload(built, row)
            member = await self._member(session, channel, data["event_from_user"])
            data["member"] = member
            # A plain value: the error handler runs after this session is closed.
            data["locale"] = member.person.locale
            uow = UpdateWork(session, channel, key, fsm)
            data.update(uow=uow, session=session, channel=channel, update_key=key)
            if state_key is not None:
                state = FSMContext(storage=fsm or self.fsm.storage, key=state_key)
                data.update(state=state, raw_state=await state.get_state())
            with _joined(bot, data, session):
                return await handler(event, data)

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


@contextlib.contextmanager
def _joined(bot: Bot, data: dict[str, Any], session: AsyncSession) -> Iterator[None]:
    """The transport and its request middlewares (the throttle's overflow) that keep state per
    chat write it in the update's session while the update is handled."""
    context: EventContext | None = data.get(EVENT_CONTEXT_KEY)
    with contextlib.ExitStack() as stack:
        if context is not None and context.chat_id is not None:
            transport = bot.session
            for joiner in (transport, *transport.middleware):
                if isinstance(joiner, JoinsUpdates):
                    stack.enter_context(joiner.joining(context.chat_id, session))
        yield


class Commit(BaseMiddleware):
    """Inside the per-chat lock: run the handler, then write state and dedupe mark, commit."""

    def __init__(self, clock: Clock, db: Database) -> None:
        self.clock = clock
        # The final write queues behind the process's other writers (on SQLite), unless the
        # session already wrote mid-handler: Database.writing decides.
        self.db = db

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
        async with self.db.writing(uow.session):
            await uow.seal(self.clock.now())


def install(dp: Dispatcher, db: Database, clock: Clock, in_flight: InFlight | None = None) -> None:
    """Place the middlewares in place of aiogram's FSM middleware (see the module docstring)."""
    outer = dp.update.outer_middleware
    outer.unregister(dp.fsm)
    outer.register(UpdateSession(db.sessions, clock, dp.fsm, in_flight))
    outer.register(Commit(clock, db))


class MemberLocaleMiddleware(I18nMiddleware):
    """The person's chosen language, else the bot's default (Vietnamese)."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n=i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = data.get("locale")
        if locale in self.i18n.available_locales:
            return str(locale)
        return self.i18n.default_locale
