"""The desk's campaign page and an upload, for a city of 30 wards × 300 cells (9,000 cells).

    .venv/bin/python -m tests.bench.campaign_page [--runs 20] [--no-postgres]

Through the real server of ``tests.desk_world`` (guard, session, template): the city official
opens the city's consultation (the tree cut at the wards, each with its 300 cells counted) and
the ward official opens it (their ward's 300 cells listed); the baseline, from the same run and
browser, is the desk's board page (the same guard and layout, no campaign). Then the ward
official uploads an org file of 300 new cells under their ward (``upload_rules``: the
authorization rule after the importer), against the importer alone on the same file
(``import_org_data``, rolled back). Own databases: ``bench_campaign`` on PostgreSQL (emptied
each run) and a temporary SQLite file. Prints figures; never fails on them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import FormData

from bot.importers.org import import_org_data
from bot.importers.yaml_lines import parse_yaml
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.models import Unit, UnitLevel
from tests import databases
from tests.bench.consolidated import insert_fast, settle
from tests.bench.report_flow import fresh_sqlite
from tests.chat import at
from tests.desk_world import Client, DeskWorld, csrf_of, serve_desk

PG_DATABASE = "bench_campaign"
WARDS, CELLS = 30, 300


async def grow_city(world: DeskWorld) -> None:
    """28 more wards beside Ngọc Hà and Kim Mã, 300 cells more under each of the 30
    (bulk-inserted: not measured)."""
    engine = world.runtime.db.engine
    table: Any = Unit.__table__  # type: ignore[attr-defined]
    await insert_fast(
        engine,
        table,
        iter(
            [
                {
                    "code": f"BW{w:02d}",
                    "name": f"Đảng ủy phường {w}",
                    "level": UnitLevel.WARD,
                    "parent_id": world.city.id,
                }
                for w in range(WARDS - 2)
            ]
        ),
    )
    async with world.runtime.db.sessions() as session:
        wards = [
            u
            for u in (await session.execute(Unit.__table__.select())).all()  # type: ignore[attr-defined]
            if u.level == UnitLevel.WARD
        ]
    await insert_fast(
        engine,
        table,
        (
            {
                "code": f"{ward.code}-B{c:03d}",
                "name": f"Chi bộ {c + 1}",
                "level": UnitLevel.CELL,
                "parent_id": ward.id,
            }
            for ward in wards
            for c in range(CELLS)
        ),
    )
    await settle(engine, world.runtime.settings.database_url)


async def timed(runs: int, call: Callable[[], Awaitable[None]]) -> float:
    await call()  # warm-up
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def new_cells(first: int) -> bytes:
    lines = ["units:"]
    for n in range(first, first + CELLS):
        unit = f"code: NGOCHA-N{n:05d}, name: Chi bộ {n}, level: cell, parent: NGOCHA"
        lines.append(f"  - {{{unit}}}")
    return ("\n".join(lines) + "\n").encode()


async def get(client: Client, path: str, **params: str) -> None:
    answer = await client.get(path, params=params)
    assert answer.status == 200, answer.status
    await answer.read()


async def bench(url: str, runs: int) -> None:
    async with serve_desk(url, FrozenClock(at("2025-11-10 09:00"))) as world:
        await grow_city(world)
        city = await world.browser("city_official")
        ward = await world.browser("ward_official")
        consultation = str(world.consultation.id)
        board = await timed(runs, lambda: get(city, paths.BOARD))
        city_page = await timed(runs, lambda: get(city, paths.CAMPAIGN, campaign=consultation))
        ward_page = await timed(runs, lambda: get(ward, paths.CAMPAIGN, campaign=consultation))
        token = csrf_of(await (await ward.get(paths.CAMPAIGN)).text())
        batch = iter(range(0, 10**6, CELLS))

        async def upload() -> None:
            form = FormData()
            form.add_field("csrf", token)
            form.add_field("kind", "org")
            form.add_field("file", new_cells(next(batch)), filename="org.yaml")
            answer = await ward.post(paths.CAMPAIGN_UPLOAD, data=form, allow_redirects=False)
            assert answer.status == 303, await answer.text()

        async def importer_alone() -> None:
            raw = parse_yaml(new_cells(next(batch)))
            async with world.runtime.db.sessions() as session:  # nothing else writes here
                await import_org_data(session=session, raw=raw, source="org.yaml")
                await session.rollback()

        uploaded = await timed(max(3, runs // 4), upload)
        alone = await timed(max(3, runs // 4), importer_alone)
    kind = url.split(":", 1)[0]
    print(f"{kind}: {WARDS} wards × {CELLS} cells, median of {runs}")
    print(f"  board page (baseline)          {board * 1000:7.1f} ms")
    print(f"  campaign page, city official   {city_page * 1000:7.1f} ms  ×{city_page / board:.1f}")
    print(f"  campaign page, ward official   {ward_page * 1000:7.1f} ms  ×{ward_page / board:.1f}")
    print(f"  importer alone, {CELLS} cells       {alone * 1000:7.1f} ms")
    ratio = uploaded / alone
    print(f"  upload of {CELLS} cells (HTTP)     {uploaded * 1000:7.1f} ms  ×{ratio:.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await bench(await fresh_sqlite(Path(folder), "campaign.db"), args.runs)
    if not args.no_postgres:
        url = await databases.ensure_postgres(PG_DATABASE)
        await databases.truncate_postgres(url)
        await bench(url, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
