"""Telegram webhook endpoint: secret path and header checked, garbage refused with 4xx."""

from __future__ import annotations

import hashlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.web.intake import Broken, TooLarge, read_body, secret_matches

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # Telegram updates are a few KB; a megabyte is already abuse.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def webhook_path(secret: str) -> str:
    """A path derived from the secret, so the URL itself does not reveal the header value."""
    return "/tg/" + hashlib.sha256(f"gopy-telegram:{secret}".encode()).hexdigest()[:32]


def webhook_route(dp: Dispatcher, bot: Bot, secret: str) -> web.RouteDef:
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        if not secret_matches(request, SECRET_HEADER, expected):
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            body = await read_body(request, MAX_BODY)
        except TooLarge:
            return web.json_response({"error": "too large"}, status=413)
        except Broken:
            return web.json_response({"error": "incomplete body"}, status=400)
        try:
            # pydantic's parser refuses lone surrogates and nesting past its own limit.
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
