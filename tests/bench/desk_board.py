"""The desk's board of a city: 9,000 cells × 13 weeks of reports, through a real server.

    .venv/bin/python -m tests.bench.desk_board --postgres postgresql+asyncpg://postgres@host:5432
        [--cells N] [--wards N] [--runs N] [--keep] [--reuse] [--profile]

The city of ``tests.bench.consolidated`` (``--wards`` wards, ``--cells`` cells, a secretary
each, the city's campaign with the cells' Wednesday deadline, ``--weeks`` 13 weeks of reports
from about 90 % of the cells, some late; no comments), seeded by bulk inserts into its own
database ``bench_board`` (dropped and made again; dropped at the end unless ``--keep``). The
clock is the Tuesday before the last deadline: 13 columns, the last one open.

A city official signs in through a single-use link on the runner's own routes served on
loopback (``aiohttp`` ``TestServer``), as a browser does; then, after warm-up, ``--runs``
timed GETs of each page:

- **board**: ``/desk`` (the campaign, level ``cell``, the first 100 of 9,000 rows);
- **board, last page**, **board, not filed** (``missing=1``), **board, search** (``q=``);
- **query**: ``services.board.scopes`` + ``board`` in-process, the database part of a page;
- **baseline**: ``services.oversight.status_views`` for the same official (what /status
  reads: the open week of the 9,000 cells), rolled back.

Figures are printed (p50, p95, HTML size, SQL statements per page) against the target
(< 300 ms on PostgreSQL); nothing is asserted. ``--profile`` adds a cProfile of 20 board
pages (server and client share the process). See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, select
from sqlmodel import col

from bot.app import Runtime, assemble
from bot.runner import page_routes
from bot.web.app import build_web_app
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from services.board import Filter, board, scopes
from services.oversight import status_views
from storage.desk_access import issue_link
from storage.models import Person, Role, RoleKind, Unit
from storage.people import load_member
from tests.bench.consolidated import FIRST_DEADLINE, WEEK, Size, seed_city, seeded_size
from tests.databases import drop_postgres, fresh_postgres
from tests.desk_world import csrf_of, desk_settings

PG_DATABASE = "bench_board"
CELLS, WARDS, WEEKS = 9_000, 30, 13
TARGET_MS = 300.0
OFFICIAL = 8_000_000

console = Console(width=None if sys.stdout.isatty() else 140)


def server_of(url: str) -> str:
    """``postgresql+asyncpg://user@host:port[/db]`` → the server part (the database is ours)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


async def fresh_database(server: str) -> str:
    """``bench_board`` dropped and made again, migrated (never the test suite's ``test``)."""
    return await fresh_postgres(PG_DATABASE, server)


async def drop_database(server: str) -> None:
    await drop_postgres(PG_DATABASE, server)


async def add_official(runtime: Runtime) -> Person:
    """An official of the city, who oversees its campaign: every cell of every ward."""
    async with runtime.db.sessions() as session:
        kept = await session.execute(
            select(Person).where(col(Person.external_id) == str(OFFICIAL))
        )
        if (found := kept.scalar_one_or_none()) is not None:  # --reuse
            return found
        city = (await session.execute(select(Unit).where(col(Unit.code) == "HN"))).scalar_one()
        person = Person(
            channel="telegram",
            external_id=str(OFFICIAL),
            full_name="Đỗ Văn Thành",
            created_at=datetime(2025, 10, 1, tzinfo=UTC),
        )
        session.add(person)
        await session.flush()
        assert person.id is not None and city.id is not None
        session.add(
            Role(
                person_id=person.id,
                unit_id=city.id,
                kind=RoleKind.OFFICIAL,
                granted_at=person.created_at,
            )
        )
        await session.commit()
        await session.refresh(person)
    return person


async def sign_in(client: ClientSession, base: str, runtime: Runtime, person: Person) -> None:
    async with runtime.db.sessions() as session:
        token = await issue_link(
            session=session, key=runtime.key, person=person, now=runtime.clock.now()
        )
        await session.commit()
    path = base + paths.sign_in_path(token)
    async with client.get(path) as page:
        html = await page.text()
    async with client.post(path, data={"csrf": csrf_of(html)}, allow_redirects=False) as done:
        assert done.status == 303, await done.text()


class Statements:
    """SQL statements sent to the database (a page's count is the difference)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed(fn: Callable[[], Awaitable[Any]], runs: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        await fn()
    seconds: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        seconds.append(time.perf_counter() - started)
    return seconds


async def run(args: argparse.Namespace) -> None:
    server = server_of(args.postgres)
    url = f"{server}/{PG_DATABASE}"
    try:
        found = await seeded_size(url) if args.reuse else None
        if found is not None and found["cells"] == args.cells and found["wards"] == args.wards:
            console.print(f"reusing {PG_DATABASE}: {found}")
        else:
            url = await fresh_database(server)
            started = time.perf_counter()
            seeded = await seed_city(url, Size(args.cells, args.wards, WEEKS, 0))
            console.print(
                f"seeded {seeded.counts} in {time.perf_counter() - started:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in seeded.seconds.items())})"
            )
        await measure(url, args)
    finally:
        if not (args.keep or args.reuse):
            await drop_database(server)


async def measure(url: str, args: argparse.Namespace) -> None:
    # The Tuesday before the last deadline: every week but the last is due.
    now = FIRST_DEADLINE + (WEEKS - 1) * WEEK - timedelta(days=1, hours=7)
    clock = FrozenClock(now.astimezone(UTC))
    runtime = Runtime.create(desk_settings(url), clock)
    statements = Statements()
    event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", statements)
    person = await add_official(runtime)
    gopy = assemble(runtime, [], scheduling=False)
    dp = gopy.dp
    served = TestServer(build_web_app(page_routes(gopy, [])))
    await served.start_server()
    base = str(served.make_url("")).rstrip("/")
    rows: list[tuple[str, list[float], str, str]] = []
    try:
        # A cookie jar that takes cookies from 127.0.0.1 (the default one refuses IP hosts).
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
            await sign_in(client, base, runtime, person)
            pages = {
                "board": {},
                "board, last page": {"page": str(-(-args.cells // 100))},
                "board, not filed": {"missing": "1"},
                "board, search": {"q": "to dan pho so 12"},
            }
            sizes: dict[str, int] = {}
            counts: dict[str, int] = {}
            for name, query in pages.items():

                async def get(query: dict[str, str] = query, name: str = name) -> None:
                    before = statements.count
                    async with client.get(base + paths.BOARD, params=query) as response:
                        body = await response.read()
                        assert response.status == 200, body[:500]
                    sizes[name] = len(body)
                    counts[name] = statements.count - before

                seconds = await timed(get, args.runs)
                rows.append((name, seconds, f"{sizes[name] / 1024:.0f} KiB", str(counts[name])))

            async with runtime.db.sessions() as session:
                member = await load_member(session=session, person=person)

            async def query_alone() -> None:
                async with runtime.db.sessions() as session:
                    (scope,) = await scopes(session=session, member=member, now=clock.now())
                    await board(
                        session=session, watch=scope.levels[0], now=clock.now(), wanted=Filter()
                    )

            before = statements.count
            await query_alone()
            query_count = statements.count - before
            rows.append(("query alone", await timed(query_alone, args.runs), "", str(query_count)))

            async def baseline() -> None:
                async with runtime.db.sessions() as session:
                    await status_views(session=session, member=member, now=clock.now())
                    await session.rollback()

            before = statements.count
            await baseline()
            base_count = statements.count - before
            rows.append(
                ("baseline: status_views", await timed(baseline, args.runs), "", str(base_count))
            )

            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(20):
                    async with client.get(base + paths.BOARD) as response:
                        await response.read()
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
                console.print(out.getvalue())
    finally:
        await served.close()
        await dp.storage.close()
        await runtime.close()
    report(rows, args)


def report(rows: list[tuple[str, list[float], str, str]], args: argparse.Namespace) -> None:
    table = Table(title=f"desk board, {args.cells:,} cells × {WEEKS} weeks, PostgreSQL")
    for heading in ("what", "p50 ms", "p95 ms", "HTML", "SQL statements"):
        table.add_column(heading, justify="left" if heading == "what" else "right")
    medians = {name: statistics.median(s) * 1000 for name, s, _, _ in rows}
    for name, seconds, size, count in rows:
        p50, p95 = statistics.median(seconds) * 1000, percentile(seconds, 0.95) * 1000
        table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", size, count)
    console.print(table)
    page = medians["board"]
    console.print(
        f"board p50 {page:.0f} ms against the target < {TARGET_MS:.0f} ms: "
        + ("met" if page < TARGET_MS else "[bold]not met[/bold]")
    )
    ratio = page / medians["baseline: status_views"]
    console.print(
        f"ratio to the baseline (status_views, p50): {ratio:.2f}; "
        f"the query alone is {medians['query alone'] / page:.0%} of the page"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--postgres", required=True, help="the PostgreSQL server's URL (its database is ours)"
    )
    parser.add_argument("--cells", type=int, default=CELLS, help="cells in the city")
    parser.add_argument("--wards", type=int, default=WARDS, help="wards (cells split evenly)")
    parser.add_argument("--runs", type=int, default=40, help="timed requests per figure")
    parser.add_argument("--keep", action="store_true", help=f"keep {PG_DATABASE} after the run")
    parser.add_argument(
        "--reuse", action="store_true", help=f"measure {PG_DATABASE} as kept (implies --keep)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile 20 board pages")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
