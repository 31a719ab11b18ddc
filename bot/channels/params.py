"""A Bot API call as plain parameters, for the sessions that answer it themselves (the
simulator, Zalo) instead of sending it to Telegram."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile

if TYPE_CHECKING:
    from aiogram import Bot


def plain_params(
    session: BaseSession, bot: Bot, method: TelegramMethod[Any]
) -> tuple[dict[str, Any], dict[str, InputFile]]:
    """The method's set parameters as JSON-ready values, and the files it uploads by name."""
    files: dict[str, InputFile] = {}
    params = {
        key: session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        for key, value in method.model_dump(warnings=False).items()
    }
    return {key: value for key, value in params.items() if value is not None}, files
