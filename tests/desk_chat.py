"""The desk beside the chat: the same people on the desk's server and in a Telegram chat with
the same Dispatcher (a fake Bot API on loopback), to hold the desk to what the chat does.

``serve_desk_and_chat`` gives a ``DeskWorld`` whose people can also ``chat(who)``; ``make_chain``
turns the seed's campaign into the city's with ward and city deadlines (the reporting chain,
as ``tests/flow/test_chain.py``); ``file_cell`` files a cell's report through storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot
from pydantic import SecretStr
from sqlalchemy import update
from sqlmodel import col

from bot.channels.telegram import build_telegram_bot
from bot.config import TelegramSettings
from scheduler.clock import FrozenClock
from scheduler.reporting import Assignment, target
from storage.models import Campaign, Deadline, Unit, UnitLevel
from storage.reports import file_report
from tests.chat import Chat
from tests.desk_world import DeskWorld, Who, serve_desk
from tests.fakes.telegram import BOT_USER, FakeTelegram, serve

OFFICE = "phongtt.btgdvtu@example.org"
CELL_ANSWERS: dict[str, Any] = {
    "leadership": "Họp chi bộ triển khai",
    "propaganda": ["meetings"],
    "news_count": 12,
    "meetings_count": 2,
    "participants_count": 40,
    "letters_count": 5,
    "highlights": "Nhiều ý kiến về chuyển đổi số.",
    "expectations": "Nói rõ hơn về y tế cơ sở.",
}


@dataclass
class DeskAndChat:
    desk: DeskWorld
    api: FakeTelegram
    bot: Bot

    def chat(self, who: Who) -> Chat:
        person = self.desk.people[who]
        return Chat(
            self.desk.dp,
            self.bot,
            self.api,
            self.desk.clock,
            int(person.external_id),
            person.full_name or "",
        )

    def documents(self, who: Who) -> list[tuple[str, bytes, str]]:
        """Files the bot sent ``who``: name, bytes, caption."""
        user = int(self.desk.people[who].external_id)
        return [
            (c.upload.filename, c.upload.data, c.text)
            for c in self.api.calls
            if c.method == "sendDocument" and c.chat_id == user
        ]


@asynccontextmanager
async def serve_desk_and_chat(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskAndChat]:
    fake = FakeTelegram()
    runner, api_url = await serve(fake)
    # The username the fake getMe answers: the desk names the bot as /qr does.
    telegram = TelegramSettings(
        token=SecretStr("42:TEST"), api_url=api_url, bot_username=BOT_USER["username"]
    )
    try:
        async with serve_desk(database_url, clock, telegram=telegram) as desk:
            bot = build_telegram_bot(desk.runtime.settings)
            try:
                yield DeskAndChat(desk, fake, bot)
            finally:
                await bot.session.close()
    finally:
        await runner.cleanup()


async def make_chain(
    world: DeskWorld, *, email: str | None = OFFICE, final_due: datetime | None = None
) -> None:
    """The seed's campaign run by the city: cells by Wednesday 17:00, wards by Thursday 11:30
    (and a final report due ``final_due``), the city by Friday 17:00; the ward's letters
    e-mailed to ``email``."""
    async with world.runtime.db.sessions() as session:
        campaign_id = world.seed.campaign.id
        assert campaign_id is not None
        await session.execute(
            update(Campaign).where(col(Campaign.id) == campaign_id).values(unit_id=world.city.id)
        )
        session.add(
            Deadline(
                campaign_id=campaign_id,
                level=UnitLevel.WARD,
                weekday=3,
                time="11:30",
                final_due=final_due,
            )
        )
        session.add(
            Deadline(campaign_id=campaign_id, level=UnitLevel.CITY, weekday=4, time="17:00")
        )
        await session.execute(
            update(Unit).where(col(Unit.id) == world.seed.ward.id).values(report_email=email)
        )
        await session.commit()


async def file_cell(world: DeskWorld, cell: int = 0) -> None:
    """The secretary files ``cell``'s report for the week open now, through storage."""
    async with world.runtime.db.sessions() as session:
        unit = await session.get(Unit, world.seed.cells[cell].id)
        campaign = await session.get(Campaign, world.seed.campaign.id)
        assert unit is not None and campaign is not None
        now = world.clock.now()
        found = await target(session=session, assignment=Assignment(unit, campaign), now=now)
        assert found is not None
        await file_report(
            session=session,
            period=found.period,
            unit=unit,
            values=CELL_ANSWERS,
            person=world.people["secretary"],
            now=now,
        )
        await session.commit()
