"""Zalo webhook endpoint: the secret header checked in constant time, garbage refused with 4xx.

aiogram's ``SimpleRequestHandler`` reads Telegram's header name and answers with the handler's
method in the body, which Zalo would not run; hence this route (docs/zalo-bot-platform.md §13).
A wrong or missing secret is 401 (the docs' sample answers 403, OpenClaw 401; Zalo's reaction
to either is undocumented). Both envelopes are accepted: ``{ok, result}`` and a bare event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.channels.zalo import ZaloSession
from bot.channels.zalo_events import parse_event

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # a Zalo event is well under a kilobyte
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
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.json_response({"message": "Unauthorized"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"message": "Too large"}, status=413)
        try:
            raw = await request.content.read(MAX_BODY + 1)
            if len(raw) > MAX_BODY:
                return web.json_response({"message": "Too large"}, status=413)
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
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
