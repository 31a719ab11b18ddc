"""Group chats: the bot works in private chats only and says so when called in a group."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import is_command


def build_router() -> Router:
    router = Router(name="groups")
    router.message.register(private_only, is_command)
    return router


async def private_only(message: Message) -> None:
    """Only commands get an answer: a bot that replied to every group message would be noise."""
    await message.answer(_("Please write to me in a private chat."))
