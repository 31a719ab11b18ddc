"""One reminder sweep to 5,000 secretaries, delivered within Telegram's limits.

    .venv/bin/python -m tests.bench.reminders [--cells N] [--rate R] [--latency S]
        [--kill-cells N] [--lease S] [--big-cells N] [--postgres] [--no-drain] [--no-kill]
        [--no-big] [--pg-database NAME] [--runs N] [--profile]

Against a fake Bot API that answers 429 as Telegram does (``tests/fakes/limited.py``):

1. **drain**: N cells with one secretary each in one ward; the 24h reminder sweep is timed,
   then ``Delivery`` drains the outbox at ``--rate`` (system clock, ``asyncio.sleep``).
2. **kill**: the same sweep, drained by ``tests.integration.outbox_worker`` in a subprocess
   that is killed with SIGKILL mid-burst and started again.
3. **big**: the database work of one reminder sweep over ``--big-cells`` cells (SQLite, and
   PostgreSQL with ``--postgres``).

Nothing is asserted: figures are printed against their targets. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select, text
from sqlmodel import col

import scheduler.service
import scheduler.sweeps
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.i18n import build_i18n
from handlers.notices import NoticeRenderer
from scheduler.clock import FrozenClock, SystemClock
from scheduler.delivery import Delivery, Limits, Tally
from scheduler.notices import Notice, Rendered
from scheduler.service import Outcome, Sweeper
from scheduler.sweeps import Defaults
from storage.database import Database, create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import (
    Deadline,
    Outbox,
    OutboxStatus,
    Person,
    Role,
    RoleKind,
    Unit,
    UnitLevel,
)
from tests import databases
from tests.databases import truncate_postgres
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.integration.outbox_worker import spawn
from tests.seed import TEST_SECRET, seed_ward

TOKEN = "42:TEST"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_DATABASE = "gopy_bench_reminders"
FIRST_CHAT = 5_000_000
CHUNK = 10_000
TARGET_RATE_SHARE = 0.90
TARGET_BIG_SWEEP_SECONDS = 5.0
TARGET_BIG_SWEEP_CELLS = 100_000
# Bounds for the subprocess steps, far above what they take.
START_TIMEOUT = 120.0
WORKER_CONCURRENCY = 4

console = Console(width=None if sys.stdout.isatty() else 120)


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Figure:
    scenario: str
    db: str
    what: str
    value: str
    target: str = ""
    met: bool | None = None


@dataclass
class Figures:
    rows: list[Figure] = field(default_factory=list)

    def add(
        self,
        scenario: str,
        db: str,
        what: str,
        value: str,
        target: str = "",
        met: bool | None = None,
    ) -> None:
        self.rows.append(Figure(scenario, db, what, value, target, met))
        mark = "" if met is None else (" [green]met[/]" if met else " [red]not met[/]")
        console.print(f"  {scenario} · {db} · {what}: {value} {target}{mark}")

    def print(self, title: str) -> None:
        table = Table(title=title)
        for name in ("scenario", "db", "figure", "value", "target", ""):
            table.add_column(name, justify="right" if name == "value" else "left")
        for row in self.rows:
            met = "" if row.met is None else ("met" if row.met else "NOT MET")
            table.add_row(row.scenario, row.db, row.what, row.value, row.target, met)
        console.print(table)


# --- the ward: N cells with one secretary each --------------------------------------------------


def sweep_time() -> datetime:
    """Now, to the minute: the 24h reminder of the seeded deadline fires at this moment."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def seed_cells(url: str, cells: int, fire_at: datetime) -> None:
    """The test ward (``tests.seed.seed_ward``) with ``cells`` more cells, one secretary each.

    The campaign's deadline is 24 h after ``fire_at`` (so its 24h reminder is due then) and
    it has no quiet hours, so the letters may go at once with the system clock. Units,
    people and roles go in with bulk inserts.
    """
    deadline = (fire_at + timedelta(hours=24)).astimezone(TZ)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            seed = await seed_ward(session)
            campaign = seed.campaign
            campaign.starts_at = fire_at - timedelta(days=20)
            campaign.ends_at = fire_at + timedelta(days=40)
            campaign.quiet_hours = "off"
            session.add(campaign)
            row = await session.scalar(
                select(Deadline).where(col(Deadline.campaign_id) == campaign.id)
            )
            assert row is not None
            row.weekday = deadline.weekday()
            row.time = f"{deadline:%H:%M}"
            session.add(row)
            await session.flush()
            ward_id = seed.ward.id
            for start in range(0, cells, CHUNK):
                numbers = range(start, min(start + CHUNK, cells))
                await session.execute(
                    insert(Unit),
                    [
                        {
                            "code": f"B-{i:06d}",
                            "name": f"Chi bộ số {i + 1}",
                            "level": UnitLevel.CELL,
                            "parent_id": ward_id,
                        }
                        for i in numbers
                    ],
                )
                await session.execute(
                    insert(Person),
                    [
                        {
                            "channel": "telegram",
                            "external_id": str(FIRST_CHAT + i),
                            "full_name": f"Bí thư {i + 1}",
                            "created_at": fire_at,
                        }
                        for i in numbers
                    ],
                )
            units = dict(
                (
                    await session.execute(
                        select(col(Unit.code), col(Unit.id)).where(col(Unit.code).like("B-%"))
                    )
                ).all()
            )
            people = dict(
                (
                    await session.execute(
                        select(col(Person.external_id), col(Person.id)).where(
                            col(Person.channel) == "telegram"
                        )
                    )
                ).all()
            )
            roles = [
                {
                    "person_id": people[str(FIRST_CHAT + i)],
                    "unit_id": units[f"B-{i:06d}"],
                    "kind": RoleKind.SECRETARY,
                    "active": True,
                    "granted_at": fire_at,
                }
                for i in range(cells)
            ]
            for start in range(0, cells, CHUNK):
                await session.execute(insert(Role), roles[start : start + CHUNK])
            await session.commit()
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: without statistics the planner
            # takes 100,000 cells for a few dozen.
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class SweepTimes:
    total: float = 0.0
    cpu: float = 0.0  # the process's CPU time (both threads; not PostgreSQL's server)
    query: float = 0.0  # unit_states: units, reports and secretaries
    render: float = 0.0  # NoticeRenderer, once per letter
    enqueue: float = 0.0  # the outbox insert
    letters: int = 0
    queued: int = 0
    kinds: list[str] = field(default_factory=list)


class TimedRenderer:
    def __init__(self, render: NoticeRenderer, times: SweepTimes) -> None:
        self.render = render
        self.times = times

    def __call__(self, notice: Notice, locale: str | None) -> Rendered:
        start = time.perf_counter()
        try:
            return self.render(notice, locale)
        finally:
            self.times.render += time.perf_counter() - start


@contextlib.contextmanager
def timing(module: Any, name: str, times: SweepTimes, phase: str) -> Any:
    """Add the time spent in ``module.name`` (a coroutine function) to ``times.<phase>``."""
    original: Callable[..., Awaitable[Any]] = getattr(module, name)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            setattr(times, phase, getattr(times, phase) + time.perf_counter() - start)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


async def run_sweep(
    url: str, fire_at: datetime, *, again: bool = False, profile: Path | None = None
) -> SweepTimes:
    """Run what was due before ``fire_at`` (untimed), then time ``run_due`` at ``fire_at``.

    ``again``: the sweep ran before on this database; its letters and its record are deleted
    first (untimed), so it runs as the first time. ``profile``: pyinstrument's text there.
    """
    times = SweepTimes()
    engine = create_engine(url)
    try:
        if again:
            async with engine.begin() as conn:
                await conn.execute(text("DELETE FROM outbox"))
                await conn.execute(text("DELETE FROM sweep_run WHERE key LIKE 'reminder%'"))
        sweeper = Sweeper(
            db=Database(engine),
            clock=FrozenClock(fire_at),
            render=TimedRenderer(NoticeRenderer(build_i18n("vi")), times),
            defaults=Defaults(),
        )
        # Earlier sweeps (digests, last week's escalation) are run or dropped first, so the
        # timed run is the reminder alone.
        await sweeper.run_due(now=fire_at - timedelta(seconds=1))
        times.render = 0.0
        with (
            timing(scheduler.sweeps, "unit_states", times, "query"),
            timing(scheduler.service, "enqueue", times, "enqueue"),
        ):
            profiler = None
            if profile is not None:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.001, async_mode="enabled")
                profiler.start()
            start, cpu = time.perf_counter(), time.process_time()
            outcomes: list[Outcome] = await sweeper.run_due(now=fire_at)
            times.total = time.perf_counter() - start
            times.cpu = time.process_time() - cpu
            if profiler is not None and profile is not None:
                profiler.stop()
                output = profiler.output_text(unicode=True, show_all=False)
                await asyncio.to_thread(profile.write_text, output)
                console.print(f"  profile written to {profile}")
    finally:
        await engine.dispose()
    times.letters = sum(len(o.letters) for o in outcomes)
    times.queued = sum(o.queued for o in outcomes)
    times.kinds = [f"{o.sweep.kind.value} {o.sweep.label}".strip() for o in outcomes]
    return times


def add_sweep_figures(figures: Figures, scenario: str, db: str, times: SweepTimes) -> None:
    figures.add(scenario, db, "sweeps run", ", ".join(times.kinds) or "none")
    figures.add(scenario, db, "letters queued", f"{times.queued} of {times.letters}")
    # The target is for 100,000 cells; smaller runs are not judged.
    judged = scenario == "big" and times.letters >= TARGET_BIG_SWEEP_CELLS
    figures.add(
        scenario,
        db,
        "run_due s",
        f"{times.total:.2f}",
        f"< {TARGET_BIG_SWEEP_SECONDS:.0f} s" if judged else "",
        times.total < TARGET_BIG_SWEEP_SECONDS if judged else None,
    )
    # On a shared machine the wall time waits for other processes; CPU time does not.
    figures.add(scenario, db, "run_due CPU s (this process)", f"{times.cpu:.2f}")
    rest = times.total - times.query - times.render - times.enqueue
    figures.add(
        scenario,
        db,
        "query/render/enqueue/rest s",
        f"{times.query:.2f} / {times.render:.2f} / {times.enqueue:.2f} / {rest:.2f}",
    )


async def outbox_statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            result = await session.execute(
                select(col(Outbox.status), func.count()).group_by(col(Outbox.status))
            )
            return {OutboxStatus(s).value: int(n) for s, n in result.all()}
    finally:
        await engine.dispose()


def add_delivery_figures(
    figures: Figures,
    scenario: str,
    fake: LimitedTelegram,
    cells: int,
    rate: float,
    statuses: dict[str, int],
) -> None:
    received = fake.per_chat()
    lost = cells - sum(1 for chat in received if FIRST_CHAT <= chat < FIRST_CHAT + cells)
    sustained = fake.rate()
    figures.add(scenario, "sqlite", "messages accepted", str(len(fake.accepted)))
    figures.add(scenario, "sqlite", "lost", str(lost), "= 0", lost == 0)
    figures.add(
        scenario,
        "sqlite",
        "duplicates",
        str(fake.duplicates),
        "= 0" if scenario == "drain" else f"≤ {WORKER_CONCURRENCY} (concurrency)",
        fake.duplicates == 0 if scenario == "drain" else fake.duplicates <= WORKER_CONCURRENCY,
    )
    figures.add(
        scenario, "sqlite", "429s provoked", str(fake.throttled), "= 0", fake.throttled == 0
    )
    if scenario == "drain":
        figures.add(
            scenario,
            "sqlite",
            "sustained msg/s",
            f"{sustained:.2f} ({sustained / rate:.0%} of {rate:g})",
            f"≥ {TARGET_RATE_SHARE:.0%}",
            sustained >= TARGET_RATE_SHARE * rate,
        )
    else:
        figures.add(scenario, "sqlite", "msg/s overall, restart included", f"{sustained:.2f}")
    figures.add(scenario, "sqlite", "most in any 1 s", str(fake.max_in_window()), "≤ 30")
    figures.add(scenario, "sqlite", "outbox rows", json.dumps(statuses))


# --- scenario 1: drain in process ---------------------------------------------------------------


async def drain(
    url: str, api_url: str, fake: LimitedTelegram, rate: float, cells: int
) -> tuple[float, Tally]:
    engine = create_engine(url)
    settings = Settings(
        database_url=url,
        secret_key=SecretStr(TEST_SECRET),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=api_url),
    )
    bot = build_telegram_bot(settings)
    delivery = Delivery(
        db=Database(engine),
        bots={"telegram": bot},
        clock=SystemClock(),
        limits=Limits(rate=rate),
        sleep=asyncio.sleep,
    )
    progress = asyncio.create_task(report_progress(fake, cells))
    try:
        start = time.perf_counter()
        tally = await delivery.drain()
        wall = time.perf_counter() - start
    finally:
        progress.cancel()
        await asyncio.gather(progress, return_exceptions=True)
        await bot.session.close()
        await engine.dispose()
    return wall, tally


async def report_progress(fake: LimitedTelegram, total: int) -> None:
    while True:
        await asyncio.sleep(30)
        console.print(f"  … {len(fake.accepted)}/{total} accepted, {fake.throttled} 429s")


# --- scenario 2: kill -9 mid-burst --------------------------------------------------------------


def worker(url: str, api_url: str, log: Path, *, rate: float, lease: float) -> Any:
    return spawn(
        url, api_url, log, rate=rate, per_chat=1, concurrency=WORKER_CONCURRENCY, lease=lease
    )


def read(log: Path) -> str:
    return log.read_text(errors="replace")


async def kill_and_restart(
    url: str, fake: LimitedTelegram, api_url: str, log: Path, *, rate: float, lease: float, at: int
) -> dict[str, float]:
    kill_point = fake.reached(at)
    async with worker(url, api_url, log, rate=rate, lease=lease) as first:
        waiting = asyncio.ensure_future(kill_point.wait())
        ended = asyncio.ensure_future(first.wait())
        done, pending = await asyncio.wait(
            {waiting, ended}, timeout=START_TIMEOUT + at / rate * 2, return_when="FIRST_COMPLETED"
        )
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if waiting not in done:
            raise RuntimeError(f"worker ended or stalled before the kill:\n{read(log)}")
        first.kill()
        await first.wait()
    killed = time.monotonic()
    # Requests the dead worker had already sent are still being answered here.
    await asyncio.sleep(max(0.2, 4 * fake.latency))
    before = len(fake.accepted)
    async with worker(url, api_url, log, rate=rate, lease=lease) as second:
        await second.wait()
    if second.returncode != 0:
        raise RuntimeError(f"the restarted worker failed:\n{read(log)}")
    after = fake.accepted[before:]
    resumed = after[0].at - killed if after else 0.0
    console.print(f"  killed at {before} accepted; resumed after {resumed:.1f} s")
    return {"killed_at": float(before), "resumed_s": resumed}


# --- the runs -----------------------------------------------------------------------------------


async def fresh_sqlite(directory: Path, name: str) -> str:
    url = f"sqlite+aiosqlite:///{directory / name}"
    await upgrade(url)
    return url


def copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        origin = Path(f"{source}{suffix}")
        if origin.exists():
            shutil.copy(origin, f"{target}{suffix}")


async def ensure_postgres(name: str = PG_DATABASE) -> str:
    url = await databases.ensure_postgres(name)
    await truncate_postgres(url)
    return url


async def delivery_runs(args: argparse.Namespace, directory: Path, figures: Figures) -> None:
    fire_at = sweep_time()
    swept = directory / "swept.db"
    url = await fresh_sqlite(directory, swept.name)
    console.print(f"seeding {args.cells} cells …")
    start = time.perf_counter()
    await seed_cells(url, args.cells, fire_at)
    console.print(f"  seeded in {time.perf_counter() - start:.1f} s")
    times = await run_sweep(url, fire_at)
    add_sweep_figures(figures, "sweep", "sqlite", times)
    pristine = directory / "pristine.db"
    copy_sqlite(swept, pristine)  # the swept outbox, before any delivery

    if args.drain:
        fake = LimitedTelegram(latency=args.latency)
        runner, api_url = await serve(fake)
        try:
            console.print(
                f"drain: {args.cells} messages at {args.rate:g}/s "
                f"(~{args.cells / args.rate:.0f} s) …"
            )
            wall, tally = await drain(url, api_url, fake, args.rate, args.cells)
        finally:
            await runner.cleanup()
        statuses = await outbox_statuses(url)
        figures.add("drain", "sqlite", "drain() wall s", f"{wall:.1f}")
        figures.add(
            "drain",
            "sqlite",
            "Delivery tally",
            f"sent {tally.sent}, 429 {tally.throttled}, retried {tally.retried}, "
            f"failed {tally.failed}",
        )
        add_delivery_figures(figures, "drain", fake, args.cells, args.rate, statuses)

    if args.kill:
        kill_url = f"sqlite+aiosqlite:///{directory / 'kill.db'}"
        copy_sqlite(pristine, directory / "kill.db")
        cells = args.cells
        if args.kill_cells < cells:  # skip the surplus so the run is shorter
            cells = args.kill_cells
            await keep_first(kill_url, cells)
        at = max(1, int(cells * args.kill_at))
        fake = LimitedTelegram(latency=args.latency)
        runner, api_url = await serve(fake)
        try:
            console.print(
                f"kill: {cells} messages at {args.rate:g}/s, SIGKILL at {at}, "
                f"lease {args.lease:g} s …"
            )
            figures_kill = await kill_and_restart(
                kill_url,
                fake,
                api_url,
                directory / "worker.log",
                rate=args.rate,
                lease=args.lease,
                at=at,
            )
        finally:
            await runner.cleanup()
        statuses = await outbox_statuses(kill_url)
        figures.add("kill", "sqlite", "killed after", f"{figures_kill['killed_at']:.0f} accepted")
        figures.add(
            "kill", "sqlite", "first send after restart", f"{figures_kill['resumed_s']:.1f} s"
        )
        add_delivery_figures(figures, "kill", fake, cells, args.rate, statuses)


async def keep_first(url: str, cells: int) -> None:
    """Skip the letters past the first ``cells`` chats (the kill scenario may be smaller)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE outbox SET status = 'skipped' WHERE CAST(chat_id AS INTEGER) >= :limit"
                ),
                {"limit": FIRST_CHAT + cells},
            )
    finally:
        await engine.dispose()


async def big_runs(args: argparse.Namespace, directory: Path, figures: Figures) -> None:
    urls = [("sqlite", await fresh_sqlite(directory, "big.db"))]
    if args.postgres:
        urls.append(("postgresql", await ensure_postgres(args.pg_database)))
    for db, url in urls:
        fire_at = sweep_time()
        console.print(f"big: seeding {args.big_cells} cells on {db} …")
        start = time.perf_counter()
        await seed_cells(url, args.big_cells, fire_at)
        figures.add("big", db, "seed (bulk inserts) s", f"{time.perf_counter() - start:.1f}")
        for run in range(args.runs):
            profile = None
            if args.profile and run == args.runs - 1:
                profile = Path(tempfile.gettempdir()) / f"gopy-reminders-{db}.txt"
            times = await run_sweep(url, fire_at, again=run > 0, profile=profile)
            add_sweep_figures(figures, "big", db, times)


async def main_async(args: argparse.Namespace) -> Figures:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="gopy-bench-reminders-") as tmp:
        directory = Path(tmp)
        if args.drain or args.kill:
            await delivery_runs(args, directory, figures)
        if args.big:
            await big_runs(args, directory, figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cells", type=int, default=5000, help="cells (one secretary each)")
    parser.add_argument("--rate", type=float, default=25.0, help="Delivery rate, messages/s")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="the fake Bot API's time per request, s"
    )
    parser.add_argument(
        "--kill-cells", type=int, default=5000, help="messages in the kill scenario (≤ --cells)"
    )
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="SIGKILL after this share was accepted"
    )
    parser.add_argument(
        "--lease", type=float, default=10.0, help="the worker's lease in the kill scenario, s"
    )
    parser.add_argument("--big-cells", type=int, default=100_000, help="cells of the big sweep")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"also time the big sweep on PostgreSQL (database {PG_DATABASE}, made if missing)",
    )
    parser.add_argument(
        "--pg-database", default=PG_DATABASE, help="the PostgreSQL database of --postgres"
    )
    parser.add_argument("--runs", type=int, default=1, help="timed big sweeps per database")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument on the last big sweep → $TMPDIR"
    )
    parser.add_argument("--no-drain", dest="drain", action="store_false")
    parser.add_argument("--no-kill", dest="kill", action="store_false")
    parser.add_argument("--no-big", dest="big", action="store_false")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(main_async(args))
    figures.print(
        f"Reminders: {args.cells} secretaries at {args.rate:g} msg/s "
        f"(fake Bot API: 30/s overall, 1/s per chat, {args.latency * 1000:.0f} ms per request)"
    )
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
