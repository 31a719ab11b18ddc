"""The grouping engine on a flood: ten thousand copies of one comment (a campaign pasted by a
group, or spam) are grouped and quoted in bounded time, since the scheduler's job and the
official who adds a group wait for it."""

from __future__ import annotations

import time

from bot.themes import Doc, discover, representative

COPIES = 10_000
# Measured 40 s before the quotes' search was bounded, about 5 s after (2 shared cores).
BOUND = 15.0


def test_ten_thousand_copies_are_grouped_in_bounded_time() -> None:
    text = "Đề nghị làm rõ chính sách bồi thường giải phóng mặt bằng"
    docs = [Doc(i, text) for i in range(COPIES)]
    start = time.perf_counter()
    found = discover(docs)
    quotes = representative(docs, 3)
    took = time.perf_counter() - start
    assert sum(len(f.members) for f in found) == COPIES
    assert len(quotes) == 3
    assert took < BOUND, f"{took:.1f} s"
