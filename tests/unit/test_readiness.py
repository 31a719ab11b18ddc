"""/readyz's checks: run together, each bounded; a failure named by its kind, never its text."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.web.health import BotCheck, Readiness


async def fine() -> None:
    return None


async def hangs() -> None:
    await asyncio.Event().wait()  # a server that accepted the connection and never answers


async def refuses() -> None:
    raise RuntimeError("password=hunter2 at db.internal")


async def test_each_check_is_bounded_and_named() -> None:
    readiness = Readiness({"database": fine, "redis": hangs, "telegram": refuses}, timeout=0.05)
    assert await readiness.results() == {
        "database": "ok",
        "redis": "timeout",
        "telegram": "failed (RuntimeError)",
    }


class CountingBot:
    def __init__(self) -> None:
        self.asked = 0
        self.fail = False

    async def get_me(self, request_timeout: int | None = None) -> Any:
        self.asked += 1
        if self.fail:
            raise ConnectionError("unreachable")
        return object()


async def test_a_successful_get_me_is_trusted_for_a_while() -> None:
    now = [0.0]
    bot = CountingBot()
    check = BotCheck(bot, keep=60.0, monotonic=lambda: now[0])  # type: ignore[arg-type]
    await check()
    now[0] = 59.0
    await check()
    assert bot.asked == 1
    now[0] = 61.0
    bot.fail = True
    with pytest.raises(ConnectionError):
        await check()
    asked = bot.asked
    bot.fail = False
    await check()  # a failure is not kept: the next probe asks again
    assert bot.asked == asked + 1
