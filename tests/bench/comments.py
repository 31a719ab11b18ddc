"""Citizens' comments through the Dispatcher: complete comments per second on SQLite, against
the bare aiogram echo bot in the same run.

    .venv/bin/python -m tests.bench.comments [--comments N] [--concurrency C] [--postgres]

A complete comment is six updates, as a citizen who scans a poster sends it: ``/start
gy-<code>``, the text, «Tán thành», «Nhân dân», «Gửi ẩn danh», «Gửi ý kiến» (the seed's
campaign is a ward's: no place question). Each citizen is a new person (the bot
creates them on their first update). Nothing is asserted; see ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import Runtime, build_dispatcher
from bot.channels.telegram import build_telegram_bot
from bot.config import CommentSettings, Settings, TelegramSettings
from scheduler.clock import FrozenClock
from storage.entries import Target, entry_for
from storage.models import Comment
from tests.bench.report_flow import (
    TOKEN,
    BenchTelegram,
    ErrorCounter,
    Gopy,
    Run,
    console,
    ensure_postgres,
    fresh_sqlite,
    in_parallel,
    print_table,
    run_echo,
)
from tests.chat import at
from tests.databases import truncate_postgres
from tests.fakes.telegram import serve
from tests.seed import TEST_SECRET, seed_ward

UPDATES_PER_COMMENT = 6
TARGET_COMMENTS_PER_SECOND = 500.0
TEXT = "Đề nghị dự thảo nói rõ hơn giải pháp chuyển đổi số ở phường, xã. Ý kiến số {n}."


class CommentBench(Gopy):
    code: str = ""

    async def comment(self, user_id: int, latencies: list[float] | None) -> None:
        await self.say(user_id, f"/start gy-{self.code}", latencies)
        await self.say(user_id, TEXT.format(n=user_id), latencies)
        await self.press(user_id, "Tán thành", latencies)
        await self.press(user_id, "Nhân dân", latencies)
        await self.press(user_id, "Gửi ẩn danh", latencies)
        await self.press(user_id, "Gửi ý kiến", latencies)


async def build(url: str, api: BenchTelegram, api_url: str) -> CommentBench:
    settings = Settings(
        database_url=url,
        secret_key=SecretStr(TEST_SECRET),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=api_url),
        # Every citizen is someone else; the limit would only bite a repeated user id.
        comments=CommentSettings(per_hour=1000),
    )
    clock = FrozenClock(at("2025-11-10 09:00"))
    runtime = Runtime.create(settings, clock)
    app = CommentBench(
        runtime, build_dispatcher(runtime), build_telegram_bot(settings), api, clock
    )
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        target = Target(seed.campaign, seed.documents[0], seed.sections[0])
        app.code = (await entry_for(session=session, target=target, now=clock.now())).code
        await session.commit()
    return app


async def run_comments(
    url: str,
    api: BenchTelegram,
    api_url: str,
    *,
    database: str,
    concurrency: int,
    comments: int,
    warmup: int,
) -> tuple[Run, int]:
    errors = ErrorCounter()
    log = logging.getLogger("handlers.errors")
    log.addHandler(errors)
    log.propagate = False
    app = await build(url, api, api_url)
    try:
        for index in range(warmup):
            await app.comment(1_000_000 + index, None)
        receipts = api.receipts
        latencies: list[float] = []

        async def one(index: int) -> None:
            await app.comment(2_000_000 + index, latencies)

        served = api.served
        wall = await in_parallel(comments, concurrency, one)
        served = api.served - served
        async with app.runtime.db.sessions() as session:
            stored = (
                await session.execute(select(func.count()).select_from(Comment))
            ).scalar_one()
        receipts = api.receipts - receipts
    finally:
        await app.dp.storage.close()
        await app.bot.session.close()
        await app.runtime.close()
        log.removeHandler(errors)
    if errors.first:
        console.print(f"[red]first handler error:[/] {errors.first}")
    done = min(int(stored) - warmup, receipts)
    run = Run("gopy", database, concurrency, latencies, wall, errors.count, done, comments, served)
    return run, done


async def main_async(args: argparse.Namespace) -> None:
    api = BenchTelegram(receipt_mark="YK-")
    runner, api_url = await serve(api)
    runs: list[Run] = []
    rates: list[tuple[str, int, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="gopy-bench-") as tmp:
            pg_url = await ensure_postgres() if args.postgres else None
            for concurrency in sorted({args.concurrency, 1}, reverse=True):
                console.print(f"echo C={concurrency} …")
                runs.append(
                    await run_echo(
                        api,
                        api_url,
                        concurrency=concurrency,
                        total=max(2000, args.comments * UPDATES_PER_COMMENT),
                        warmup=20,
                    )
                )
                targets = [("sqlite", await fresh_sqlite(Path(tmp), f"c{concurrency}.db"))]
                if pg_url is not None:
                    await truncate_postgres(pg_url)
                    targets.append(("postgresql", pg_url))
                for name, url in targets:
                    console.print(f"gopy {name} C={concurrency} …")
                    run, done = await run_comments(
                        url,
                        api,
                        api_url,
                        database=name,
                        concurrency=concurrency,
                        comments=args.comments,
                        warmup=args.warmup,
                    )
                    runs.append(run)
                    rates.append((name, concurrency, done / run.wall if run.wall else 0.0))
    finally:
        await runner.cleanup()
    print_table(runs)
    echo = {r.concurrency: r.rate for r in runs if r.side == "echo"}
    for name, concurrency, rate in rates:
        mark = "[green]met[/]" if rate >= TARGET_COMMENTS_PER_SECOND else "[red]not met[/]"
        echo_comments = echo.get(concurrency, 0.0) / UPDATES_PER_COMMENT
        console.print(
            f"gopy {name} C={concurrency}: {rate:.0f} complete comments/s "
            f"(target ≥ {TARGET_COMMENTS_PER_SECOND:.0f}) {mark}; the echo bot would take "
            f"{echo_comments:.0f} {UPDATES_PER_COMMENT}-update exchanges/s, "
            f"ratio {rate / echo_comments:.2f}"
            if echo_comments
            else f"gopy {name}: {rate:.0f} comments/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--comments", type=int, default=300, help="measured comments per run")
    parser.add_argument("--concurrency", type=int, default=8, help="citizens at a time")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured comments first")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(main_async(args))
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
