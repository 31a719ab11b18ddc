"""Builders of incoming ``Update`` objects, shared by the simulator and the tests."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update, User


def user(user_id: int, name: str = "", language_code: str | None = "vi") -> User:
    first, _, last = (name or f"User {user_id}").partition(" ")
    return User(
        id=user_id,
        is_bot=False,
        first_name=first,
        last_name=last or None,
        language_code=language_code,
    )


def private_chat(user_id: int) -> Chat:
    return Chat(id=user_id, type="private")


def text_message(*, sender: User, text: str, message_id: int, date: datetime) -> Message:
    entities = None
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        entities = [MessageEntity(type="bot_command", offset=0, length=len(command))]
    return Message(
        message_id=message_id,
        date=date,
        chat=private_chat(sender.id),
        from_user=sender,
        text=text,
        entities=entities,
    )


def text_update(
    *, update_id: int, sender: User, text: str, message_id: int, date: datetime
) -> Update:
    return Update(
        update_id=update_id,
        message=text_message(sender=sender, text=text, message_id=message_id, date=date),
    )


def callback_update(
    *,
    update_id: int,
    sender: User,
    data: str,
    message: Message,
    callback_id: str | None = None,
) -> Update:
    return Update(
        update_id=update_id,
        callback_query=CallbackQuery(
            id=callback_id or str(update_id),
            from_user=sender,
            chat_instance=str(sender.id),
            data=data,
            message=message,
        ),
    )
