"""The delivery pace: never more than the rate in any second; a 429 stops everything."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clock import FrozenClock
from scheduler.delivery import Pace
from tests.chat import at
from tests.outreach import FakeSleep


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(min_value=1, max_value=30),
    chats=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=80),
    gaps=st.lists(st.floats(min_value=0, max_value=0.2), min_size=80, max_size=80),
)
async def test_no_second_holds_more_than_the_rate(
    rate: float, chats: list[int], gaps: list[float]
) -> None:
    clock = FrozenClock(at("2025-11-11 17:00"))
    pace = Pace(clock, FakeSleep(clock), rate, per_chat=1.0)
    stamps = []
    for chat, gap in zip(chats, gaps, strict=False):
        clock.advance(timedelta(seconds=gap))
        await pace.take(("telegram", str(chat)))
        stamps.append(clock.now())
    for i, start in enumerate(stamps):
        within = [s for s in stamps[i:] if s < start + timedelta(seconds=1)]
        assert len(within) <= int(rate) + 1


async def test_a_429_stops_everything_for_as_long_as_told() -> None:
    clock = FrozenClock(at("2025-11-11 17:00"))
    sleep = FakeSleep(clock)
    pace = Pace(clock, sleep, 25, per_chat=1.0)
    await pace.take(("telegram", "1"))
    pace.pause(7)
    await pace.take(("telegram", "2"))
    assert clock.now() >= at("2025-11-11 17:00") + timedelta(seconds=7)
