"""A fake Bot API that enforces Telegram's sending limits in real time.

``sendMessage`` (and whatever else ``limited_methods`` names: a bench limits edits too) is
answered 429 (``retry_after``, as Telegram does) when more than ``per_second`` messages were
accepted in the last second overall, or when the chat was written to less than
``per_chat_seconds`` ago; chats in ``blocked`` get 403. Every accepted message is recorded
with its chat, method, text and ``time.monotonic()``. Other methods answer like
``tests.fakes.telegram.FakeTelegram``. The newest keyboards of each chat are kept, so that a
conversation can press their buttons (``callback_data``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram import Call, FakeTelegram, read_params


@dataclass(frozen=True, slots=True)
class Accepted:
    chat_id: int
    text: str
    at: float  # time.monotonic() when the message was accepted
    method: str = "sendMessage"


@dataclass
class LimitedTelegram(FakeTelegram):
    """``per_second=None`` lifts the overall limit, ``per_chat_seconds=0`` the per-chat one."""

    per_second: int | None = 30
    per_chat_seconds: float = 1.0
    # Chats whose user blocked the bot: sendMessage answers 403.
    blocked: set[int] = field(default_factory=set)
    # Simulated network and server time per request, in seconds (0: answer at once).
    latency: float = 0.0
    # The methods the limits apply to, and that ``accepted`` records.
    limited_methods: frozenset[str] = frozenset({"sendMessage"})
    accepted: list[Accepted] = field(default_factory=list)
    # Why 429s were answered: "overall" (the bot's rate), "chat" (the per-chat gap).
    reasons: Counter[str] = field(default_factory=Counter)
    # When each 429 was answered (time.monotonic()).
    refusals: list[float] = field(default_factory=list)
    keyboards: dict[int, deque[list[dict[str, str]]]] = field(default_factory=dict)
    throttled: int = 0  # 429s answered
    forbidden: int = 0  # 403s answered
    _window: deque[float] = field(default_factory=deque)
    _last: dict[int, float] = field(default_factory=dict)
    _watches: list[tuple[int, asyncio.Event]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.record = False

    def reached(self, count: int) -> asyncio.Event:
        """An event set once ``count`` messages have been accepted."""
        event = asyncio.Event()
        if len(self.accepted) >= count:
            event.set()
        else:
            self._watches.append((count, event))
        return event

    def per_chat(self) -> Counter[int]:
        """How many messages each chat received."""
        return Counter(a.chat_id for a in self.accepted)

    @property
    def duplicates(self) -> int:
        """Messages beyond the first that a chat received."""
        return sum(n - 1 for n in self.per_chat().values() if n > 1)

    def rate(self) -> float:
        """Accepted messages per second between the first and the last accepted."""
        if len(self.accepted) < 2:
            return 0.0
        span = self.accepted[-1].at - self.accepted[0].at
        return (len(self.accepted) - 1) / span if span > 0 else math.inf

    def max_in_window(self, seconds: float = 1.0) -> int:
        """The most messages accepted within any ``seconds`` (a sliding window)."""
        times = [a.at for a in self.accepted]
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        if method not in self.limited_methods:
            if "chat_id" in params:
                self._keep_keyboard(int(params["chat_id"]), params)
            return web.json_response({"ok": True, "result": self._result(method, params)})
        chat_id = int(params.get("chat_id", 0))
        if chat_id in self.blocked:
            self.forbidden += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status=403,
            )
        now = time.monotonic()
        wait = self._wait(chat_id, now)
        if wait > 0:
            self.throttled += 1
            self.refusals.append(now)
            retry_after = max(1, math.ceil(wait))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                },
                status=429,
            )
        self._window.append(now)
        self._last[chat_id] = now
        self.accepted.append(Accepted(chat_id, str(params.get("text", "")), now, method))
        self._keep_keyboard(chat_id, params)
        self.sent.set()
        self._notify()
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _keep_keyboard(self, chat_id: int, params: dict[str, Any]) -> None:
        buttons = Call("", params).buttons
        if buttons:
            self.keyboards.setdefault(chat_id, deque(maxlen=4)).appendleft(buttons)

    def callback_data(self, chat_id: int, label: str) -> str:
        """The newest button of the chat whose text contains ``label``."""
        for buttons in self.keyboards.get(chat_id, ()):
            for button in buttons:
                if label in button["text"]:
                    return button["callback_data"]
        raise LookupError(f"chat {chat_id}: no button {label!r}")

    def _wait(self, chat_id: int, now: float) -> float:
        """Seconds until this message would be allowed (0: now)."""
        waits = [0.0]
        if self.per_second is not None:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.per_second:
                waits.append(self._window[0] + 1.0 - now)
                self.reasons["overall"] += 1
        last = self._last.get(chat_id)
        if last is not None and now - last < self.per_chat_seconds:
            waits.append(last + self.per_chat_seconds - now)
            self.reasons["chat"] += 1
        return max(waits)

    def _notify(self) -> None:
        count = len(self.accepted)
        if not self._watches:
            return
        due = [event for wanted, event in self._watches if count >= wanted]
        self._watches = [(wanted, event) for wanted, event in self._watches if count < wanted]
        for event in due:
            event.set()
