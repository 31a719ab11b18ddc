"""A poster's landing page on a real loopback server: its weight and time to first byte.

    .venv/bin/python -m tests.bench.landing [--requests N] [--postgres URL]

The real routes (``bot.web.landing.landing_routes``) on a fresh SQLite file (or the given
PostgreSQL database, emptied first), seeded as the tests seed it, served by aiohttp on loopback
(``web.AppRunner`` + ``TCPSite``). Each page is fetched N times one after the other, with a
browser's cookie as a second visit has it; the time to first byte is from the request sent to
the status line and headers received. ``/health`` is the baseline, in the same run. Weight is
the body as sent, and gzipped (what a proxy compressing pages would send). Nothing is
asserted: the figures are printed against the targets (< 30 kB, < 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.table import Table

from bot.app import Runtime
from bot.i18n import build_i18n
from bot.web.app import build_web_app
from bot.web.landing import landing_routes
from scheduler.clock import FrozenClock
from storage.migrate import upgrade
from tests.chat import at
from tests.seed import seed_ward
from tests.web_pages import city_consultation, pages_settings, poster_codes

console = Console()


async def _ttfb(http: aiohttp.ClientSession, url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    async with http.get(url, allow_redirects=False) as response:
        first = time.perf_counter() - start  # status line and headers are in
        body = await response.read()
        assert response.status == 200, (url, response.status)
    return first, body


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def bench(database_url: str, requests: int) -> None:
    clock = FrozenClock(at("2025-11-10 09:00"))
    settings = pages_settings(database_url)
    await upgrade(database_url, key=settings.server_key())
    runtime = Runtime.create(settings, clock)
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        await session.commit()
    city = await city_consultation(runtime, seed, clock)
    codes = await poster_codes(runtime, seed, city, clock)

    async def username() -> str | None:
        return "gopy_bench_bot"

    app = build_web_app(
        landing_routes(
            db=runtime.db,
            clock=clock,
            settings=settings,
            key=runtime.key,
            i18n=build_i18n("vi"),
            telegram_username=username,
        )
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    pages = {
        "/health (baseline)": "/health",
        "section poster": f"/q/GY-{codes.section}",
        "ward poster": f"/q/GY-{codes.ward}",
        "campaign-wide poster": f"/q/GY-{codes.city}",
    }
    dialect = database_url.split(":", maxsplit=1)[0]
    table = Table(title=f"landing pages, {requests} requests each, {dialect}")
    for column in ("page", "bytes", "gzip", "TTFB p50 ms", "TTFB p99 ms", "mean ms"):
        table.add_column(column, justify="right" if column != "page" else "left")
    try:
        async with aiohttp.ClientSession() as http:
            await _ttfb(http, base + pages["section poster"])  # the browser's cookie, warm-up
            for name, path in pages.items():
                for _warm in range(10):
                    await _ttfb(http, base + path)
                times: list[float] = []
                body = b""
                for _n in range(requests):
                    first, body = await _ttfb(http, base + path)
                    times.append(first)
                table.add_row(
                    name,
                    f"{len(body):,}",
                    f"{len(gzip.compress(body)):,}",
                    f"{_quantile(times, 0.5):.2f}",
                    f"{_quantile(times, 0.99):.2f}",
                    f"{statistics.fmean(times) * 1000:.2f}",
                )
    finally:
        await runner.cleanup()
        await runtime.close()
    console.print(table)
    console.print("targets: page < 30,000 bytes, time to first byte < 50 ms on loopback")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL to empty and use instead of SQLite")
    args = parser.parse_args()
    if args.postgres:
        from tests.databases import truncate_postgres

        asyncio.run(upgrade(args.postgres))
        asyncio.run(truncate_postgres(args.postgres))
        asyncio.run(bench(args.postgres, args.requests))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(bench(url, args.requests))


if __name__ == "__main__":
    main()
