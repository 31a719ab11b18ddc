"""The request middleware: what counts, order per chat through 429s, the bound and the outbox,
outbox traffic not retried here. A memory limiter on injected time; the transport is a
function that records what went out and answers 429 when told to."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetMe,
    SendChatAction,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import Chat, Message
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.throttle.limiter import MemoryLimiter, Rate
from bot.throttle.methods import counted
from bot.throttle.middleware import (
    DEFERRED_ID,
    NoHeadroom,
    RetryBound,
    Throttle,
    background_traffic,
    deferred,
)

BOT = Bot("42:TEST")


class FakeTime:
    """Virtual time for concurrent tasks: a sleeper wakes when the clock reaches its moment,
    and the clock moves to the earliest such moment only once every task is waiting."""

    def __init__(self) -> None:
        self.moment = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = itertools.count()

    def now(self) -> float:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.moment + seconds, next(self._count), wake))
        await wake

    async def run(self, *calls: Awaitable[Any]) -> list[Any]:
        """Run the calls together to the end, moving the clock as they sleep."""
        together = asyncio.gather(*calls)
        while not together.done():
            for _ in range(50):  # let every task that can run, run
                await asyncio.sleep(0)
            if together.done():
                break
            assert self._sleepers, "deadlock: every task waits and none sleeps"
            moment, _, wake = heapq.heappop(self._sleepers)
            self.moment = max(self.moment, moment)
            wake.set_result(None)
        return await together


@dataclass
class Transport:
    """Stands for the session: records (chat, text, time); a 429 for each text in ``refuse``."""

    time: FakeTime
    refuse: dict[str, int] = field(default_factory=dict)
    retry_after: int = 2
    sent: list[tuple[str, str, float]] = field(default_factory=list)

    async def __call__(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        text = str(getattr(method, "text", ""))
        if self.refuse.get(text, 0) > 0:
            self.refuse[text] -= 1
            raise TelegramRetryAfter(
                method=method, message="Too Many Requests", retry_after=self.retry_after
            )
        self.sent.append((str(getattr(method, "chat_id", "")), text, self.time.now()))
        return True


async def one(time: FakeTime, call: Awaitable[Any]) -> Any:
    return (await time.run(call))[0]


def throttle(time: FakeTime, rate: Rate | None = None, **kwargs: Any) -> Throttle:
    limiter = MemoryLimiter(rate or Rate(30, 1.0), time.now)
    return Throttle(limiter, sleep=time.sleep, **kwargs)


def send(chat: int, text: str) -> SendMessage:
    return SendMessage(chat_id=chat, text=text)


def test_what_counts() -> None:
    assert counted(send(1, "a"))
    assert counted(SendPhoto(chat_id=1, photo="x"))
    assert counted(EditMessageText(chat_id=1, message_id=2, text="b"))
    assert not counted(SendChatAction(chat_id=1, action="typing"))
    assert not counted(GetMe())
    assert not counted(AnswerCallbackQuery(callback_query_id="1"))


async def test_uncounted_calls_take_no_slot() -> None:
    time = FakeTime()
    middleware = throttle(time, Rate(1, 1.0))
    transport = Transport(time)
    for _ in range(5):
        await one(time, middleware(transport, BOT, GetMe()))
    await one(time, middleware(transport, BOT, send(1, "a")))
    assert time.now() == 1000.0  # nothing waited


async def test_a_chat_gets_one_message_a_second_and_others_are_not_held_up() -> None:
    time = FakeTime()
    middleware = throttle(time)
    transport = Transport(time)
    await time.run(
        *(
            middleware(transport, BOT, send(chat, f"{chat}-{n}"))
            for n in range(3)
            for chat in (1, 2)
        )
    )
    for chat in ("1", "2"):
        moments = [at for c, _, at in transport.sent if c == chat]
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(moments))
    assert len(transport.sent) == 6


async def test_a_429_pauses_and_the_reply_is_retried_in_order() -> None:
    time = FakeTime()
    middleware = throttle(time)
    transport = Transport(time, refuse={"first": 1})
    await time.run(
        middleware(transport, BOT, send(1, "first")),
        middleware(transport, BOT, send(1, "second")),
    )
    assert [text for _, text, _ in transport.sent] == ["first", "second"]
    assert transport.sent[0][2] >= 1002.0  # the whole bot waited retry_after
    assert middleware.tally.throttled == 1
    assert middleware.tally.retried == 1


@settings(max_examples=40, deadline=None)
@given(
    calls=st.lists(
        st.tuples(st.integers(min_value=1, max_value=3), st.integers(min_value=0, max_value=2)),
        min_size=1,
        max_size=25,
    )
)
async def test_every_call_arrives_in_order_per_chat_through_429s(
    calls: list[tuple[int, int]],
) -> None:
    time = FakeTime()
    # A pause shorter than the chat's gap: a retry then waits longer than the call made after
    # it, which would overtake it but for the chat's turn.
    middleware = throttle(time, Rate(30, 1.5), bound=RetryBound(tries=5, seconds=60))
    refuse = {f"{chat}:{n}": fails for n, (chat, fails) in enumerate(calls)}
    transport = Transport(time, refuse=refuse, retry_after=1)
    await time.run(
        *(
            middleware(transport, BOT, send(chat, f"{chat}:{n}"))
            for n, (chat, _) in enumerate(calls)
        )
    )
    assert len(transport.sent) == len(calls)
    for chat in {chat for chat, _ in calls}:
        made = [f"{c}:{n}" for n, (c, _) in enumerate(calls) if c == chat]
        assert [text for c, text, _ in transport.sent if c == str(chat)] == made
        moments = [at for c, _, at in transport.sent if c == str(chat)]
        assert all(b - a >= 1.5 - 1e-9 for a, b in itertools.pairwise(moments))


async def test_past_the_bound_a_reply_goes_to_the_outbox() -> None:
    time = FakeTime()
    stored: list[SendMessage] = []

    async def overflow(bot: Bot, method: SendMessage) -> Message:
        stored.append(method)
        return Message(
            message_id=DEFERRED_ID,
            date=datetime(2025, 11, 10, tzinfo=UTC),
            chat=Chat(id=1, type="private"),
            text=method.text,
        )

    middleware = throttle(time, bound=RetryBound(tries=1, seconds=60), overflow=overflow)
    transport = Transport(time, refuse={"late": 5})
    message = await one(time, middleware(transport, BOT, send(1, "late")))
    assert isinstance(message, Message) and deferred(message)
    assert [m.text for m in stored] == ["late"]
    assert transport.sent == []
    assert middleware.tally.moved == 1


async def test_past_the_bound_what_the_outbox_cannot_carry_fails() -> None:
    time = FakeTime()
    middleware = throttle(time, bound=RetryBound(tries=0, seconds=60))
    transport = Transport(time, refuse={"edit": 1})
    with pytest.raises(TelegramRetryAfter):
        await one(
            time, middleware(transport, BOT, EditMessageText(chat_id=1, message_id=1, text="edit"))
        )


async def test_the_pause_seconds_bound_the_retries_too() -> None:
    time = FakeTime()
    middleware = throttle(time, bound=RetryBound(tries=10, seconds=3))
    transport = Transport(time, refuse={"a": 5})  # 2 s each: 4 s > 3 s after the second
    with pytest.raises(TelegramRetryAfter):
        await one(time, middleware(transport, BOT, send(1, "a")))
    assert middleware.tally.throttled == 2


async def test_outbox_traffic_is_not_retried_here_and_gives_way_to_replies() -> None:
    time = FakeTime()
    middleware = throttle(time, patience=5)
    transport = Transport(time, refuse={"reminder": 1})
    with background_traffic(), pytest.raises(TelegramRetryAfter):
        await one(time, middleware(transport, BOT, send(1, "reminder")))
    assert middleware.tally.retried == 0
    await time.run(time.sleep(2.5))  # the pause is over
    # Replies booked far ahead (a burst): the outbox gives its message back after its patience.
    for chat in range(2, 400):
        assert (await middleware.limiter.book(str(chat))).booked
    with background_traffic(), pytest.raises(NoHeadroom):
        await one(time, middleware(transport, BOT, send(1, "reminder")))
