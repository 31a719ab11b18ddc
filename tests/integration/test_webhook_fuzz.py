"""Webhook fuzz: a seeded stream of requests, good and bad, on both routes over loopback HTTP.

Every case is drawn from ``random.Random(SEED)`` before anything is sent, so a run is the same
run every time (GOPY_TEST_FUZZ_SEED tries another). The invariants: no 5xx ever, nothing
logged at ERROR, every valid update answered 200 and handled exactly once (one reply in the
fake Bot API, even when the same update is delivered again), nothing answered for the rest.
``pytest -s`` prints the statuses per category.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.http_exceptions import BadHttpMessage

from bot.web import telegram, zalo
from scheduler.clock import FrozenClock
from tests.fakes.telegram import command_update
from tests.fakes.zalo import text_event
from tests.webhooks import SECRET, Webhooks, split, webhooks

SEED = int(os.environ.get("GOPY_TEST_FUZZ_SEED", "20261206"))
REQUESTS = 2_400  # both routes together
CONCURRENCY = 8
LIMIT = max(telegram.MAX_BODY, zalo.MAX_BODY)
CHANNELS = ("telegram", "zalo")

Statuses = frozenset[int | None]  # None: the server closed without an answer
ANY: Statuses = frozenset({200, 400, 404, 405, 413})  # whatever fits, but never a 5xx
OK: Statuses = frozenset({200})
BAD: Statuses = frozenset({400})
BAD_OR_HUNG_UP: Statuses = frozenset({400, None})  # the client stopped before the end
TOO_LARGE: Statuses = frozenset({413})
UNAUTHORIZED: Statuses = frozenset({401})
NOT_ALLOWED: Statuses = frozenset({405})
# What a field of an update may be replaced with: wrong types, huge numbers, odd strings.
WRONG_VALUES: list[Any] = [None, True, 0, -1, 2**63, 2**70, -(2**80), 1.5, "", "x", "9" * 5_000]
WRONG_VALUES += [[], {}, [1, "a"], {"id": "x"}, "\u0000", "\u202e", "²"]
WRONG_SECRETS: list[str | bytes | None] = [None, "", "wrong", SECRET + "x", SECRET[:-1]]
WRONG_SECRETS += [SECRET.upper(), b"\xff\xfe-not-utf8", SECRET.encode() + b"\xc3", "x" * 4_000]


@dataclass
class Case:
    category: str
    channel: str
    pieces: list[bytes]
    expect: Statuses
    options: dict[str, Any] = field(default_factory=dict)
    # The chat of the update, and how many replies it must get in the end.
    chat: str | None = None
    replies: int = 0


class Cases:
    """Draws the cases; ids and chats are unique per case so that replies can be counted."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.numbers = itertools.count(60_000_001)
        self.valid: list[Case] = []
        self.checked: list[Case] = []  # the cases whose replies are counted at the end

    # -- building blocks ----------------------------------------------------------------------

    def update(self, channel: str) -> tuple[dict[str, Any], str]:
        """A valid /help from a new person, padded to a random length; and its chat."""
        number = next(self.numbers)
        padding = self.rng.choice([0, 0, 50, 900, 4_000, 12_000, 30_000])
        text = "/help" + (" " + "ý kiến đóng góp " * (padding // 16) if padding else "")
        if channel == "telegram":
            update = command_update(number, number)
            update["message"]["text"] = text
            return update, str(number)
        user = f"{number:020x}"
        event = text_event(user, text, name=self.rng.choice(["Ted", "Nguyễn Thị Hà"]))
        return (event if self.rng.random() < 0.8 else event["result"]), user

    def dump(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=self.rng.random() < 0.5).encode()

    def pieces(self, body: bytes, least: int = 1) -> list[bytes]:
        """``body`` in ``least`` to 8 writes: bad input in one write too, so that each fault
        shows on its own and not only behind a body cut short."""
        return split(body, self.rng.randint(least, 8)) if body else [body]

    def noise(self, size: int) -> bytes:
        return self.rng.randbytes(size)

    def _expect_one(self, case: Case) -> None:
        case.replies = 1
        self.valid.append(case)
        self.checked.append(case)

    # -- categories -------------------------------------------------------------------------

    def valid_whole(self, channel: str) -> Case:
        update, chat = self.update(channel)
        case = Case("valid, one write", channel, [self.dump(update)], OK, chat=chat)
        self._expect_one(case)
        return case

    def valid_split(self, channel: str) -> Case:
        update, chat = self.update(channel)
        pieces = self.pieces(self.dump(update), least=2)
        case = Case("valid, 2-8 writes", channel, pieces, OK, chat=chat)
        self._expect_one(case)
        return case

    def valid_chunked(self, channel: str) -> Case:
        update, chat = self.update(channel)
        pieces = self.pieces(self.dump(update))
        case = Case("valid, chunked", channel, pieces, OK, {"chunked": True}, chat)
        self._expect_one(case)
        return case

    def replay(self, channel: str) -> Case:
        """A valid update delivered again (Telegram and Zalo retry): 200, handled once."""
        earlier = [c for c in self.valid if c.channel == channel]
        if not earlier:
            return self.valid_whole(channel)
        first = self.rng.choice(earlier)
        return Case("replay of a valid one", channel, list(first.pieces), OK, first.options)

    def garbage(self, channel: str) -> Case:
        body = self.noise(self.rng.choice([0, 1, 7, 100, 3_000]))
        chunked = self.rng.random() < 0.3
        return Case("garbage bytes", channel, self.pieces(body), BAD, {"chunked": chunked})

    def truncated(self, channel: str) -> Case:
        body = self.dump(self.update(channel)[0])
        cut = body[: self.rng.randrange(0, len(body) - 1)]
        return Case("truncated JSON", channel, self.pieces(cut), BAD)

    def cut_short(self, channel: str) -> Case:
        """Content-Length promises more than is sent, then the client stops writing."""
        body = self.dump(self.update(channel)[0])
        sent = body[: self.rng.randrange(0, len(body) - 1)]
        options = {"length": len(body)}
        return Case("body shorter than Content-Length", channel, [sent], BAD_OR_HUNG_UP, options)

    def nested(self, channel: str) -> Case:
        depth = self.rng.choice([40, 100, 1_000, 5_000, 50_000])
        opening, closing = self.rng.choice([("[", "]"), ('{"a":', "}"), ('{"message":[', "]}")])
        core = (opening * depth + "1" + closing * depth).encode()
        if self.rng.random() < 0.5:  # where an update's message or a Zalo event would be
            wrapper = b'{"update_id": 1, "message": ' if channel == "telegram" else b'{"result": '
            core = wrapper + core + b"}"
        return Case("deeply nested JSON", channel, self.pieces(core), BAD)

    def huge(self, channel: str) -> Case:
        if self.rng.random() < 0.5:  # announced: refused on the headers alone
            size = LIMIT + self.rng.choice([1, 1 << 20, 1 << 30])
            return Case("over the limit", channel, [b"{"], TOO_LARGE, {"length": size})
        block = self.noise(1 << 16)
        count = LIMIT // len(block) + self.rng.randint(1, 3)
        return Case("over the limit", channel, [block] * count, TOO_LARGE, {"chunked": True})

    def wrong_types(self, channel: str) -> Case:
        update, _chat = self.update(channel)
        mutated = copy.deepcopy(update)
        for _ in range(self.rng.randint(1, 3)):
            self._mutate(mutated)
        return Case("wrong types", channel, self.pieces(self.dump(mutated)), ANY)

    def _mutate(self, value: dict[str, Any]) -> None:
        node: Any = value
        while True:
            key = self.rng.choice(list(node))
            inner = node[key]
            if isinstance(inner, dict) and inner and self.rng.random() < 0.7:
                node = inner
                continue
            node[key] = copy.deepcopy(self.rng.choice(WRONG_VALUES))  # never shared
            return

    def secret(self, channel: str) -> Case:
        header = self.rng.choice(WRONG_SECRETS)
        body = self.dump(self.update(channel)[0])
        return Case("wrong or missing secret", channel, [body], UNAUTHORIZED, {"secret": header})

    def method(self, channel: str) -> Case:
        verb = self.rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
        body = self.dump(self.update(channel)[0])
        return Case("wrong method", channel, [body], NOT_ALLOWED, {"method": verb})

    def invalid_utf8(self, channel: str) -> Case:
        body = self.dump(self.update(channel)[0])
        at = body.index(b"/help") + 1
        bad = self.rng.choice(
            [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"]
        )
        return Case("invalid UTF-8", channel, self.pieces(body[:at] + bad + body[at:]), BAD)

    def surrogates(self, channel: str) -> Case:
        update, _chat = self.update(channel)
        body = json.dumps(update).encode()  # ASCII, so the escapes stay escapes
        lone = self.rng.choice([b"\\ud800", b"\\udfff", b"\\udbff\\u0041", b"\\udc00\\ud800"])
        field_ = self.rng.choice([b'"text": "', b'"id": "', b'"first_name": "', b'"name": "'])
        if field_ not in body:
            field_ = b'"text": "'
        body = body.replace(field_, field_ + lone, 1)
        return Case("lone surrogates", channel, self.pieces(body), BAD)

    def no_sender(self, channel: str) -> Case:
        update, chat = self.update(channel)
        message = update["message"] if channel == "telegram" else update.get("result", update)
        message = message if channel == "telegram" else message["message"]
        del message["from"]
        if channel == "telegram" and self.rng.random() < 0.5:
            message["chat"] = {"id": -100_000_000_000 - len(self.valid), "type": "channel"}
            update["channel_post"] = update.pop("message")
        case = Case("no sender", channel, [self.dump(update)], OK, chat=chat, replies=0)
        self.checked.append(case)
        return case

    def framing(self, channel: str) -> Case:
        """HTTP framing that aiohttp's parser refuses before any handler runs."""
        body = self.dump(self.update(channel)[0])
        extra = self.rng.choice(
            [b"Content-Length: -1", b"Content-Length: abc", b"Transfer-Encoding: chunked"]
        )
        return Case("bad HTTP framing", channel, [body], BAD, {"extra": extra})

    def draw(self) -> Case:
        makers: list[tuple[Callable[[str], Case], int]] = [
            (self.valid_whole, 12),
            (self.valid_split, 12),
            (self.valid_chunked, 8),
            (self.replay, 4),
            (self.garbage, 10),
            (self.truncated, 8),
            (self.cut_short, 4),
            (self.nested, 6),
            (self.huge, 2),
            (self.wrong_types, 14),
            (self.secret, 5),
            (self.method, 3),
            (self.invalid_utf8, 5),
            (self.surrogates, 5),
            (self.no_sender, 4),
            (self.framing, 2),
        ]
        maker = self.rng.choices([m for m, _ in makers], [w for _, w in makers])[0]
        return maker(self.rng.choice(CHANNELS))


@pytest.fixture
async def hooks(
    tmp_path: Path, sqlite_template: Path, clock: FrozenClock
) -> AsyncIterator[Webhooks]:
    async with webhooks(tmp_path, sqlite_template, clock) as served:
        yield served


async def test_webhook_fuzz(hooks: Webhooks, caplog: pytest.LogCaptureFixture) -> None:
    cases = Cases(random.Random(SEED))
    drawn = [cases.draw() for _ in range(REQUESTS)]
    results: list[int | None] = [None] * len(drawn)
    todo = iter(range(len(drawn)))

    async def worker() -> None:
        for n in todo:
            case = drawn[n]
            results[n] = await hooks.send(case.channel, case.pieces, **case.options)

    began = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - began

    table: dict[tuple[str, str], Counter[int | None]] = defaultdict(Counter)
    for case, status in zip(drawn, results, strict=True):
        table[case.category, case.channel][status] += 1
    print(f"\nwebhook fuzz, seed {SEED}: {len(drawn)} requests in {elapsed:.1f} s")
    for (category, channel), statuses in sorted(table.items()):
        counts = " ".join(f"{s}×{n}" for s, n in sorted(statuses.items(), key=str))
        print(f"  {category:34} {channel:9} {sum(statuses.values()):5}   {counts}")

    unexpected = [
        (n, case.category, case.channel, status)
        for n, (case, status) in enumerate(zip(drawn, results, strict=True))
        if status not in case.expect
    ]
    assert not unexpected, unexpected[:20]
    assert not any(status is not None and status >= 500 for status in results)
    for case in cases.checked:
        assert case.chat is not None
        assert hooks.replies(case.channel, case.chat) == case.replies, (case.category, case.chat)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and not _refused(r)]
    assert not errors, [r.getMessage() for r in errors[:10]]
    assert len(cases.valid) >= REQUESTS // 5


def _refused(record: logging.LogRecord) -> bool:
    """aiohttp's own ERROR line for a request its HTTP parser refused with 400 (bad framing):
    the library's choice of level, before any of gopy's code runs."""
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "aiohttp.server" and isinstance(error, BadHttpMessage)
