"""Conversations for tests: ``await chat.say("/report")``, ``await chat.press("Gửi")``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from aiogram import Bot, Dispatcher
from aiogram.types import Message, PhotoSize, Sticker, Update

from bot.channels import updates
from scheduler.clock import Clock
from tests.fakes.telegram import Call, FakeTelegram
from tests.fakes.zalo import ZaloCall

AnyCall = Call | ZaloCall

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@dataclass
class Chat:
    """One person talking to the bot in a private chat."""

    dp: Dispatcher
    bot: Bot
    api: FakeTelegram
    clock: Clock
    user_id: int
    name: str = "Nguyễn Văn An"
    seen: int = field(default=0)

    async def feed(self, update: Update) -> list[Call]:
        start = len(self.api.calls)
        await self.dp.feed_update(self.bot, update)
        return [c for c in self.api.calls[start:] if c.chat_id in (self.user_id, None)]

    def _message(self, **content: object) -> Message:
        return Message(
            message_id=next(_message_ids),
            date=self.clock.now(),
            chat=updates.private_chat(self.user_id),
            from_user=updates.user(self.user_id, self.name),
            **content,  # type: ignore[arg-type]
        )

    async def say(self, text: str) -> list[Call]:
        update = updates.text_update(
            update_id=next(_update_ids),
            sender=updates.user(self.user_id, self.name),
            text=text,
            message_id=next(_message_ids),
            date=self.clock.now(),
        )
        return await self.feed(update)

    async def send_sticker(self) -> list[Call]:
        sticker = Sticker(
            file_id="s1",
            file_unique_id="u1",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        return await self.feed(
            Update(update_id=next(_update_ids), message=self._message(sticker=sticker))
        )

    async def send_photo(
        self, unique: str = "pu1", *, caption: str | None = None, album: str | None = None
    ) -> list[Call]:
        """A photo as Telegram sends it: several sizes, the largest last."""
        photo = [
            PhotoSize(file_id=f"{unique}-s", file_unique_id=f"{unique}s", width=90, height=90),
            PhotoSize(file_id=f"{unique}-x", file_unique_id=unique, width=1280, height=960),
        ]
        message = self._message(photo=photo, caption=caption, media_group_id=album)
        return await self.feed(Update(update_id=next(_update_ids), message=message))

    async def send(self, **content: object) -> list[Call]:
        """Any other kind of message: ``voice=Voice(...)``, ``location=Location(...)``."""
        return await self.feed(
            Update(update_id=next(_update_ids), message=self._message(**content))
        )

    def sent(self) -> list[Call]:
        return [c for c in self.api.calls if c.chat_id == self.user_id]

    def last_text(self) -> str:
        texts = [c.text for c in self.sent() if c.method == "sendMessage"]
        return texts[-1] if texts else ""

    def button(self, label: str) -> tuple[Call, dict[str, str]]:
        """The newest bot message with an inline button whose text contains ``label``."""
        for call in reversed(self.sent()):
            for button in call.buttons:
                if label in button["text"]:
                    return call, button
        raise AssertionError(f"no button {label!r}; last message: {self.last_text()!r}")

    async def press(self, label: str) -> list[Call]:
        call, button = self.button(label)
        return await self.press_data(button["callback_data"], message_text=call.text)

    async def press_data(self, data: str, message_text: str = "") -> list[Call]:
        message = Message(
            message_id=next(_message_ids),
            date=self.clock.now(),
            chat=updates.private_chat(self.user_id),
            text=message_text or "…",
        )
        update = updates.callback_update(
            update_id=next(_update_ids),
            sender=updates.user(self.user_id, self.name),
            data=data,
            message=message,
        )
        return await self.feed(update)


class Talk(Protocol):
    """A conversation on any channel: ``Chat`` (Telegram) or ``tests.zalo_chat.ZaloChat``."""

    async def say(self, text: str) -> Sequence[AnyCall]: ...

    async def press(self, label: str) -> Sequence[AnyCall]: ...

    def sent(self) -> Sequence[AnyCall]: ...

    def last_text(self) -> str: ...

    def button(self, label: str) -> tuple[AnyCall, dict[str, str]]: ...


def texts(calls: Sequence[AnyCall]) -> str:
    """Everything the bot said (messages and button alerts), joined for ``in`` checks."""
    parts = [c.text or str(c.params.get("text", "")) for c in calls]
    return "\n".join(p for p in parts if p)


async def skip_questions(chat: Talk) -> Sequence[AnyCall]:
    """Pass a comment's one-tap questions (stance, who, and the ward when asked) with «Bỏ qua»
    and «Không rõ»; what the bot said last (it asks how to send)."""
    await chat.press("Bỏ qua")
    calls = await chat.press("Bỏ qua")
    if "phường/xã nào" in texts(calls):
        calls = await chat.press("Không rõ")
    return calls


def at(local: str) -> datetime:
    """A Ho Chi Minh City wall-clock time as an aware datetime: ``at("2025-11-12 16:00")``."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
