"""Review r3 (issue 18): an update that wrote holds SQLite's write lock while its handler waits
for the platform. On SQLite files and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import F
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.throttle.limiter import MemoryLimiter
from bot.throttle.middleware import RetryBound
from storage.models import SweepRun
from storage.people import Member
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.integration.test_throttle_replies import LOOSE, Build, gopy

__all__ = ["gopy"]  # the fixture, shared with the throttle's own tests

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
async def limited() -> AsyncIterator[tuple[LimitedTelegram, str]]:
    # A chat's gap longer than SQLite's busy timeout (5 s): a 429 asks to wait past it.
    fake = LimitedTelegram(per_second=20, per_chat_seconds=6.0)
    runner, url = await serve(fake)
    yield fake, url
    await runner.cleanup()


# review: a handler that writes and then answers before the update commits (as
# handlers.moderation.apply_moderation does) holds SQLite's write lock for as long as the answer
# takes, 429 pauses and retries included (RetryBound: up to 20 s). Any other writer of the
# process (the delivery loop, another chat's update) waits in SQLite's busy handler meanwhile
# and failed with "database is locked" after 5 s. Fixed: SQLite's busy timeout (30 s) now
# outlasts the throttle's longest wait, so the other writer waits for the lock instead.
async def test_another_writer_is_not_failed_by_an_update_waiting_out_a_429(
    gopy: Build,
    limited: tuple[LimitedTelegram, str],
    database_url: str,
    request: pytest.FixtureRequest,
) -> None:
    app = await gopy(MemoryLimiter(LOOSE), RetryBound(tries=3, seconds=20))
    other: list[asyncio.Task[None]] = []

    async def another_writer() -> None:
        async with app.runtime.db.unit_of_work() as session:
            session.add(SweepRun(key="other", ran_at=NOW))

    async def write_then_answer(message: Message, session: AsyncSession, member: Member) -> None:
        member.person.full_name = "Đã đổi"
        session.add(member.person)
        await session.flush()  # the update's transaction has written (SQLite: holds the lock)
        await message.answer("first")
        other.append(asyncio.create_task(another_writer()))
        await message.answer("second")  # 429: waits out the chat's gap, then goes

    app.dp.message.register(write_then_answer, F.text == "/write-then-wait")
    await app.say(504, "/write-then-wait")
    fake, _ = limited
    assert [a.text for a in fake.accepted] == ["first", "second"]
    await asyncio.wait_for(other[0], 10)  # raises what the other writer met
