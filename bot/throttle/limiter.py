"""The limiter's contract and its in-memory form (one process; time injected).

Slots are booked, not polled for: ``book`` reserves the next free moment of the bot (even
spacing at ``rate``) and, for a chat, of that chat (``per_chat`` apart), and says how long to
wait for it. A chat whose last slot is less than ``per_chat`` old is not booked globally yet
(the caller comes back when the chat is free): a reservation far ahead for one chat would
otherwise leave the whole bot's schedule empty in between.

``background`` callers (the outbox) take a slot only when the bot has headroom, that is when
no reply has booked ahead: replies never wait behind a reminder backlog, and the outbox uses
what replies leave.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Rate:
    """Messages a second for the whole bot, and seconds between two messages to one chat."""

    per_second: float
    per_chat_seconds: float

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


@dataclass(frozen=True, slots=True)
class Slot:
    """``booked``: the slot is ours once ``wait`` seconds have passed; else come back then.
    ``at``: that moment on the limiter's clock (for checks: the slots booked never crowd)."""

    wait: float
    booked: bool
    at: float


class Limiter(Protocol):
    async def book(self, chat: str | None, *, background: bool = False) -> Slot:
        """Book the next slot for a message (to ``chat``; None: the bot's budget only)."""
        ...

    async def sent(self, chat: str) -> None:
        """A message to ``chat`` has just gone out: its gap counts from now. A send that left
        late (a busy event loop) must not shorten the gap before the chat's next one."""
        ...

    async def pause(self, seconds: float) -> None:
        """The platform said 429: nothing goes out for ``seconds``."""
        ...

    async def paused_for(self) -> float:
        """Seconds left of a pause (0: none)."""
        ...

    async def close(self) -> None: ...


class MemoryLimiter:
    """The limiter of one process. ``now``: seconds on a monotonic clock (injected in tests)."""

    def __init__(self, rate: Rate, now: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.now = now
        self._next = -math.inf  # the bot's next free moment
        self._paused_until = -math.inf
        self._chats: dict[str, float] = {}  # each chat's next free moment

    async def book(self, chat: str | None, *, background: bool = False) -> Slot:
        now = self.now()
        ready = max(now, self._paused_until)
        if chat is not None:
            ready = max(ready, self._chats.get(chat, -math.inf))
        if ready > now:
            return Slot(ready - now, booked=False, at=ready)
        at = max(now, self._next)
        if background and at > now:
            return Slot(at - now, booked=False, at=at)
        self._next = at + self.rate.interval
        if chat is not None and self.rate.per_chat_seconds > 0:
            self._chats[chat] = at + self.rate.per_chat_seconds
            if len(self._chats) > 50_000:  # forget chats long past their gap
                self._chats = {k: v for k, v in self._chats.items() if v > now}
        return Slot(at - now, booked=True, at=at)

    async def sent(self, chat: str) -> None:
        if self.rate.per_chat_seconds > 0:
            gap_end = self.now() + self.rate.per_chat_seconds
            self._chats[chat] = max(self._chats.get(chat, -math.inf), gap_end)

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.now() + seconds)

    async def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.now())

    async def close(self) -> None:
        return None
