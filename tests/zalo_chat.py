"""Conversations over Zalo for tests: events in, numbered menus answered by typing numbers."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher

from bot.app import Runtime
from bot.channels.zalo import ZaloSession
from bot.web.shelf import Shelf
from scheduler.clock import FrozenClock
from tests.fakes.zalo import FakeZalo, ZaloCall, image_event, sticker_event, text_event
from tests.seed import Seed


@dataclass
class ZaloApp:
    """A running gopy on Zalo, pointed at the fake Zalo Bot API (as ``BotApp`` for Telegram)."""

    runtime: Runtime
    dp: Dispatcher
    bot: Bot
    api: FakeZalo
    clock: FrozenClock
    seed: Seed
    shelf: Shelf

    def chat(self, user_id: int, name: str = "Nguyễn Văn An") -> ZaloChat:
        """The person ``user_id`` of a Telegram test, with a Zalo-looking hex id."""
        return ZaloChat(self.dp, self.bot, self.api, f"{user_id:020x}", name)


@dataclass
class ZaloChat:
    """One Zalo user talking to the bot; ``user`` is their hex id."""

    dp: Dispatcher
    bot: Bot
    api: FakeZalo
    user: str
    name: str = "Nguyễn Văn An"

    @property
    def session(self) -> ZaloSession:
        assert isinstance(self.bot.session, ZaloSession)
        return self.bot.session

    async def feed(self, event: dict[str, object]) -> list[ZaloCall]:
        start = len(self.api.calls)
        update = await self.session.to_update(event)
        if update is not None:
            await self.dp.feed_update(self.bot, update)
        return [c for c in self.api.calls[start:] if c.chat == self.user]

    async def say(self, text: str) -> list[ZaloCall]:
        return await self.feed(text_event(self.user, text, name=self.name))

    async def send_photo(self, url: str, caption: str | None = None) -> list[ZaloCall]:
        return await self.feed(image_event(self.user, url, caption))

    async def send_sticker(self) -> list[ZaloCall]:
        return await self.feed(sticker_event(self.user))

    def sent(self) -> list[ZaloCall]:
        return self.api.to(self.user)

    def last_text(self) -> str:
        texts = [c.text for c in self.sent() if c.method == "sendMessage"]
        return texts[-1] if texts else ""

    def button(self, label: str) -> tuple[ZaloCall, dict[str, str]]:
        """The newest bot message offering ``label``, and the button as ``{"text": …}``."""
        for call in reversed(self.sent()):
            for button in call.buttons:
                if label in button["text"]:
                    return call, button
        raise AssertionError(f"no button {label!r}; last message: {self.last_text()!r}")

    def choice(self, label: str) -> str:
        """What to type for a button: its number, or its command (Back, Skip, Cancel)."""
        return self.button(label)[1]["choice"]

    async def press(self, label: str) -> list[ZaloCall]:
        return await self.say(self.choice(label))

    async def local_id(self) -> int:
        return await self.session.ids.local(self.user)


def texts(calls: list[ZaloCall]) -> str:
    return "\n".join(c.text for c in calls if c.text)
