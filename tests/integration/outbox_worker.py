"""A delivery process for crash tests: drains the outbox, exits when nothing is pending.

    python -m tests.integration.outbox_worker <db_url> <api_url> [--rate R] [--per-chat S]
        [--concurrency C] [--lease S]

Runs ``scheduler.delivery.Delivery`` with the system clock against the Bot API at
``api_url``. When a round finds nothing it waits for the next message to come due (a lease
left by a killed process expires, a 429 retry) and exits once no message is pending. The
final tally is printed as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from scheduler.clock import SystemClock
from scheduler.delivery import Delivery, Limits
from storage.database import Database, create_engine

TOKEN = "42:TEST"
ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def spawn(
    url: str,
    api_url: str,
    log: Path,
    *,
    rate: float,
    per_chat: float,
    concurrency: int,
    lease: float,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """This module in a subprocess, its output added to ``log``; killed if running at exit."""
    options = {
        "--rate": rate,
        "--per-chat": per_chat,
        "--concurrency": concurrency,
        "--lease": lease,
    }
    arguments = [str(part) for pair in options.items() for part in pair]
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.outbox_worker",
            url,
            api_url,
            *arguments,
            stdout=out,
            stderr=out,
            cwd=ROOT,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# Lowest wait between two rounds: ``next_wake`` says "now" while a lease is still held.
MIN_POLL = 0.05
MAX_POLL = 1.0


async def work(args: argparse.Namespace) -> dict[str, int]:
    settings = Settings(
        database_url=args.db_url,
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=args.api_url),
    )
    engine = create_engine(args.db_url)
    bot = build_telegram_bot(settings)
    clock = SystemClock()
    delivery = Delivery(
        db=Database(engine),
        bots={"telegram": bot},
        clock=clock,
        limits=Limits(
            rate=args.rate,
            per_chat_seconds=args.per_chat,
            concurrency=args.concurrency,
            lease=timedelta(seconds=args.lease),
        ),
    )
    try:
        while True:
            await delivery.drain()
            due = await delivery.next_wake()
            if due is None:
                break
            wait = (due - clock.now()).total_seconds()
            await asyncio.sleep(min(max(wait, MIN_POLL), MAX_POLL))
    finally:
        await bot.session.close()
        await engine.dispose()
    return asdict(delivery.tally)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("db_url")
    parser.add_argument("api_url")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--per-chat", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=float, default=1.0, help="seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(work(args))), flush=True)


if __name__ == "__main__":
    main()
