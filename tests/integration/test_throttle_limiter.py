"""The limiter's contract, held by the memory limiter (time injected) and the Redis one (real
Redis, real time, fast rates): slots never crowd, a chat's slots keep their gap, outbox traffic
takes only headroom, a pause stops everything; two Redis limiters share one budget."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.throttle.limiter import Limiter, MemoryLimiter, Rate
from bot.throttle.redis_limiter import RedisLimiter
from tests.conftest import REDIS_URL

# Fast enough that a real-time example takes milliseconds; slow enough to be measured.
RATE = Rate(per_second=200.0, per_chat_seconds=0.02)
EPSILON = 2e-6  # Redis keeps moments in whole microseconds


class FakeTime:
    """Seconds that pass only when slept."""

    def __init__(self) -> None:
        self.moment = 1000.0

    def now(self) -> float:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.moment += max(seconds, 0.0)
        await asyncio.sleep(0)


@dataclass
class Kind:
    make: Callable[[], Limiter]
    sleep: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", "redis"])
async def kind(request: pytest.FixtureRequest) -> AsyncIterator[Kind]:
    if request.param == "memory":
        time = FakeTime()
        yield Kind(lambda: MemoryLimiter(RATE, time.now), time.sleep)
        return
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:  # pragma: no cover - the machine has Redis
        await client.aclose()
        pytest.skip(f"Redis unavailable: {error}")
    # A new bot name per limiter: each Hypothesis example starts with an empty budget.
    yield Kind(
        lambda: RedisLimiter(client, f"test:{uuid.uuid4().hex}", RATE, owned=False),
        asyncio.sleep,
    )
    await client.aclose()


async def take(limiter: Limiter, kind: Kind, chat: str | None, background: bool = False) -> float:
    """Book like the middleware does (come back while not booked); the slot's moment."""
    while True:
        slot = await limiter.book(chat, background=background)
        if slot.booked:
            return slot.at
        await kind.sleep(slot.wait)


def crowded(moments: list[float], gap: float) -> list[tuple[float, float]]:
    ordered = sorted(moments)
    return [(a, b) for a, b in pairwise(ordered) if b - a < gap - EPSILON]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    calls=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
            st.floats(min_value=0, max_value=0.006),
        ),
        min_size=1,
        max_size=30,
    )
)
async def test_slots_never_crowd_and_chats_keep_their_gap(
    kind: Kind, calls: list[tuple[int | None, float]]
) -> None:
    limiter = kind.make()
    booked: list[tuple[str | None, float]] = []
    for chat, gap in calls:
        await kind.sleep(gap)
        key = None if chat is None else str(chat)
        booked.append((key, await take(limiter, kind, key)))
    moments = [at for _, at in booked]
    assert not crowded(moments, RATE.interval)
    # Hence never more than the rate in any second (here: in any 1/20 s, rate/20).
    window = 0.05
    for start in moments:
        assert sum(start <= m < start + window for m in moments) <= RATE.per_second * window + 1
    for one in {key for key, _ in booked if key is not None}:
        assert not crowded([at for key, at in booked if key == one], RATE.per_chat_seconds)


async def test_a_chat_waits_its_gap(kind: Kind) -> None:
    limiter = kind.make()
    first = await limiter.book("7")
    second = await limiter.book("7")
    assert first.booked and first.wait == 0
    assert not second.booked
    assert 0 < second.wait <= RATE.per_chat_seconds + EPSILON
    assert second.at == pytest.approx(first.at + RATE.per_chat_seconds, abs=EPSILON)
    other = await limiter.book("8")  # another chat is not held up by chat 7's gap
    assert other.booked and other.wait <= RATE.interval


async def test_outbox_traffic_takes_only_headroom(kind: Kind) -> None:
    limiter = kind.make()
    for chat in range(40):  # replies booked slots 0.2 s ahead
        await limiter.book(str(chat))
    background = await limiter.book("x", background=True)
    assert not background.booked
    assert background.wait > 0
    await kind.sleep(background.wait + 0.001)
    assert (await limiter.book("x", background=True)).booked


async def test_a_pause_stops_everything_and_a_shorter_one_does_not_cut_it(kind: Kind) -> None:
    limiter = kind.make()
    await limiter.pause(0.5)
    await limiter.pause(0.01)
    slot = await limiter.book("1")
    assert not slot.booked
    assert 0.3 < slot.wait <= 0.5 + EPSILON
    assert 0.3 < await limiter.paused_for() <= 0.5 + EPSILON
    await kind.sleep(slot.wait + 0.001)
    assert await limiter.paused_for() == 0
    assert (await limiter.book("1")).booked


async def test_two_processes_share_one_budget(redis_url: str) -> None:
    """Two limiters on one Redis (two processes of one bot), booking at once."""
    rate = Rate(per_second=100.0, per_chat_seconds=0.05)
    first = RedisLimiter.from_url(redis_url, "telegram:42", rate)
    second = RedisLimiter.from_url(redis_url, "telegram:42", rate)
    kind = Kind(lambda: first, asyncio.sleep)
    try:
        moments = await asyncio.gather(
            *(take(first if i % 2 else second, kind, str(i % 5)) for i in range(40))
        )
        assert not crowded(list(moments), rate.interval)
        # A 429 seen by one process pauses the other.
        await first.pause(0.5)
        assert await second.paused_for() > 0.4
    finally:
        await first.close()
        await second.close()


async def test_a_late_send_pushes_the_chats_next_slot(kind: Kind) -> None:
    limiter = kind.make()
    first = await limiter.book("5")
    await kind.sleep(0.01)  # the message left late: a busy event loop
    await limiter.sent("5")
    second = await take(limiter, kind, "5")
    assert second >= first.at + 0.01 + RATE.per_chat_seconds - EPSILON
