"""The request middleware on each bot's session: every counted call waits for its slot.

On a 429 the whole bot pauses for ``retry_after`` (in Redis, every process honours it) and the
call is tried again, holding its chat's turn, so the calls to one chat go out in the order they
were made (within this process; across processes aiogram's event isolation already serialises
one chat's updates). Past the bound a ``sendMessage`` is moved to the outbox (``overflow``) and
the handler gets a message with id 0 (``deferred``) instead of an error: the person gets the
reply later rather than an apology now. Outbox traffic (``background_traffic``) is not retried
here (the delivery loop reschedules it itself), and waits for headroom without holding its
chat's turn: a reply to that chat meanwhile goes first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message

from bot.throttle.limiter import Limiter
from bot.throttle.methods import chat_of, counted

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from aiogram import Bot
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Stores a reply that could not go; returns the message to hand the handler, None if not stored.
Overflow = Callable[["Bot", SendMessage], Awaitable[Message | None]]
# The message id a reply moved to the outbox comes back with.
DEFERRED_ID = 0

# A call woken late books again at most this often, then goes whatever the lateness.
MAX_REBOOKS = 3
# Outbox traffic that finds a reply to its chat on the way comes back this much later.
YIELD_TO_REPLY = 1.0

_background: ContextVar[bool] = ContextVar("gopy_background_traffic", default=False)


@contextmanager
def background_traffic() -> Iterator[None]:
    """Calls made inside are outbox traffic: they take only the slots replies leave free."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


def deferred(message: Message) -> bool:
    """Whether a reply was moved to the outbox instead of sent."""
    return message.message_id == DEFERRED_ID


class NoHeadroom(Exception):
    """Outbox traffic finds no free slot within its patience: replies have booked the next
    ``seconds``. The delivery loop puts the message back instead of holding it (and its lease)
    that long."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no free slot for {seconds:.1f} s")
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class RetryBound:
    """How long a direct reply keeps trying through 429s before it goes to the outbox."""

    tries: int = 3
    seconds: float = 20.0


@dataclass(slots=True)
class ThrottleTally:
    throttled: int = 0  # 429s answered to counted calls
    retried: int = 0
    moved: int = 0  # replies moved to the outbox
    rebooked: int = 0  # woken too late for their slot


class Throttle(BaseRequestMiddleware):
    """One bot's limiter in front of its session."""

    def __init__(
        self,
        limiter: Limiter,
        *,
        bound: RetryBound | None = None,
        overflow: Overflow | None = None,
        sleep: Sleep = asyncio.sleep,
        on_wait: Callable[[float], None] | None = None,
        patience: float = 10.0,
        late_after: float = 0.05,
    ) -> None:
        self.limiter = limiter
        # How long outbox traffic waits for headroom before it gives the message back.
        self.patience = patience
        # Seconds late past which a woken call books again rather than bunch (real time: a
        # loaded event loop is what it guards against).
        self.late_after = late_after
        self.bound = bound or RetryBound()
        self.overflow = overflow
        self.sleep = sleep
        # Seconds each counted call waited before going out (for figures; None: not kept).
        self.on_wait = on_wait
        self.tally = ThrottleTally()
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not counted(method):
            return await make_request(bot, method)
        chat = chat_of(method)
        started = time.monotonic()
        if _background.get():
            return await self._outbox_call(make_request, bot, method, chat, started)
        async with self._turn(chat):
            tries = 0
            paused = 0.0
            while True:
                await self._take(chat, background=False)
                if self.on_wait is not None:
                    self.on_wait(time.monotonic() - started)
                try:
                    result = await make_request(bot, method)
                except TelegramRetryAfter as error:
                    await self._told_to_wait(error)
                    tries += 1
                    paused += error.retry_after
                    if tries > self.bound.tries or paused > self.bound.seconds:
                        return cast(
                            "Response[TelegramType]", await self._give_way(bot, method, error)
                        )
                    self.tally.retried += 1
                    continue
                if chat is not None:
                    await self.limiter.sent(chat)
                return result

    async def _told_to_wait(self, error: TelegramRetryAfter) -> None:
        """A 429: the whole bot pauses, in every process sharing the limiter."""
        self.tally.throttled += 1
        await self.limiter.pause(error.retry_after)
        log.warning("429: the bot pauses %s s", error.retry_after)

    async def _outbox_call(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        chat: str | None,
        started: float,
    ) -> Response[TelegramType]:
        """Outbox traffic: waits for headroom without holding the chat's turn (a reply to the
        chat meanwhile must not queue behind it), gives way to a reply that has the turn, and
        is tried once (the delivery loop reschedules it)."""
        await self._take(chat, background=True)
        if chat is not None and chat in self._turns:
            raise NoHeadroom(YIELD_TO_REPLY)  # a reply took the chat's turn meanwhile
        async with self._turn(chat):  # free: taken at once, and held while this one goes
            if self.on_wait is not None:
                self.on_wait(time.monotonic() - started)
            try:
                result = await make_request(bot, method)
            except TelegramRetryAfter as error:
                await self._told_to_wait(error)
                raise
            if chat is not None:
                await self.limiter.sent(chat)
            return result

    async def _take(self, chat: str | None, background: bool) -> None:
        """Wait for a booked slot; one booked before a pause began waits the pause out."""
        waited = 0.0
        rebooked = 0
        while True:
            if background and chat is not None and chat in self._turns:
                raise NoHeadroom(YIELD_TO_REPLY)  # a reply to this chat goes first
            slot = await self.limiter.book(chat, background=background)
            if background and not slot.booked:
                if waited + slot.wait > self.patience:
                    raise NoHeadroom(slot.wait)
                waited += slot.wait
            late = 0.0
            if slot.wait > 0:
                due = time.monotonic() + slot.wait
                await self.sleep(slot.wait)
                late = time.monotonic() - due
            if not slot.booked:
                continue
            if slot.wait > 0:
                left = await self.limiter.paused_for()
                if left > 0:
                    await self.sleep(left)
                    continue
            if late > self.late_after and rebooked < MAX_REBOOKS:
                # A busy event loop woke this call late: going now would bunch it with the
                # calls that are on time, past the platform's window (a 429 pauses the whole
                # bot for a second or more). Its slot is lost; it books the next free one.
                rebooked += 1
                self.tally.rebooked += 1
                continue
            return

    def joining(self, chat_id: int, session: AsyncSession) -> AbstractContextManager[None]:
        """While an update of ``chat_id`` is handled, a reply of that chat moved to the outbox
        may go into the update's session (``OutboxOverflow.joining``;
        handlers.middlewares.JoinsUpdates)."""
        join = getattr(self.overflow, "joining", None)
        return nullcontext() if join is None else cast(Any, join)(chat_id, session)

    async def _give_way(
        self, bot: Bot, method: TelegramMethod[Any], error: TelegramRetryAfter
    ) -> Message:
        if self.overflow is None or not isinstance(method, SendMessage):
            raise error
        stored = await self.overflow(bot, method)
        if stored is None:
            raise error
        self.tally.moved += 1
        log.warning("a reply past the 429 bound was moved to the outbox")
        return stored

    @asynccontextmanager
    async def _turn(self, chat: str | None) -> AsyncIterator[None]:
        """The chat's turn: its calls go out one at a time, in the order they were made
        (asyncio's lock is first come, first served)."""
        if chat is None:
            yield
            return
        lock, users = self._turns.get(chat) or (asyncio.Lock(), 0)
        self._turns[chat] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[chat]
            if users <= 1:
                del self._turns[chat]
            else:
                self._turns[chat] = (lock, users - 1)


def throttle_of(bot: Bot) -> Throttle | None:
    """The throttle registered on the bot's session, if any."""
    return next((m for m in bot.session.middleware if isinstance(m, Throttle)), None)
