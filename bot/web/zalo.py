"""Zalo webhook endpoint: the secret header checked in constant time, garbage refused with 4xx.

aiogram's ``SimpleRequestHandler`` reads Telegram's header name and answers with the handler's
method in the body, which Zalo would not run; hence this route (docs/zalo-bot-platform.md §13).
A wrong or missing secret is 401 (the docs' sample answers 403, OpenClaw 401; Zalo's reaction
to either is undocumented). Both envelopes are accepted: ``{ok, result}`` and a bare event.
"""

from __future__ import annotations

import hashlib
import logging

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.channels.zalo import ZaloSession
from bot.channels.zalo_events import parse_event
from bot.web.intake import Broken, TooLarge, load_json, read_body, secret_matches

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # a Zalo event is well under a kilobyte
MAX_DEPTH = 32  # an event nests four deep; deeper is garbage (and recursion for json)
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MIN_SECRET, MAX_SECRET = 8, 256  # setWebhook's rule for secret_token


def webhook_path(secret: str) -> str:
    """A path derived from the secret, so the URL itself does not reveal the header value."""
    return "/zalo/" + hashlib.sha256(f"gopy-zalo:{secret}".encode()).hexdigest()[:32]


def webhook_route(dp: Dispatcher, bot: Bot, secret: str) -> web.RouteDef:
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise ValueError("a Zalo webhook secret is 8 to 256 characters")
    session = bot.session
    assert isinstance(session, ZaloSession)
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        if not secret_matches(request, SECRET_HEADER, expected):
            return web.json_response({"message": "Unauthorized"}, status=401)
        try:
            raw = await read_body(request, MAX_BODY)
        except TooLarge:
            return web.json_response({"message": "Too large"}, status=413)
        except Broken:
            return web.json_response({"message": "Incomplete body"}, status=400)
        try:
            body = load_json(raw, MAX_DEPTH)
        except ValueError:  # not JSON, not UTF-8, nested too deep, a lone surrogate
            return web.json_response({"message": "Not JSON"}, status=400)
        if parse_event(body) is None:
            return web.json_response({"message": "Not an event"}, status=400)
        try:
            # None: a replay, or an event with no sender to answer.
            update = await session.to_update(body)
            if update is not None:
                await dp.feed_update(bot, update)
        except Exception:
            # Answer 200 anyway: a 5xx may make Zalo deliver the same failing event again.
            log.exception("Zalo webhook event failed")
        return web.json_response({"message": "Success"})

    return web.post(webhook_path(secret), handle)
