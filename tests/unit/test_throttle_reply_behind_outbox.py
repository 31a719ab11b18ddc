"""A reply to a chat whose outbox message is waiting for headroom.

# review: outbox traffic waits for headroom (up to its patience) while holding the chat's turn,
# so in a burst a reply to that chat queues behind a reminder that may give up anyway
# (NoHeadroom): the reply loses that wait, then books at the back of the burst. Outbox traffic
# should not hold the chat's turn while it waits for a free slot ("replies never wait behind
# the outbox"). Now it waits for headroom outside the turn and gives way to a reply there.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.throttle.limiter import Rate
from bot.throttle.middleware import NoHeadroom, background_traffic
from tests.unit.test_throttle_middleware import BOT, FakeTime, Transport, send, throttle


async def test_a_reply_does_not_wait_behind_an_outbox_message_waiting_for_headroom() -> None:
    time = FakeTime()
    middleware = throttle(time, Rate(30, 1.0), patience=10)
    transport = Transport(time)
    start = time.now()

    async def burst() -> None:
        # Replies to other chats keep the bot's schedule about 8 s ahead.
        for chat in range(1000, 1000 + 30 * 20):
            if chat % 30 == 0:
                await time.sleep(1)
            assert (await middleware.limiter.book(str(chat))).booked

    async def reminder() -> Any:
        with background_traffic():
            try:
                return await middleware(transport, BOT, send(1, "reminder"))
            except NoHeadroom:
                return None

    async def reply() -> Any:
        await asyncio.sleep(0)  # just after the reminder took the chat's turn
        return await middleware(transport, BOT, send(1, "reply"))

    for chat in range(2000, 2000 + 240):  # the burst so far: 8 s of replies booked
        assert (await middleware.limiter.book(str(chat))).booked
    await time.run(burst(), reminder(), reply())
    replied = next(at for chat, text, at in transport.sent if text == "reply")
    # Booked at once, it goes when the ≈ 8.7 s of replies booked before it have gone (260
    # slots at 30 a second), not after the reminder's patience (≈ 16.7 s).
    assert replied - start <= 9.0, replied - start
