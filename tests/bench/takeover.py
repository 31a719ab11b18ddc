"""kill -9 of the scheduler's leader in the middle of a 5,000-reminder sweep or its delivery:
another process takes over and finishes, nothing lost, duplicates at most what was in flight.

    .venv/bin/python -m tests.bench.takeover [--cells N] [--processes P] [--rate R]
        [--kill-at delivery|sweep] [--share S] [--lease S]

PostgreSQL database ``bench_b1`` (made if missing, emptied) and Redis db 12. The ward of
``tests.bench.reminders`` (N cells, one secretary each, the 24h reminder due now) is seeded,
the sweeps due before it are run, then P ``gopy scheduler`` processes of this checkout start
against the fake Bot API of ``tests/fakes/limited.py`` (1 s per chat, no overall limit:
each process sends at ``--rate``). One of them leads (``scheduler.leader``) and runs the
sweep; every process delivers. The leader gets SIGKILL

- ``delivery``: once ``--share`` of the letters were accepted, or
- ``sweep``: as soon as it says it leads (the catch-up sweep starts at once): its sweep
  transaction dies uncommitted, and the next leader runs the sweep again.

Printed: the takeover time (the kill to another process's «this process leads»), when the
last message went, lost messages, duplicates, 429s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis
from rich.console import Console
from sqlalchemy import func, select
from sqlmodel import col

from bot.i18n import build_i18n
from handlers.notices import NoticeRenderer
from scheduler.clock import FrozenClock
from scheduler.leader import INTERVAL
from scheduler.service import Sweeper
from scheduler.sweeps import Defaults
from storage.database import Database, create_engine, create_session_factory
from storage.models import Outbox, OutboxStatus
from tests import databases
from tests.bench.reminders import FIRST_CHAT, seed_cells, sweep_time
from tests.databases import truncate_postgres
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.gopy_processes import free_port, gopy_env, kill_tree, start_gopy, stop, until

PG_DATABASE = "bench_b1"
REDIS_URL = "redis://127.0.0.1:6379/12"
LEADS = "this process leads"
CONCURRENCY = 4  # GOPY_OUTBOX_CONCURRENCY: a killed sender repeats at most these
START_TIMEOUT = 300.0
FINISH_TIMEOUT = 600.0

console = Console()


async def run_earlier_sweeps(url: str, fire_at: datetime) -> None:
    """Digests and last week's escalations due before the reminder: run (or dropped) now, and
    their letters taken out, so the processes' sweep is the reminder alone."""
    engine = create_engine(url)
    try:
        sweeper = Sweeper(
            db=Database(engine),
            clock=FrozenClock(fire_at),
            render=NoticeRenderer(build_i18n("vi")),
            defaults=Defaults(),
        )
        await sweeper.run_due(now=fire_at - timedelta(seconds=1))
        async with create_session_factory(engine)() as session:
            await session.execute(Outbox.__table__.delete())  # type: ignore[attr-defined]
            await session.commit()
    finally:
        await engine.dispose()


async def outbox(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(col(Outbox.status), func.count()).group_by(col(Outbox.status))
            )
            return {OutboxStatus(s).value: int(n) for s, n in rows.all()}
    finally:
        await engine.dispose()


async def chats_queued(url: str) -> set[int]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(select(col(Outbox.chat_id)))
            return {int(chat) for chat in rows.scalars().all()}
    finally:
        await engine.dispose()


def leads(log: Path) -> bool:
    return LEADS in log.read_text(errors="replace")


async def main_async(args: argparse.Namespace) -> None:
    url = await databases.ensure_postgres(PG_DATABASE)
    await truncate_postgres(url)
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    fire_at = sweep_time()
    started = time.perf_counter()
    await seed_cells(url, args.cells, fire_at)
    await run_earlier_sweeps(url, fire_at)
    console.print(f"seeded {args.cells} cells in {time.perf_counter() - started:.1f} s")

    fake = LimitedTelegram(per_second=None, per_chat_seconds=1.0, latency=args.latency)
    runner, api_url = await serve(fake)
    folder = Path(tempfile.mkdtemp(prefix="gopy-takeover-"))
    env = gopy_env(
        database_url=url,
        redis_url=REDIS_URL,
        api_url=api_url,
        port=free_port(),  # not served: ``gopy scheduler`` takes no updates
        GOPY_OUTBOX_RATE=str(args.rate),
        GOPY_OUTBOX_CONCURRENCY=str(CONCURRENCY),
        GOPY_OUTBOX_LEASE_SECONDS=str(args.lease),
    )
    logs = [folder / f"gopy-{i}.log" for i in range(args.processes)]
    processes: list[subprocess.Popen[bytes]] = []
    for log in logs:
        with log.open("wb") as out:
            processes.append(start_gopy(["scheduler"], env, out))
    try:
        await until(lambda: any(leads(log) for log in logs), START_TIMEOUT, "a leader")
        leader = next(i for i, log in enumerate(logs) if leads(log))
        console.print(f"process {leader} leads ({args.processes} processes)")
        if args.kill_at == "delivery":
            point = fake.reached(int(args.cells * args.share))
            await asyncio.wait_for(point.wait(), FINISH_TIMEOUT)
        else:  # the catch-up sweep has started: kill it halfway
            await asyncio.sleep(args.sweep_delay)
        queued_at_kill = sum((await outbox(url)).values()) if args.kill_at == "sweep" else -1
        accepted_at_kill = len(fake.accepted)
        os.kill(processes[leader].pid, signal.SIGKILL)
        killed = time.monotonic()
        processes[leader].wait()
        console.print(
            f"SIGKILL to the leader: {accepted_at_kill} accepted"
            + (f", {queued_at_kill} letters queued" if queued_at_kill >= 0 else "")
        )
        others = [i for i in range(args.processes) if i != leader]
        await until(lambda: any(leads(logs[i]) for i in others), START_TIMEOUT, "another leader")
        takeover = time.monotonic() - killed
        successor = next(i for i in others if leads(logs[i]))

        async def finished() -> bool:
            statuses = await outbox(url)
            return sum(statuses.values()) >= args.cells and statuses.get("pending", 0) == 0

        deadline = time.monotonic() + FINISH_TIMEOUT
        while not await finished():
            if time.monotonic() > deadline:
                raise RuntimeError("not finished in time")
            await asyncio.sleep(0.5)
        done = time.monotonic() - killed
        last_send = fake.accepted[-1].at - killed if fake.accepted else 0.0
    finally:
        for process in processes:
            if process.poll() is None:
                await asyncio.to_thread(stop, process, 60.0)
            if process.poll() is None:
                kill_tree(process.pid)
        await runner.cleanup()

    expected = await chats_queued(url)
    received = fake.per_chat()
    lost = len(expected - set(received))
    statuses = await outbox(url)
    bench_chats = {c for c in expected if c >= FIRST_CHAT}
    console.print(
        f"\n[bold]Takeover: {args.processes} gopy scheduler processes, kill at "
        f"{args.kill_at}[/bold]"
    )
    rows = [
        ("letters queued", f"{len(expected)} ({len(bench_chats)} bench secretaries)", ""),
        (
            "takeover (kill → next «leads»)",
            f"{takeover:.1f} s",
            f"≤ 30 s (interval {INTERVAL:g} s)",
        ),
        ("new leader", f"process {successor}", ""),
        ("all sent or settled after the kill", f"{done:.1f} s", ""),
        ("last message after the kill", f"{last_send:.1f} s", ""),
        ("lost", str(lost), "= 0"),
        ("duplicates", str(fake.duplicates), f"≤ {CONCURRENCY} (in flight)"),
        ("429s", str(fake.throttled), ""),
        ("outbox rows", str(statuses), ""),
    ]
    for what, value, target in rows:
        console.print(f"  {what:38} {value:>30}  {target}")
    console.print(f"[dim]logs in {folder}[/dim]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cells", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0, help="msg/s of each process")
    parser.add_argument("--latency", type=float, default=0.02, help="fake Bot API, s/request")
    parser.add_argument("--kill-at", choices=["delivery", "sweep"], default="delivery")
    parser.add_argument(
        "--sweep-delay", type=float, default=0.5, help="sweep kill: s after «leads»"
    )
    parser.add_argument("--share", type=float, default=0.3, help="accepted before the kill")
    parser.add_argument("--lease", type=float, default=10.0, help="outbox lease, s")
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(main_async(args))
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
