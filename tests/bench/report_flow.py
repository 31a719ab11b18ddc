"""Throughput of the weekly-report conversation, against a bare aiogram echo bot.

    .venv/bin/python -m tests.bench.report_flow [--conversations N] [--concurrency C]
        [--postgres] [--profile]

Both bots get real ``Update`` objects through ``Dispatcher.feed_update`` and talk to the same
fake Bot API on loopback with aiohttp, so the ratio gopy/echo is what our handlers, middlewares
and database cost on top of aiogram itself. No timing is asserted: the figures are printed.
See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Chat as TgChat
from aiogram.types import Message
from aiohttp import web
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Runtime, build_dispatcher
from bot.channels import updates
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from scheduler.clock import FrozenClock
from storage.invites import create_invites
from storage.migrate import upgrade
from storage.models import Report, RoleKind, Unit, UnitLevel
from tests import databases
from tests.chat import at
from tests.databases import truncate_postgres
from tests.fakes.telegram import Call, FakeTelegram, read_params, serve
from tests.flow.test_report_flow import ANSWERS
from tests.seed import TEST_SECRET, seed_ward

TOKEN = "42:TEST"
TARGET_RATIO = 0.25  # issue 18: ≤ 4× echo per update
TARGET_UPDATES_PER_SECOND = 1000.0
PG_DATABASE = "gopy_bench"
# /report, "Tuần này", 7 typed answers, 3 presses (two choices and Done), skip, submit.
UPDATES_PER_CONVERSATION = 14
# The echo bot is fast: a longer run keeps its figure steady.
ECHO_MIN_UPDATES = 2000

console = Console(width=None if sys.stdout.isatty() else 110)
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


# --- the fake Bot API ---------------------------------------------------------------------------


@dataclass
class BenchTelegram(FakeTelegram):
    """The test fake without the ever-growing call list: keeps each chat's newest keyboards."""

    served: int = 0
    keyboards: dict[int, deque[list[dict[str, str]]]] = field(default_factory=dict)
    receipts: int = 0
    # What a receipt message carries: reports' "BC-…", comments' "YK-…".
    receipt_mark: str = "BC-"

    def __post_init__(self) -> None:
        self.record = False

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        self.served += 1
        call = Call(method, params)
        chat_id = call.chat_id
        if chat_id is not None:
            buttons = call.buttons
            if buttons:
                self.keyboards.setdefault(chat_id, deque(maxlen=4)).appendleft(buttons)
            if method == "sendMessage" and self.receipt_mark in call.text:
                self.receipts += 1
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def callback_data(self, chat_id: int, label: str) -> str:
        """Like ``Chat.button``: the newest button of the chat whose text contains ``label``."""
        for buttons in self.keyboards.get(chat_id, ()):
            for button in buttons:
                if label in button["text"]:
                    return button["callback_data"]
        raise LookupError(f"chat {chat_id}: no button {label!r}")


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Run:
    side: str
    database: str
    concurrency: int
    latencies: list[float]
    wall: float
    errors: int = 0
    completed: int = 0
    expected: int = 0
    api_calls: int = 0
    # CPU seconds of this process (all its threads) over the measured phase: steadier than
    # the wall time when other work shares the machine.
    cpu: float = 0.0

    @property
    def cpu_per_update(self) -> float:
        return self.cpu / self.updates if self.updates else 0.0

    @property
    def updates(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class ErrorCounter(logging.Handler):
    """Counts what ``handlers.errors`` logs (a handler raised), keeps the first for the report."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None and record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.first = f"{type(error).__name__}: {error}"[:300]


async def timed(latencies: list[float] | None, call: Awaitable[Any]) -> None:
    start = time.perf_counter()
    await call
    if latencies is not None:
        latencies.append(time.perf_counter() - start)


async def in_parallel(
    count: int, concurrency: int, work: Callable[[int], Awaitable[None]]
) -> float:
    """Run ``work(0..count-1)`` with ``concurrency`` workers; the wall time in seconds."""
    jobs = iter(range(count))

    async def worker() -> None:
        for job in jobs:
            await work(job)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return time.perf_counter() - start


# --- baseline: the bare echo bot ----------------------------------------------------------------


def echo_dispatcher() -> Dispatcher:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher(storage=MemoryStorage())
    dp.include_router(router)
    return dp


async def run_echo(
    api: BenchTelegram, api_url: str, *, concurrency: int, total: int, warmup: int
) -> Run:
    dp = echo_dispatcher()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    now = datetime.now(UTC)

    async def say(user_id: int, latencies: list[float] | None) -> None:
        update = updates.text_update(
            update_id=next(_update_ids),
            sender=updates.user(user_id, "Echo User"),
            text=f"xin chào {user_id}",
            message_id=next(_message_ids),
            date=now,
        )
        await timed(latencies, dp.feed_update(bot, update))

    try:
        for i in range(warmup):
            await say(900_000 + i % 4, None)
        latencies: list[float] = []
        per_worker = -(-total // max(1, concurrency))

        async def worker(index: int) -> None:
            for _ in range(min(per_worker, total - index * per_worker)):
                await say(800_000 + index, latencies)

        served, cpu = api.served, time.process_time()
        wall = await in_parallel(concurrency, concurrency, worker)
        served, cpu = api.served - served, time.process_time() - cpu
    finally:
        await bot.session.close()
    return Run("echo", "memory", concurrency, latencies, wall, api_calls=served, cpu=cpu)


# --- gopy: the report conversation --------------------------------------------------------------


@dataclass
class Gopy:
    runtime: Runtime
    dp: Dispatcher
    bot: Bot
    api: BenchTelegram
    clock: FrozenClock

    async def say(self, user_id: int, said: str, latencies: list[float] | None) -> None:
        update = updates.text_update(
            update_id=next(_update_ids),
            sender=updates.user(user_id, f"Bí thư {user_id}"),
            text=said,
            message_id=next(_message_ids),
            date=self.clock.now(),
        )
        await timed(latencies, self.dp.feed_update(self.bot, update))

    async def press(self, user_id: int, label: str, latencies: list[float] | None) -> None:
        message = Message(
            message_id=next(_message_ids),
            date=self.clock.now(),
            chat=TgChat(id=user_id, type="private"),
            text="…",
        )
        update = updates.callback_update(
            update_id=next(_update_ids),
            sender=updates.user(user_id, f"Bí thư {user_id}"),
            data=self.api.callback_data(user_id, label),
            message=message,
        )
        await timed(latencies, self.dp.feed_update(self.bot, update))

    async def conversation(self, user_id: int, latencies: list[float] | None) -> None:
        """The flow of test_secretary_files_report_on_time, 14 updates."""
        await self.say(user_id, "/report", latencies)
        await self.press(user_id, "Tuần này", latencies)
        for answer in ANSWERS:
            if answer is None:
                await self.press(user_id, "Hội nghị", latencies)
                await self.press(user_id, "Zalo", latencies)
                await self.press(user_id, "Xong", latencies)
            else:
                await self.say(user_id, answer, latencies)
        await self.press(user_id, "Bỏ qua", latencies)
        await self.press(user_id, "Gửi báo cáo", latencies)


async def fresh_sqlite(directory: Path, name: str) -> str:
    url = f"sqlite+aiosqlite:///{directory / name}"
    await upgrade(url)
    return url


async def ensure_postgres(name: str = PG_DATABASE) -> str:
    return await databases.ensure_postgres(name)


async def build_gopy(url: str, api: BenchTelegram, api_url: str, secretaries: int) -> Gopy:
    """Seed the ward, add one cell per secretary and join each with an invite (not measured)."""
    settings = Settings(
        database_url=url,
        secret_key=SecretStr(TEST_SECRET),
        redis_url=None,
        locale="vi",
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=api_url),
    )
    clock = FrozenClock(at("2025-11-10 09:00"))  # Monday; the deadline is Wednesday 17:00
    runtime = Runtime.create(settings, clock)
    app = Gopy(runtime, build_dispatcher(runtime), build_telegram_bot(settings), api, clock)
    codes: list[str] = []
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        # One cell each: a second secretary of a cell would get the "amend" flow instead.
        cells = [
            Unit(
                code=f"BENCH-{i:05d}",
                name=f"Chi bộ {i}",
                level=UnitLevel.CELL,
                parent_id=seed.ward.id,
            )
            for i in range(secretaries)
        ]
        session.add_all(cells)
        await session.flush()
        for cell in cells:
            codes += await create_invites(
                session=session,
                unit=cell,
                role=RoleKind.SECRETARY,
                key=app.runtime.key,
                now=datetime(2025, 11, 1, tzinfo=UTC),
            )
        await session.commit()
    for index, code in enumerate(codes):
        await app.say(user_id(index), f"/start i-{code}", None)
    return app


def user_id(index: int) -> int:
    return 10_000 + index


async def close_gopy(app: Gopy) -> None:
    await app.dp.storage.close()
    await app.bot.session.close()
    await app.runtime.close()


async def count_reports(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Report)) or 0)


async def run_gopy(
    url: str,
    api: BenchTelegram,
    api_url: str,
    *,
    database: str,
    concurrency: int,
    conversations: int,
    warmup: int,
    on_start: Callable[[], object] | None = None,
    on_stop: Callable[[], object] | None = None,
) -> Run:
    errors = ErrorCounter()
    log = logging.getLogger("handlers.errors")
    log.addHandler(errors)
    log.propagate = False
    app = await build_gopy(url, api, api_url, warmup + conversations)
    try:
        for index in range(warmup):
            await app.conversation(user_id(index), None)
        warm_errors, receipts = errors.count, api.receipts
        latencies: list[float] = []

        async def one(index: int) -> None:
            await app.conversation(user_id(warmup + index), latencies)

        if on_start is not None:
            on_start()
        served, cpu = api.served, time.process_time()
        wall = await in_parallel(conversations, concurrency, one)
        served, cpu = api.served - served, time.process_time() - cpu
        if on_stop is not None:
            on_stop()
        completed = await count_reports(app.runtime.db.engine) - warmup
        receipts = api.receipts - receipts
    finally:
        await close_gopy(app)
        log.removeHandler(errors)
    if errors.first:
        console.print(f"[red]first handler error:[/] {errors.first}")
    return Run(
        "gopy",
        database,
        concurrency,
        latencies,
        wall,
        errors.count - warm_errors,
        min(completed, receipts),
        conversations,
        served,
        cpu,
    )


# --- gopy --help --------------------------------------------------------------------------------


def help_times(repeat: int = 5) -> list[float]:
    gopy = Path(sys.executable).parent / "gopy"
    if not gopy.exists():
        return []
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOPY_")}
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(gopy), "--help"], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


# --- profiling ----------------------------------------------------------------------------------


@dataclass
class StatementCounter:
    """SQL statements sent to the database by their first words, and aiosqlite thread hops."""

    counts: dict[str, int] = field(default_factory=dict)
    hops: int = 0
    counting: bool = False

    def attach(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.counting:
            key = " ".join(statement.split())[:90]
            self.counts[key] = self.counts.get(key, 0) + 1

    def count_hops(self) -> Callable[[], None]:
        """Count calls handed to aiosqlite's worker thread (cursor, execute, fetch, commit…)."""
        import aiosqlite.core

        original: Callable[..., Awaitable[Any]] = aiosqlite.core.Connection._execute

        async def counted(connection: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            if self.counting:
                self.hops += 1
            return await original(connection, fn, *args, **kwargs)

        aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign,assignment]

        def restore() -> None:
            aiosqlite.core.Connection._execute = original  # type: ignore[method-assign,assignment]

        return restore


def write_profile(output: Path, profiler: Any) -> None:
    """The call tree as text, and the session for ``pyinstrument --load … -r html``."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "pyinstrument.txt").write_text(profiler.output_text(unicode=True))
    profiler.last_session.save(str(output / "gopy.pyisession"))


async def profile_gopy(
    directory: Path,
    api: BenchTelegram,
    api_url: str,
    *,
    concurrency: int,
    conversations: int,
    warmup: int,
    output: Path,
) -> None:
    """One SQLite run under pyinstrument, then the SQL statements per measured update.

    The statements are counted in a second, unprofiled run so the profile stays clean.
    """
    try:
        from pyinstrument import Profiler
    except ImportError:
        console.print("[red]--profile needs pyinstrument:[/] .venv/bin/pip install pyinstrument")
        return
    profiler = Profiler(async_mode="disabled")
    url = await fresh_sqlite(directory, "profile.db")
    run = await run_gopy(
        url,
        api,
        api_url,
        database="sqlite",
        concurrency=concurrency,
        conversations=conversations,
        warmup=warmup,
        on_start=profiler.start,
        on_stop=profiler.stop,
    )
    write_profile(output, profiler)
    console.print(f"profiled run: {run.rate:.0f} updates/s; profile in {output}/")

    counter = StatementCounter()
    original = Runtime.create

    def create(settings: Settings, clock: Any = None) -> Runtime:
        runtime = original(settings, clock)
        counter.attach(runtime.db.engine)
        return runtime

    def start() -> None:
        counter.counting = True

    def stop() -> None:
        counter.counting = False

    restore = counter.count_hops()
    Runtime.create = create  # type: ignore[method-assign]
    try:
        url = await fresh_sqlite(directory, "count.db")
        run = await run_gopy(
            url,
            api,
            api_url,
            database="sqlite",
            concurrency=concurrency,
            conversations=conversations,
            warmup=warmup,
            on_start=start,
            on_stop=stop,
        )
    finally:
        Runtime.create = original  # type: ignore[method-assign]
        restore()
    fed = run.updates or 1
    table = Table(title=f"SQL statements per update ({fed} measured updates)")
    table.add_column("per update", justify="right")
    table.add_column("statement", no_wrap=True, overflow="ellipsis")
    for statement, count in sorted(counter.counts.items(), key=lambda kv: -kv[1]):
        table.add_row(f"{count / fed:.2f}", statement)
    console.print(table)
    console.print(
        f"per update: {sum(counter.counts.values()) / fed:.1f} SQL statements, "
        f"{counter.hops / fed:.1f} aiosqlite thread round trips"
    )


# --- main ---------------------------------------------------------------------------------------


def print_table(runs: list[Run]) -> None:
    table = Table(title="Report flow vs bare aiogram echo (feed_update, fake Bot API on loopback)")
    for name in (
        "side",
        "db",
        "C",
        "updates",
        "wall s",
        "updates/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/upd",
        "API calls/upd",
        "errors",
        "done",
    ):
        table.add_column(name, justify="left" if name in ("side", "db") else "right")
    for run in runs:
        done = f"{run.completed}/{run.expected}" if run.side == "gopy" else "—"
        table.add_row(
            run.side,
            run.database,
            str(run.concurrency),
            str(run.updates),
            f"{run.wall:.2f}",
            f"{run.rate:.0f}",
            f"{run.percentile(0.5) * 1000:.2f}",
            f"{run.percentile(0.99) * 1000:.2f}",
            f"{run.cpu_per_update * 1000:.2f}",
            f"{run.api_calls / run.updates:.2f}" if run.updates else "—",
            str(run.errors) if run.side == "gopy" else "—",
            done,
        )
    console.print(table)


def print_targets(runs: list[Run]) -> None:
    echo = {r.concurrency: r for r in runs if r.side == "echo"}
    for run in runs:
        if run.side != "gopy":
            continue
        base = echo.get(run.concurrency)
        name = f"gopy {run.database} C={run.concurrency}"
        if base is not None and base.rate:
            ratio = run.rate / base.rate
            mark = "[green]met[/]" if ratio >= TARGET_RATIO else "[red]not met[/]"
            console.print(f"{name}: ratio: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f}) {mark}")
        if base is not None and run.cpu_per_update:
            ratio = base.cpu_per_update / run.cpu_per_update
            mark = "[green]met[/]" if ratio >= TARGET_RATIO else "[red]not met[/]"
            console.print(f"{name}: CPU ratio: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f}) {mark}")
        mark = "[green]met[/]" if run.rate >= TARGET_UPDATES_PER_SECOND else "[red]not met[/]"
        console.print(
            f"{name}: {run.rate:.0f} updates/s "
            f"(target ≥ {TARGET_UPDATES_PER_SECOND:.0f} updates/s) {mark}"
        )


async def main_async(args: argparse.Namespace) -> None:
    api = BenchTelegram()
    runner, api_url = await serve(api)
    levels = sorted({args.concurrency, 1}, reverse=True)
    total = args.conversations * UPDATES_PER_CONVERSATION
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="gopy-bench-") as tmp:
            directory = Path(tmp)
            if args.profile:
                await profile_gopy(
                    directory,
                    api,
                    api_url,
                    concurrency=args.concurrency,
                    conversations=args.conversations,
                    warmup=args.warmup,
                    output=Path(args.profile_dir),
                )
                return
            pg_url = await ensure_postgres(args.pg_database) if args.postgres else None
            for concurrency in levels:
                console.print(f"echo C={concurrency} …")
                runs.append(
                    await run_echo(
                        api,
                        api_url,
                        concurrency=concurrency,
                        total=max(total, ECHO_MIN_UPDATES),
                        warmup=20,
                    )
                )
                console.print(f"gopy sqlite C={concurrency} …")
                url = await fresh_sqlite(directory, f"c{concurrency}.db")
                runs.append(
                    await run_gopy(
                        url,
                        api,
                        api_url,
                        database="sqlite",
                        concurrency=concurrency,
                        conversations=args.conversations,
                        warmup=args.warmup,
                    )
                )
                if pg_url is not None:
                    console.print(f"gopy postgresql C={concurrency} …")
                    await truncate_postgres(pg_url)
                    runs.append(
                        await run_gopy(
                            pg_url,
                            api,
                            api_url,
                            database="postgresql",
                            concurrency=concurrency,
                            conversations=args.conversations,
                            warmup=args.warmup,
                        )
                    )
    finally:
        await runner.cleanup()
    print_table(runs)
    print_targets(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--conversations",
        type=int,
        default=40,
        help="measured report conversations per run (14 updates each)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="conversations at a time; a sequential run (1) is always added",
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="unmeasured conversations before each gopy run"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also run on PostgreSQL (database --pg-database, made if missing)",
    )
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help=f"the PostgreSQL database of --postgres (default {PG_DATABASE}; never `test`)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one gopy SQLite run with pyinstrument instead",
    )
    parser.add_argument(
        "--profile-dir",
        default=str(Path(tempfile.gettempdir()) / "gopy-bench-profile"),
        help="where --profile writes pyinstrument.txt and gopy.pyisession",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(main_async(args))
    if not args.profile:
        times = help_times()
        if times:
            console.print(
                f"gopy --help: min {min(times) * 1000:.0f} ms, "
                f"median {statistics.median(times) * 1000:.0f} ms ({len(times)} runs)"
            )
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
