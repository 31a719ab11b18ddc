"""Which Bot API calls spend the platform's sending budget, and on which chat.

Counted: every call that puts something in a chat or changes what it shows — ``send*`` (but
``sendChatAction``), ``copy*``, ``forward*`` and ``editMessage*``. Edits count like sends, per
chat too: Telegram's flood control answers 429 to a burst of edits as to a burst of messages
(its limits are undocumented beyond "about 30 a second, one a second per chat"), and a 429
pauses the whole bot, so spending a slot on an edit is cheaper than risking one.
Not counted: reading and housekeeping (``getMe``, ``getUpdates``, ``setWebhook``,
``answerCallbackQuery``, ``sendChatAction``, ``deleteMessage``…), which Telegram limits apart
and far above this.
"""

from __future__ import annotations

from typing import Any

from aiogram.methods import TelegramMethod

COUNTED_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage")
NOT_COUNTED = frozenset({"sendChatAction"})


def counted(method: TelegramMethod[Any]) -> bool:
    name = method.__api_method__
    return name.startswith(COUNTED_PREFIXES) and name not in NOT_COUNTED


def chat_of(method: TelegramMethod[Any]) -> str | None:
    """The chat a counted call writes to; None for an inline message (the bot's budget only)."""
    chat = getattr(method, "chat_id", None)
    return None if chat is None else str(chat)
