"""Webhook intake with 1, 2 and 4 ``gopy run`` processes on one port (PostgreSQL + Redis).

    .venv/bin/python -m tests.bench.intake [--counts 1,2,4] [--updates N] [--concurrency C]
        [--chats K]

For each count, ``gopy run --workers N`` of this checkout starts on PostgreSQL ``bench_b2``
(emptied) and Redis db 12, with the fake Bot API of ``tests/fakes/telegram.py`` served by this
process. A load generator in another process (this module with ``--generate``) posts N
``/help`` updates of K chats to the webhook, at most C at a time, each on a connection of its
own (so that the kernel spreads them over the workers), and reports updates/s and the latency
of each answer. A warm-up of one update per chat runs first (the chats' first rows, the
workers' first connections). Nothing is asserted.

On this machine the figures have a ceiling that is not gopy's: two cores run the workers,
the load generator, the fake Bot API, PostgreSQL and Redis together (and, while it is shared,
other people's work). The workers' CPU time per update is printed too: with a free core per
worker it, not the wall clock, bounds what each adds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from rich.console import Console

from tests import databases
from tests.databases import truncate_postgres
from tests.fakes.telegram import FakeTelegram, command_update, serve
from tests.gopy_processes import (
    ROOT,
    children_of,
    cpu_seconds,
    free_port,
    gopy_env,
    kill_tree,
    listeners,
    read_response,
    start_gopy,
    stop,
    until,
    update_request,
)

PG_DATABASE = "bench_b2"
REDIS_URL = "redis://127.0.0.1:6379/12"
FIRST_CHAT = 6_000_000
START_TIMEOUT = 300.0
TARGET_SCALING = 1.8

console = Console()


# --- the load generator (its own process) -------------------------------------------------------


async def generate(
    port: int, first_id: int, count: int, chats: int, concurrency: int
) -> dict[str, Any]:
    slots = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0

    async def one(i: int) -> None:
        nonlocal failures
        update = command_update(first_id + i, FIRST_CHAT + i % chats)
        async with slots:
            start = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                try:
                    writer.write(update_request(port, update, keep_alive=False))
                    await writer.drain()
                    status = await read_response(reader)
                finally:
                    writer.close()
            except OSError:
                failures += 1
                return
            if status != 200:
                failures += 1
                return
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    wall = time.perf_counter() - start
    return {"wall": wall, "latencies": latencies, "failures": failures}


def load(port: int, first_id: int, count: int, chats: int, concurrency: int) -> dict[str, Any]:
    """Run the generator in a subprocess; its figures."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.intake",
            "--generate",
            f"{port},{first_id},{count},{chats},{concurrency}",
        ],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=900,
    )
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


# --- one count --------------------------------------------------------------------------------


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def measure(workers: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    url = await databases.ensure_postgres(PG_DATABASE)
    await truncate_postgres(url)
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    fake = FakeTelegram(record=False)
    runner, api_url = await serve(fake)
    port = free_port()
    env = gopy_env(database_url=url, redis_url=REDIS_URL, api_url=api_url, port=port)
    # The sending budget lifted: each /help is answered by a sendMessage, and at the platform's
    # 25/s (bot.throttle) every count would measure the limiter, not the intake. The fake Bot
    # API has no limit.
    env |= {"GOPY_OUTBOX_RATE": "1000", "GOPY_OUTBOX_PER_CHAT_SECONDS": "0"}
    log = folder / f"workers-{workers}.log"
    with log.open("wb") as out:
        parent = start_gopy(["run", "--workers", str(workers)], env, out)
    try:
        await until(
            lambda: parent.poll() is None and len(listeners(port)) == workers,
            START_TIMEOUT,
            f"{workers} workers listening",
        )
        await asyncio.sleep(2)  # the workers' own start-up jobs (the catch-up sweep)
        # Threads: the fake Bot API answers in this process's event loop meanwhile.
        await asyncio.to_thread(load, port, 1, args.concurrency * 2, args.chats, args.concurrency)
        # One worker runs in the parent itself (no supervisor).
        children = children_of(parent.pid) if workers > 1 else [parent.pid]
        cpu_before = cpu_seconds(children)
        result = await asyncio.to_thread(
            load, port, 100_000, args.updates, args.chats, args.concurrency
        )
        cpu = cpu_seconds(children) - cpu_before
    finally:
        await asyncio.to_thread(stop, parent, 120.0)
        if parent.poll() is None:
            kill_tree(parent.pid)
        await runner.cleanup()
    latencies = result["latencies"]
    return {
        "workers": workers,
        "rate": len(latencies) / result["wall"],
        "p50": p(latencies, 0.5),
        "p99": p(latencies, 0.99),
        "failures": result["failures"],
        # CPU of the workers per update: what a free core would bound the rate to.
        "cpu_ms": cpu / max(1, len(latencies)) * 1000,
    }


async def main_async(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gopy-intake-"))
    rows = []
    for workers in [int(c) for c in args.counts.split(",")]:
        row = await measure(workers, args, folder)
        console.print(
            f"  {workers} process(es): {row['rate']:.1f} updates/s, p50 "
            f"{row['p50'] * 1000:.0f} ms, p99 {row['p99'] * 1000:.0f} ms, "
            f"{row['failures']} failed, workers' CPU {row['cpu_ms']:.1f} ms/update"
        )
        rows.append(row)
    base = rows[0]["rate"] if rows else 0.0
    console.print(
        f"\n[bold]Webhook intake: {args.updates} updates of {args.chats} chats, "
        f"{args.concurrency} at a time[/bold]"
    )
    for row in rows:
        ratio = row["rate"] / base if base else 0.0
        target = ""
        if row["workers"] == 2 and rows[0]["workers"] == 1:
            met = "met" if ratio >= TARGET_SCALING else "NOT MET"
            target = f"(target ≥ {TARGET_SCALING}×: {met})"
        console.print(
            f"  {row['workers']} × gopy run: {row['rate']:7.1f} updates/s  "
            f"p99 {row['p99'] * 1000:6.0f} ms  ×{ratio:.2f} {target}  "
            f"workers' CPU {row['cpu_ms']:.1f} ms/update"
        )
    console.print(f"[dim]logs in {folder}[/dim]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--counts", default="1,2,4")
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        port, first, count, chats, concurrency = (int(x) for x in args.generate.split(","))
        result = asyncio.run(generate(port, first, count, chats, concurrency))
        print(json.dumps(result))
        return
    started = time.perf_counter()
    asyncio.run(main_async(args))
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
