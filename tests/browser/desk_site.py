"""gopy with the demo's city (``gopy demo``), its web pages on loopback for a real browser, and
its chat through the fake Telegram Bot API: officials join with the demo's invites and ask
``/web`` for the desk's link; citizens comment from a poster; the outbox is delivered when a
test says so, as the runner's delivery loop would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot, Dispatcher
from pydantic import SecretStr
from sqlmodel import col, select

from bot.app import Runtime, assemble, limits_of
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.demo import DemoData, load_demo
from bot.runner import page_routes
from bot.web.app import build_web_app
from scheduler.clock import FrozenClock
from scheduler.delivery import Delivery
from storage.entries import Target, entry_for
from storage.models import Document
from tests.chat import Chat
from tests.fakes.telegram import FakeTelegram, loopback_socket, serve, serve_app
from tests.outreach import FakeSleep
from tests.seed import TEST_SECRET

BOT = "gopy_test_bot"
_LINK = re.compile(r"http://127\.0\.0\.1:\d+/desk/signin/[A-Za-z0-9_-]+")


@dataclass
class DeskSite:
    base: str  # http://127.0.0.1:<port>, gopy's public address here
    runtime: Runtime
    dp: Dispatcher
    bot: Bot
    api: FakeTelegram
    clock: FrozenClock
    demo: DemoData
    delivery: Delivery

    def chat(self, user_id: int, name: str) -> Chat:
        return Chat(self.dp, self.bot, self.api, self.clock, user_id, name)

    async def official(self, user_id: int, name: str, invite: str) -> Chat:
        """Someone who joined with one of the demo's officials' invites."""
        chat = self.chat(user_id, name)
        await chat.say(f"/start i-{invite}")
        assert "Chào mừng" in chat.last_text(), chat.last_text()
        return chat

    async def desk_link(self, chat: Chat) -> str:
        """The link ``/web`` answers ``chat`` with."""
        await chat.say("/web")
        found = _LINK.search(chat.last_text())
        assert found is not None, chat.last_text()
        return found[0]

    async def document(self, position: int = 0) -> Document:
        """A draft of the demo campaign, in the campaign file's order."""
        async with self.runtime.db.sessions() as session:
            documents = await session.execute(
                select(Document)
                .where(col(Document.campaign_id) == self.demo.campaign.id)
                .order_by(col(Document.position))
            )
            return list(documents.scalars())[position]

    async def poster(self, document: int = 0) -> str:
        """The code of Ngọc Hà's poster for a draft of the demo campaign: comments sent
        through it are Ngọc Hà's."""
        chosen = await self.document(document)
        async with self.runtime.db.sessions() as session:
            entry = await entry_for(
                session=session,
                target=Target(self.demo.campaign, chosen),
                now=self.clock.now(),
                unit=self.demo.ward,
            )
            await session.commit()
        return entry.code

    async def deliver(self) -> None:
        """What the delivery loop would send now (replies, reminders), sent."""
        await self.delivery.drain()


def desk_settings(database_url: str, base: str, api_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SecretStr(TEST_SECRET),
        public_url=base,
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url, bot_username=BOT),
    )


@asynccontextmanager
async def serve_desk_site(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskSite]:
    """The demo loaded into ``database_url``, gopy's pages served at an address known before
    they start (the links of ``/web`` point there), and its bot on the fake Bot API."""
    api = FakeTelegram()
    api_runner, api_url = await serve(api)
    sock, base = loopback_socket()
    settings = desk_settings(database_url, base, api_url)
    runtime = Runtime.create(settings, clock)
    bot = build_telegram_bot(settings)
    gopy = assemble(runtime, [], scheduling=False)
    dp = gopy.dp
    try:
        async with runtime.db.sessions() as session:
            demo = await load_demo(
                session=session, key=runtime.key, now=clock.now(), ttl=timedelta(days=7)
            )
            await session.commit()
        delivery = Delivery(
            db=runtime.db,
            bots={"telegram": bot},
            clock=clock,
            limits=limits_of(settings),
            sleep=FakeSleep(clock),
        )
        gopy.services.outreach.wake = delivery.wake
        runner, _url = await serve_app(
            build_web_app(page_routes(gopy, [])), sock=sock, shutdown_timeout=1
        )
        try:
            yield DeskSite(base, runtime, dp, bot, api, clock, demo, delivery)
        finally:
            await runner.cleanup()
    finally:
        await dp.storage.close()
        await bot.session.close()
        await runtime.close()
        await api_runner.cleanup()
