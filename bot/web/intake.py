"""What both webhook routes do with a request before the update: check the secret header, read
the body whole (up to a limit, however it arrives) and, for Zalo, its JSON.

``request.content.read(n)`` returns what has arrived so far: an update sent in several TCP
segments was cut short and refused. Here the body is read to its end (a ``Content-Length``
body or a chunked one), and refused as soon as it is known to be over the limit.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

# Telegram and Zalo send an update in one go; a body still incomplete after this long is a
# client that stalled, or whose chunk framing broke once the route was reading (aiohttp then
# never ends the payload): without a deadline either holds the request open indefinitely.
BODY_SECONDS = 30.0


def same_secret(given: str, expected: str | bytes) -> bool:
    """Whether ``given`` (from a request) is ``expected``; compared in constant time."""
    # aiohttp decodes header and form bytes as UTF-8 with surrogateescape: encode them back
    # the same way, or bytes that are not UTF-8 raise (a 500) instead of failing to match.
    wanted = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), wanted)


def secret_matches(request: web.Request, header: str, expected: bytes) -> bool:
    """Whether the header holds the secret; compared in constant time."""
    return same_secret(request.headers.get(header, ""), expected)


class TooLarge(Exception):
    """The body is over the limit (413)."""


class Broken(Exception):
    """The body ended before it was complete, was not complete by the deadline, or its
    framing or encoding is wrong (400)."""


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body; ``TooLarge`` past ``limit`` bytes, ``Broken`` if it is cut short or
    not all there within ``BODY_SECONDS``."""
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):
            # readany() returns each piece as it arrives, and b"" only at the end of the body.
            while chunk := await request.content.readany():
                body += chunk
                if len(body) > limit:
                    raise TooLarge
    # A bad chunk; the client hung up; a body whose Content-Encoding (gzip, deflate…) does not
    # decompress, which aiohttp's parser hands to the payload as RequestPayloadError; the
    # deadline passed.
    except (HttpProcessingError, ConnectionError, web.RequestPayloadError, TimeoutError) as error:
        raise Broken from error
    return bytes(body)


def load_json(raw: bytes, max_depth: int) -> Any:
    """The JSON value of ``raw``; ``ValueError`` if it is not JSON, is nested deeper than
    ``max_depth``, or holds a lone surrogate (``"\\ud800"`` is valid JSON but no text: it
    cannot be stored or hashed)."""
    try:
        value = json.loads(raw)
    except RecursionError as error:  # nesting deeper than Python's stack allows
        raise ValueError("nested too deep") from error
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:  # a loop, not recursion: the depth is what is being checked
        item, depth = stack.pop()
        if isinstance(item, str):
            item.encode()  # UnicodeEncodeError (a ValueError) on a lone surrogate
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise ValueError("nested too deep")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, inner in pairs:
                if isinstance(key, str):
                    key.encode()
                stack.append((inner, depth + 1))
    return value
