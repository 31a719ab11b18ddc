"""Review r3 (issue 18): a direct reply moved to the outbox while the update's own session holds
SQLite's write lock. On SQLite files and PostgreSQL."""

from __future__ import annotations

import time

from aiogram import F
from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.throttle.limiter import MemoryLimiter
from bot.throttle.middleware import RetryBound
from bot.throttle.overflow import OutboxOverflow
from storage.models import Outbox, Person, Purpose
from storage.people import Member
from tests.fakes.limited import LimitedTelegram
from tests.integration.test_throttle_replies import LOOSE, Build, gopy, limited

__all__ = ["gopy", "limited"]  # the fixtures, shared with the throttle's own tests


# review: a handler that writes and then answers before the update commits (as
# handlers.moderation.apply_moderation does: the status flushed, then "Comment … is hidden")
# holds SQLite's write lock while it answers. When the answer goes past the retry bound, the
# overflow stores it in a unit of work of its own, on another connection: on SQLite that waits
# for the update's lock, which waits for the overflow, until SQLite's busy timeout (5 s) fails
# the overflow ("database is locked"): the reply is lost and the handler's write rolled back.
# Fixed: the letter then goes into the update's session (OutboxOverflow.joining).
async def test_a_reply_moved_to_the_outbox_while_the_update_wrote(
    gopy: Build,
    limited: tuple[LimitedTelegram, str],
    database_url: str,
) -> None:
    fake, _ = limited
    app = await gopy(MemoryLimiter(LOOSE), RetryBound(tries=0, seconds=20))
    seen: list[str] = []
    overflow = app.throttle.overflow
    assert isinstance(overflow, OutboxOverflow)
    overflow.wake = lambda: seen.append("delivery woken")

    async def write_then_answer(message: Message, session: AsyncSession, member: Member) -> None:
        member.person.full_name = "Đã đổi"
        session.add(member.person)
        await session.flush()  # the update's transaction has written (SQLite: holds the lock)
        await message.answer("first")
        await message.answer("second")  # within the chat's gap: 429, past the bound → outbox
        seen.append("handler done")

    app.dp.message.register(write_then_answer, F.text == "/write-then-answer")
    started = time.monotonic()
    await app.say(503, "/write-then-answer")
    took = time.monotonic() - started
    async with app.runtime.db.sessions() as session:
        queued = (await session.scalars(select(Outbox))).all()
        name = await session.scalar(
            select(col(Person.full_name)).where(col(Person.external_id) == "503")
        )
    assert [(q.purpose, q.text) for q in queued] == [(Purpose.DEFERRED, "second")]
    assert name == "Đã đổi", "the handler's write was kept"
    assert took < 4.0, f"the overflow waited {took:.1f} s for the update's own lock"
    assert [a.text for a in fake.accepted] == ["first"]
    if database_url.startswith("sqlite"):  # the letter is the update's: seen once it commits
        assert seen == ["handler done", "delivery woken"]
    else:
        assert seen == ["delivery woken", "handler done"]
