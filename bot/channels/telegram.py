"""The Telegram channel: aiogram's stock session, pointed at a configurable Bot API server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    Response,
    SendChatAction,
    SendMessage,
)

from bot.config import Settings

if TYPE_CHECKING:
    from bot.throttle.middleware import Throttle

# aiogram builds ``Response[<result type>]`` for every reply it parses, and pydantic caches such
# parametrised classes only weakly: once collected, each rebuild costs milliseconds. Holding the
# classes of the methods the handlers use keeps them built (≈ +20 % updates/s in tests/bench).
_KEEP_BUILT: list[Any] = [
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        AnswerCallbackQuery,
        DeleteMessage,
        EditMessageReplyMarkup,
        EditMessageText,
        GetMe,
        SendChatAction,
        SendMessage,
    )
]


def bot_properties() -> DefaultBotProperties:
    return DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)


def build_telegram_bot(settings: Settings, throttle: Throttle | None = None) -> Bot:
    """The Telegram bot; ``GOPY_TELEGRAM_API_URL`` may point at a local Bot API server.
    ``throttle`` (bot.throttle.build): every call that writes to a chat passes through it; the
    composition root always gives one, tests that do not measure limits leave it out."""
    token = settings.telegram.token
    assert token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram.api_url))
    if throttle is not None:
        session.middleware(throttle)
    return Bot(token.get_secret_value(), session=session, default=bot_properties())
