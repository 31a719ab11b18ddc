"""A reply moved to the outbox by a handler that has written and not committed yet (SQLite).

# review: ``OutboxOverflow`` stores the letter in a unit of work of its own. On SQLite a
# handler's session that has written holds the database's write lock until the update
# commits (after the handler): the overflow's insert then waits for a lock its own task holds,
# fails after SQLite's busy timeout (5 s), the reply is lost, the handler fails and its writes
# are rolled back while the update is marked handled. Fixed (review r3): the update's
# middleware joins its session to the overflow for the chat (``OutboxOverflow.joining``, as
# handlers.middlewares does for every update), and a letter that would wait for that session
# is written through it, committed with the handler's writes.
"""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.methods import SendMessage
from sqlalchemy import text

from bot.throttle.middleware import deferred
from bot.throttle.overflow import OutboxOverflow
from scheduler.clock import FrozenClock
from storage.database import Database, create_engine
from storage.people import create_person

CHAT = 7


async def test_a_reply_deferred_after_the_handler_wrote_is_stored(
    sqlite_url: str, clock: FrozenClock
) -> None:
    db = Database(create_engine(sqlite_url))
    try:
        async with db.unit_of_work() as session:
            await create_person(
                session=session,
                channel="telegram",
                external_id=str(CHAT),
                full_name="An",
                now=clock.now(),
            )
        overflow = OutboxOverflow(channel="telegram", db=db, clock=clock)
        async with db.sessions() as update:
            # The handler has stored something (uncommitted until after the handler).
            await update.execute(text("UPDATE person SET full_name = 'An (đã sửa)'"))
            # In the update's own task, as the request middleware calls it (a wait_for would
            # run it in a task of its own, which the join rightly does not recognise).
            async with asyncio.timeout(20):
                with overflow.joining(CHAT, update):
                    message = await overflow(
                        Bot("42:TEST"), SendMessage(chat_id=CHAT, text="Đã nhận")
                    )
            assert message is not None and deferred(message)
            await update.commit()
        async with db.sessions() as session:
            stored = await session.execute(text("SELECT text FROM outbox"))
            assert stored.scalars().all() == ["Đã nhận"]
    finally:
        await db.engine.dispose()
