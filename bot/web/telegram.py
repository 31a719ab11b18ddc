"""Telegram webhook endpoint: secret path and header checked, garbage refused with 4xx."""

from __future__ import annotations

import hashlib
import hmac
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # Telegram updates are a few KB; a megabyte is already abuse.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def webhook_path(secret: str) -> str:
    """A path derived from the secret, so the URL itself does not reveal the header value."""
    return "/tg/" + hashlib.sha256(f"gopy-telegram:{secret}".encode()).hexdigest()[:32]


def webhook_route(dp: Dispatcher, bot: Bot, secret: str) -> web.RouteDef:
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.json_response({"error": "unauthorized"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        try:
            body = await request.content.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                return web.json_response({"error": "too large"}, status=413)
            update = Update.model_validate_json(body, context={"bot": bot})
        except (ValidationError, ValueError):
            return web.json_response({"error": "not an update"}, status=400)
        try:
            await dp.feed_update(bot, update)
        except Exception:
            # Answer 200 anyway: a 5xx makes Telegram re-deliver the same failing update.
            log.exception("webhook update %s failed", update.update_id)
        return web.json_response({"ok": True})

    return web.post(webhook_path(secret), handle)
