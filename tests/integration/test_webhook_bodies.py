"""Webhook bodies as a network delivers them: in pieces, chunked, nested, odd. Both routes
(Telegram and Zalo) on one loopback server, written to by a raw socket client."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import logging
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.web import intake, telegram, zalo
from scheduler.clock import FrozenClock
from tests.fakes.telegram import command_update
from tests.fakes.zalo import hex_id, text_event
from tests.webhooks import (
    SECRET,
    Webhooks,
    exchange,
    split,
    telegram_help,
    webhooks,
    zalo_help,
)

CHANNELS = ["telegram", "zalo"]
_chats = itertools.count(7_000_001)


@pytest.fixture
async def hooks(
    tmp_path: Path, sqlite_template: Path, clock: FrozenClock
) -> AsyncIterator[Webhooks]:
    async with webhooks(tmp_path, sqlite_template, clock) as served:
        yield served


def help_update(channel: str, padding: int) -> tuple[bytes, str]:
    """A /help of about ``padding`` more characters, from a new person; and their chat."""
    number = next(_chats)
    if channel == "telegram":
        return telegram_help(number, number, padding), str(number)
    user = hex_id()
    return zalo_help(user, padding), user


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("size", [12_000, 60_000])
@pytest.mark.parametrize("pieces", [3, 7])
async def test_an_update_in_pieces_is_handled_once(
    hooks: Webhooks, channel: str, size: int, pieces: int
) -> None:
    body, chat = help_update(channel, size)
    assert len(body) >= size
    assert await hooks.send(channel, split(body, pieces)) == 200
    assert hooks.replies(channel, chat) == 1


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("size", [12_000, 60_000])
async def test_a_chunked_update_is_handled_once(hooks: Webhooks, channel: str, size: int) -> None:
    body, chat = help_update(channel, size)
    assert await hooks.send(channel, split(body, 5), chunked=True) == 200
    assert hooks.replies(channel, chat) == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_body_over_the_limit_is_413(hooks: Webhooks, channel: str) -> None:
    limit = telegram.MAX_BODY if channel == "telegram" else zalo.MAX_BODY
    huge = [b"x" * (1 << 16)] * (limit // (1 << 16) + 1)
    assert await hooks.send(channel, huge, chunked=True) == 413, "chunked: no Content-Length"
    assert await hooks.send(channel, [b"{}"], length=limit + 1) == 413, "Content-Length"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_body_cut_short_is_bad_input(
    hooks: Webhooks, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, chat = help_update(channel, 100)
    status = await hooks.send(channel, [body[:50]], length=len(body))
    assert status in (400, None)  # the client hung up: it gets 400 if it still listens
    assert hooks.replies(channel, chat) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("secret", [b"\xff\xfe-not-utf8", SECRET.encode() + b"\xc3", b"\x80"])
async def test_a_secret_header_of_raw_bytes_is_401(
    hooks: Webhooks, channel: str, secret: bytes
) -> None:
    body, chat = help_update(channel, 0)
    assert await hooks.send(channel, [body], secret=secret) == 401
    assert hooks.replies(channel, chat) == 0


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("depth", [100, 1_000, 100_000])
async def test_deeply_nested_json_is_400(
    hooks: Webhooks, channel: str, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    nested = b"[" * depth + b"]" * depth
    for body in (nested, b'{"update_id": 1, "message": ' + nested + b"}"):
        assert await hooks.send(channel, [body]) == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_telegram_updates_without_a_sender_are_ignored_quietly(
    hooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    message = command_update(8_100_001, 8_100_001)["message"]
    del message["from"]
    channel_post = {**message, "chat": {"id": -100_123, "type": "channel", "title": "Tin"}}
    del channel_post["entities"]
    bodies = [
        {"update_id": 8_100_001, "message": message},
        {"update_id": 8_100_002, "channel_post": channel_post},
        {"update_id": 8_100_003, "edited_channel_post": channel_post},
        {"update_id": 8_100_004, "edited_message": message},
    ]
    with caplog.at_level(logging.INFO):
        for body in bodies:
            assert await hooks.send("telegram", [json.dumps(body).encode()]) == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert hooks.telegram_api.calls == []


@pytest.mark.parametrize(
    "where", ["from.id", "chat.id", "message_id", "text", "display_name", "event_name"]
)
async def test_zalo_lone_surrogates_are_bad_input(
    hooks: Webhooks, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    user = hex_id()
    event = text_event(user, "/help", name="Ted")
    message = event["result"]["message"]
    if where == "from.id":
        message["from"]["id"] = user[:-1] + "\ud800"
    elif where == "chat.id":
        message["chat"]["id"] = "\udfff" + user
    elif where == "display_name":
        message["from"]["display_name"] = "T\ud83de"
    elif where == "event_name":
        event["result"]["event_name"] = "message.text.received\udc00"
    else:
        message[where] = "\ud800" + str(message[where])
    body = json.dumps(event).encode()  # ASCII: the surrogate travels as a \\ud800 escape
    assert b"\\ud" in body
    with caplog.at_level(logging.INFO):
        assert await hooks.send("zalo", [body]) == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert hooks.zalo_api.calls == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_raw_utf8_in_a_body_is_fine(hooks: Webhooks, channel: str) -> None:
    """Not every client escapes non-ASCII: a body of raw UTF-8 is handled the same."""
    number = next(_chats)
    if channel == "telegram":
        update = command_update(number, number, "/help")
        update["message"]["from"]["first_name"] = "Nguyễn Thị Hà"
        body, chat = json.dumps(update, ensure_ascii=False).encode(), str(number)
    else:
        chat = hex_id()
        event = text_event(chat, "/help", name="Nguyễn Thị Hà")
        body = json.dumps(event, ensure_ascii=False).encode()
    assert await hooks.send(channel, split(body, 4)) == 200
    assert hooks.replies(channel, chat) == 1


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compressed_body_that_does_not_decompress_is_400(
    hooks: Webhooks, channel: str, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp decompresses a request body itself; a broken stream reaches the route as
    RequestPayloadError, which is bad input (it was a 500)."""
    compress = gzip.compress if encoding == "gzip" else zlib.compress
    header = b"Content-Encoding: " + encoding.encode()
    body, chat = help_update(channel, 3_000)
    packed = compress(body)
    assert await hooks.send(channel, split(packed, 3), extra=header) == 200, "valid: handled"
    assert hooks.replies(channel, chat) == 1
    broken = [b"not compressed at all", packed[:2] + b"\x00" * 40 + packed[42:]]
    for garbage in broken:
        for chunked in (False, True):
            sent = await hooks.send(channel, [garbage], extra=header, chunked=chunked)
            assert sent == 400, (garbage[:10], chunked)
    # Left: aiohttp itself logs "Unhandled exception" when, after the 400 is sent, it drains
    # the rest of a deflate body whose stream failed at its end (its lingering read re-raises
    # the payload's error). Nothing of gopy's is logged at ERROR.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in errors if not _drained_after_answer(r)]


def _drained_after_answer(record: logging.LogRecord) -> bool:
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "aiohttp.server" and isinstance(error, web.RequestPayloadError)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "stall",
    [
        pytest.param(b"Content-Length: 500\r\n\r\n{", id="stops-mid-body"),
        pytest.param(b"Transfer-Encoding: chunked\r\n\r\n", id="bad-chunk-size-later"),
    ],
)
async def test_a_body_that_stalls_is_400_at_the_deadline(
    hooks: Webhooks, channel: str, stall: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that stops sending, or whose chunk framing breaks after the route began to read
    (aiohttp then never ends the payload), is answered at the deadline instead of holding the
    request open for as long as it likes. The connection stays open: only the deadline ends it
    (the exchange gives up after 30 s, far past the 0.2 s deadline set here)."""
    monkeypatch.setattr(intake, "BODY_SECONDS", 0.2, raising=False)
    head = (
        f"POST {hooks.paths[channel]} HTTP/1.1\r\nHost: {hooks.host}\r\n"
        f"{hooks.headers[channel]}: {SECRET}\r\nContent-Type: application/json\r\n"
    ).encode()
    writes = [head + stall]
    if b"chunked" in stall:
        writes.append(b"zz\r\n{}\r\n0\r\n\r\n")  # arrives once the route is reading
    assert await exchange(hooks.host, hooks.port, writes, shut=False) == 400


async def test_a_burst_of_new_zalo_senders_is_handled(hooks: Webhooks) -> None:
    """More new senders at once than the database pool has connections (5 + 10): allocating a
    Zalo id took SQLite's write lock before a connection, the Commit middleware the other way
    round, and every update hung until the pool's 30 s timeout."""
    chats = []
    for _ in range(40):
        body, chat = help_update("zalo", 0)
        chats.append((body, chat))
    sent = await asyncio.gather(*(hooks.send("zalo", split(body, 2)) for body, _ in chats))
    assert sent == [200] * len(chats)
    assert [hooks.replies("zalo", chat) for _, chat in chats] == [1] * len(chats)
