"""Replies moved to the outbox (past the 429 bound) keep their order for their chat.

# review: two replies of one conversation deferred to the outbox, the first one's try fails
# (a 429, a server error): it waits for its retry moment while the second, due already, goes
# in the next round. The person reads the answers out of order. Not a small fix: the batch
# query would have to hold back a chat's later deferred letters behind a pending earlier one,
# and the loop's next wake-up know about it (else it spins on a due but held-back letter).
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.throttle.limiter import MemoryLimiter, Rate
from bot.throttle.middleware import Throttle
from scheduler.clock import FrozenClock
from scheduler.delivery import Delivery, Limits
from storage.database import Database, create_engine
from storage.models import Purpose
from storage.outbox import Letter, enqueue
from storage.people import create_person
from tests.fakes.telegram import FakeTelegram

CHAT = 7


@pytest.mark.xfail(strict=True, reason="review: a later deferred reply overtakes a retried one")
async def test_deferred_replies_of_a_chat_go_in_order(
    database_url: str, clock: FrozenClock, telegram_api: tuple[FakeTelegram, str]
) -> None:
    fake, url = telegram_api
    settings = Settings(
        database_url=database_url,
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=url),
    )
    db = Database(create_engine(database_url))
    bot = build_telegram_bot(settings, Throttle(MemoryLimiter(Rate(30, 0))))
    try:
        now = clock.now()
        async with db.unit_of_work() as session:
            person = await create_person(
                session=session, channel="telegram", external_id=str(CHAT), full_name="An", now=now
            )
            assert person.id is not None
            letters = [
                Letter(
                    key=f"deferred:telegram:{CHAT}:{n}",
                    purpose=Purpose.DEFERRED,
                    person_id=person.id,
                    channel="telegram",
                    chat_id=str(CHAT),
                    text=text,
                    markup=None,
                    not_before=now,
                )
                for n, text in enumerate(["first answer", "second answer"])
            ]
            await enqueue(session=session, letters=letters, now=now)
        fake.failures[CHAT] = [(502, "Bad Gateway", None)]  # the first try fails
        delivery = Delivery(db=db, bots={"telegram": bot}, clock=clock, limits=Limits())
        await delivery.drain()
        tried = [call.text for call in fake.calls if call.method == "sendMessage"]
        assert tried[0] == "first answer"  # refused (502): back in the queue for 30 s
        delivered = tried[1:]
        assert delivered[:1] in ([], ["first answer"]), delivered
    finally:
        await bot.session.close()
        await db.engine.dispose()
