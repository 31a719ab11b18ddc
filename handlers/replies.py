"""Where to answer a button press (the message it sits on, or the person's private chat), and
the one polite refusal of officials' commands to everyone else."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Chat, InaccessibleMessage, Message
from aiogram.utils.i18n import gettext as _

from storage.models import RoleKind
from storage.people import Member

Answerable = Message | InaccessibleMessage


async def acknowledge(event: Message | CallbackQuery) -> Answerable:
    """Where to answer a command or a button with the same meaning (/back and «« Back»)."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        return reply_target(event)
    return event


def reply_target(callback: CallbackQuery) -> Answerable:
    """The message under the button; a stub in the sender's chat when Telegram gives none.

    Telegram omits or strips the message for buttons older than 48 hours; answering in the
    person's private chat is still right, since gopy only talks in private chats.
    """
    if callback.message is not None:
        return callback.message
    stub = InaccessibleMessage(chat=Chat(id=callback.from_user.id, type="private"), message_id=0)
    return stub.as_(callback.bot) if callback.bot is not None else stub


async def refused_unless_official(message: Message, member: Member) -> bool:
    """True (after saying so) when the sender is not an official anywhere."""
    if member.has(RoleKind.OFFICIAL):
        return False
    await message.answer(
        _("This is for ward and city officials. Ask your ward for an official's invite.")
    )
    return True
