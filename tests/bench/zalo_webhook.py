"""Webhook intake over loopback HTTP: Zalo events against Telegram updates, in the same run.

    .venv/bin/python -m tests.bench.zalo_webhook [--events N] [--concurrency C] [--users U]

Each side is the real app (``Runtime``, ``build_dispatcher``, its channel's bot) on a fresh
SQLite file, behind its own webhook route (``bot.web.telegram`` / ``bot.web.zalo``) served by
aiohttp on loopback, answering ``/help`` through the fake Bot API of its channel. Every POST is
timed from the client (request out to response in), C at a time. Each user writes once before
the measured phase (the first event of a Zalo user also allocates its integer id). No timing is
asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from bot.app import Runtime, build_dispatcher, command_buttons
from bot.channels.telegram import build_telegram_bot
from bot.channels.zalo import build_zalo_bot
from bot.config import Settings, TelegramSettings, ZaloSettings
from bot.web import telegram, zalo
from bot.web.app import build_web_app
from scheduler.clock import FrozenClock
from storage.migrate import upgrade
from tests.chat import at
from tests.fakes.telegram import FakeTelegram, command_update, serve_app
from tests.fakes.zalo import TOKEN as ZALO_TOKEN
from tests.fakes.zalo import FakeZalo, text_event
from tests.seed import TEST_SECRET

SECRET = "bench-webhook-secret_01"
_FOLDER: str | None = None  # where the SQLite files go (--folder)
console = Console()


@dataclass
class Result:
    channel: str
    events: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    answered: int

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _bot(channel: str, runtime: Runtime, api_url: str) -> Bot:
    settings = runtime.settings
    if channel == "telegram":
        return build_telegram_bot(settings)
    return build_zalo_bot(
        settings,
        db=runtime.db,
        clock=runtime.clock,
        commands=command_buttons(),
        poll_floor=0,
    )


def _bodies(channel: str, count: int, users: int, start: int) -> list[bytes]:
    bodies = []
    for n in range(start, start + count):
        user = n % users
        if channel == "telegram":
            body: dict[str, Any] = command_update(n + 1, 10_000 + user)
        else:
            body = text_event(f"{0xE4EA2CD5189DF1C30000 + user:020x}", "/help")
        bodies.append(json.dumps(body).encode())
    return bodies


async def measure(channel: str, events: int, concurrency: int, users: int) -> Result:
    with tempfile.TemporaryDirectory(dir=_FOLDER) as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        fake: FakeTelegram | FakeZalo = (
            FakeTelegram(record=False) if channel == "telegram" else FakeZalo()
        )
        api_runner, api_url = await serve_app(fake.app())
        settings = Settings(
            database_url=url,
            secret_key=SecretStr(TEST_SECRET),
            telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
            zalo=ZaloSettings(token=SecretStr(ZALO_TOKEN), api_url=api_url),
        )
        runtime = Runtime.create(settings, FrozenClock(at("2025-11-10 09:00")))
        dp = build_dispatcher(runtime)
        bot = await _bot(channel, runtime, api_url)
        module = telegram if channel == "telegram" else zalo
        header = module.SECRET_HEADER
        route = module.webhook_route(dp, bot, SECRET)
        web_runner, base = await serve_app(build_web_app([route]))
        target = base + module.webhook_path(SECRET)
        statuses: dict[int, int] = {}
        latencies: list[float] = []
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=concurrency)
            ) as http:

                async def post(body: bytes, timed: bool) -> None:
                    began = time.perf_counter()
                    async with http.post(
                        target,
                        data=body,
                        headers={header: SECRET, "Content-Type": "application/json"},
                    ) as response:
                        await response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                    if timed:
                        latencies.append(time.perf_counter() - began)

                async def run(bodies: list[bytes], timed: bool) -> float:
                    queue = list(reversed(bodies))

                    async def worker() -> None:
                        while queue:
                            await post(queue.pop(), timed)

                    began = time.perf_counter()
                    await asyncio.gather(*(worker() for _ in range(concurrency)))
                    return time.perf_counter() - began

                await run(_bodies(channel, users, users, 0), timed=False)  # each user once
                statuses.clear()
                seconds = await run(_bodies(channel, events, users, users), timed=True)
        finally:
            await web_runner.cleanup()
            await dp.storage.close()
            await bot.session.close()
            await runtime.close()
            await api_runner.cleanup()
        answered = len(fake.calls) if isinstance(fake, FakeZalo) else -1
        return Result(channel, events, seconds, latencies, statuses, answered)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--folder", help="for the SQLite files (default: the system temp)")
    args = parser.parse_args()
    global _FOLDER  # noqa: PLW0603 - a command-line setting of this script
    _FOLDER = args.folder
    logging.basicConfig(level=logging.WARNING)
    results = [
        await measure(channel, args.events, args.concurrency, args.users)
        for channel in ("telegram", "zalo")
    ]
    table = Table(title=f"webhook intake, /help, C={args.concurrency}, {args.users} users")
    for column in ("channel", "events", "events/s", "p50 ms", "p99 ms", "HTTP"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            r.channel,
            str(r.events),
            f"{r.per_second:.0f}",
            f"{r.quantile(0.50):.1f}",
            f"{r.quantile(0.99):.1f}",
            " ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items())),
        )
    console.print(table)
    telegram_result, zalo_result = results
    console.print(
        f"zalo / telegram events/s: {zalo_result.per_second / telegram_result.per_second:.2f}; "
        f"median latency both: {statistics.median(zalo_result.latencies) * 1000:.1f} ms / "
        f"{statistics.median(telegram_result.latencies) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
