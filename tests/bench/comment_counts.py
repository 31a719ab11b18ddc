"""Comments counted per place: a city of 30 wards × 300 cells (9,000 cells) and 1,000,000
comments spread over the units, stances, categories, media and eight weeks.

    .venv/bin/python -m tests.bench.comment_counts [--runs 10] [--comments N] [--no-sqlite]
        [--reseed] [--explain] [--sqlite FILE]

Times ``storage.comment_counts.place_counts`` for the city (rolled up per ward), for one ward,
and for one week of each; ``comment_counts`` for the city's week and the ward's; against a
same-run baseline, a plain ``count(*)`` of the campaign. Own databases: ``bench_counts`` on
PostgreSQL (kept between runs: seeding is skipped when it holds the same city and the same
comment indexes; made again when they differ) and a temporary SQLite file (or ``--sqlite
FILE``, kept and reused). After seeding, PostgreSQL gets ``VACUUM (ANALYZE)``, as autovacuum
would after a bulk load: without it an index-only scan still reads every heap page. Target:
< 0.5 s on PostgreSQL.

``--explain``: the plan of the slowest statement of each count (PostgreSQL ``EXPLAIN
(ANALYZE, BUFFERS)``, SQLite ``EXPLAIN QUERY PLAN``), in full for the slowest of all, with the
heap fetches of its index-only scans.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.comment_counts import comment_counts, place_counts
from storage.database import create_engine, create_session_factory
from storage.models import (
    AuthorCategory,
    Campaign,
    Comment,
    CommentMedium,
    CommentStatus,
    Stance,
    Unit,
    UnitLevel,
)
from storage.units import get_unit
from tests import databases
from tests.bench.chain import Statements
from tests.bench.consolidated import insert_fast, settle
from tests.bench.report_flow import fresh_sqlite
from tests.seed import seed_ward

PG_DATABASE = "bench_counts"
WARDS, CELLS = 30, 300
START = datetime(2025, 10, 15, tzinfo=UTC)
WEEKS = 8
TARGET_SECONDS = 0.5
STATUSES = (
    (0.95, CommentStatus.RECEIVED),
    (0.97, CommentStatus.HIDDEN),
    (0.99, CommentStatus.WITHDRAWN),
    (1.0, CommentStatus.SPAM),
)
MEDIA = (list(CommentMedium), [60, 15, 10, 10, 3, 2])


def plan_units(city_id: int, ward_ids: list[int]) -> Iterator[dict[str, Any]]:
    for w, ward_id in enumerate(ward_ids):
        for c in range(CELLS):
            yield {
                "code": f"W{w:02d}-CB{c:03d}",
                "name": f"Chi bộ {c + 1} phường {w + 1}",
                "level": UnitLevel.CELL,
                "parent_id": ward_id,
            }


def plan_comments(
    rng: random.Random,
    count: int,
    campaign_id: int,
    city_id: int,
    wards: list[int],
    cells: list[int],
    targets: list[tuple[int | None, int | None]],
) -> Iterator[dict[str, Any]]:
    span = WEEKS * 7 * 86400
    for n in range(count):
        draw = rng.random()
        unit = rng.choice(cells) if draw < 0.85 else rng.choice(wards) if draw < 0.95 else city_id
        status = next(s for bound, s in STATUSES if rng.random() < bound)
        document_id, section_id = rng.choice(targets)
        yield {
            "receipt": f"YK-{n:08d}",
            "campaign_id": campaign_id,
            "document_id": document_id,
            "section_id": section_id,
            "text": "Đề nghị làm rõ giải pháp chuyển đổi số.",
            "anonymous": True,
            "channel": "zalo",
            "fingerprint": hashlib.sha256(str(n).encode()).hexdigest(),
            "created_at": START + timedelta(seconds=span * (n + rng.random()) / count),
            "status": status,
            "unit_id": unit,
            "stance": rng.choice([None, None, *Stance]),
            "category": rng.choice([None, None, None, *AuthorCategory]),
            "medium": rng.choices(*MEDIA)[0],
        }


async def seeded(url: str, comments: int) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            units = await conn.scalar(select(func.count()).select_from(Unit))
            found = await conn.scalar(select(func.count()).select_from(Comment))
        # The city, Ngọc Hà, the other wards, and 300 cells each.
        return units == 2 + (WARDS - 1) + WARDS * CELLS and found == comments
    finally:
        await engine.dispose()


async def same_indexes(url: str) -> bool:
    """Whether the comment table's indexes are the model's: a database seeded before a
    migration was changed in place (0009's covering index) would time the old schema."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.run_sync(lambda c: inspect(c).get_indexes("comment"))
    finally:
        await engine.dispose()
    table: Any = Comment.__table__  # type: ignore[attr-defined]
    wanted = {i.name: [c.name for c in i.columns] for i in table.indexes}
    have = {i["name"]: list(i["column_names"]) for i in found}
    return all(have.get(name) == columns for name, columns in wanted.items())


async def drop_postgres(name: str) -> None:
    await databases.drop_postgres(name)


async def visible(url: str) -> str:
    """How much of the comment table the visibility map marks all-visible (what lets an
    index-only scan skip the heap), and when it was last vacuumed."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            pages, all_visible = (
                await conn.execute(
                    text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'comment'")
                )
            ).one()
            vacuumed = await conn.scalar(
                text(
                    "SELECT greatest(last_vacuum, last_autovacuum) FROM pg_stat_user_tables "
                    "WHERE relname = 'comment'"
                )
            )
    finally:
        await engine.dispose()
    share = all_visible / pages if pages else 0.0
    return f"comment: {share:.0%} of {pages:,} heap pages all-visible, vacuumed {vacuumed}"


async def seed(url: str, comments: int) -> float:
    started = time.perf_counter()
    engine = create_engine(url)
    rng = random.Random(15)
    try:
        async with create_session_factory(engine)() as session:
            base = await seed_ward(session)
            city_id = base.ward.parent_id
            assert city_id is not None and base.ward.id is not None
            base.campaign.unit_id = city_id
            base.campaign.starts_at = START
            base.campaign.ends_at = START + timedelta(weeks=WEEKS)
            wards = [
                Unit(code=f"W{w:02d}", name=f"Đảng ủy phường {w + 1}", level=UnitLevel.WARD)
                for w in range(1, WARDS)
            ]
            for ward in wards:
                ward.parent_id = city_id
            session.add_all([base.campaign, *wards])
            await session.flush()
            ward_ids = [base.ward.id, *(w.id for w in wards if w.id is not None)]
            targets: list[tuple[int | None, int | None]] = [(None, None)]
            for document in base.documents:
                targets.append((document.id, None))
            targets += [(s.document_id, s.id) for s in base.sections]
            campaign_id = base.campaign.id
            assert campaign_id is not None
            await session.commit()
        table: Any = Unit.__table__  # type: ignore[attr-defined]
        # Ngọc Hà already has two cells: 298 more make its 300.
        units = (u for u in plan_units(city_id, ward_ids) if u["code"] >= "W00-CB002")
        await insert_fast(engine, table, units)
        async with engine.connect() as conn:
            found = await conn.execute(
                select(col(Unit.id)).where(col(Unit.level) == UnitLevel.CELL)
            )
            cells = [i for i in found.scalars() if i is not None]
        plan = plan_comments(rng, comments, campaign_id, city_id, ward_ids, cells, targets)
        await insert_fast(engine, Comment.__table__, plan)  # type: ignore[attr-defined]
        await settle(engine, url)
    finally:
        await engine.dispose()
    return time.perf_counter() - started


Probe = Callable[[AsyncSession], Awaitable[Any]]


async def probes(session: AsyncSession) -> dict[str, Probe]:
    campaign = (await session.execute(select(Campaign))).scalars().one()
    city = await session.get(Unit, campaign.unit_id)
    ward = await get_unit(session=session, code="W07")
    assert city is not None and ward is not None
    since = START + timedelta(weeks=5)
    until = since + timedelta(days=7)

    async def baseline(s: AsyncSession) -> Any:
        return await s.scalar(
            select(func.count()).where(Comment.campaign_id == campaign.id)  # type: ignore[arg-type]
        )

    def counts(unit: Unit, week: bool) -> Probe:
        async def probe(s: AsyncSession) -> Any:
            return await place_counts(
                session=s,
                campaign=campaign,
                unit=unit,
                since=since if week else None,
                until=until if week else None,
            )

        return probe

    def targets(unit: Unit, week: bool) -> Probe:
        async def probe(s: AsyncSession) -> Any:
            return await comment_counts(
                session=s,
                campaign=campaign,
                unit=unit,
                since=since if week else None,
                until=until if week else None,
            )

        return probe

    return {
        "baseline: count(*) of the campaign": baseline,
        "city, rolled up per ward (all weeks)": counts(city, False),
        "city, rolled up per ward (one week)": counts(city, True),
        "one ward, per cell (all weeks)": counts(ward, False),
        "one ward, per cell (one week)": counts(ward, True),
        "per section: the city (one week)": targets(city, True),
        "per section: the city (all weeks)": targets(city, False),
        "per section: one ward (one week)": targets(ward, True),
        "per section: one ward (all weeks)": targets(ward, False),
    }


async def measure(url: str, runs: int) -> dict[str, list[float]]:
    engine = create_engine(url)
    figures: dict[str, list[float]] = {}
    try:
        async with create_session_factory(engine)() as session:
            for name, probe in (await probes(session)).items():
                await probe(session)  # warm: caches, the plan
                times = []
                for _run in range(runs):
                    started = time.perf_counter()
                    await probe(session)
                    times.append(time.perf_counter() - started)
                figures[name] = times
    finally:
        await engine.dispose()
    return figures


async def explain(url: str, figures: dict[str, list[float]]) -> None:
    """The plan of each count's slowest statement, run in the count's own transaction (its
    ``SET LOCAL jit = off`` holds): a one-line summary each, the slowest count's in full."""
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    statements = Statements()
    statements.listen(engine)
    plans: dict[str, list[str]] = {}
    try:
        async with create_session_factory(engine)() as session:
            for name, probe in (await probes(session)).items():
                if name.startswith("baseline"):
                    continue
                statements.on = True
                await probe(session)
                statements.on = False
                _seconds, statement, parameters = max(statements.seen, key=lambda s: s[0])
                statements.seen.clear()
                connection = await session.connection()
                rows = (await connection.exec_driver_sql(prefix + statement, parameters)).all()
                plans[name] = [str(row[0] if postgres else row[-1]) for row in rows]
    finally:
        await engine.dispose()
    print(f"\n{prefix.strip()} of each count's slowest statement:")
    for name, plan in plans.items():
        print(f"  {name:44} {plan_summary(plan)}")
    slowest = max(plans, key=lambda name: statistics.median(figures[name]))
    print(f"\n{prefix.strip()}, {slowest}:")
    for line in plans[slowest]:
        print("   ", line)


def plan_summary(plan: list[str]) -> str:
    """How the comments are read (the scans and the indexes, each with how many times it
    appears), and the heap fetches of PostgreSQL's index-only scans."""
    scans = Counter(
        line.strip().lstrip("-> ").split("  (")[0].split(" on ")[0].removeprefix("Parallel ")
        for line in plan
        if " Scan " in line or line.lstrip().startswith(("SCAN", "SEARCH", "USE TEMP"))
    )
    summary = "; ".join(f"{scan} ×{n}" if n > 1 else scan for scan, n in scans.items())
    if any("Index Only Scan" in line for line in plan):
        fetches = sum(int(line.split(":")[1]) for line in plan if "Heap Fetches:" in line)
        summary += f"; heap fetches {fetches:,}"
    return summary


def report(label: str, figures: dict[str, list[float]], target: float | None) -> None:
    print(f"\n{label}")
    print(f"  {'query':44} {'median':>9} {'p95':>9} {'min':>9}")
    for name, times in figures.items():
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        median = statistics.median(ordered)
        mark = ""
        if target is not None and not name.startswith("baseline"):
            mark = "  ok" if p95 < target else "  MISSED"
        print(
            f"  {name:44} {median * 1000:8.1f}ms {p95 * 1000:8.1f}ms "
            f"{ordered[0] * 1000:8.1f}ms{mark}"
        )


async def main_async(args: argparse.Namespace) -> None:
    pg = await databases.ensure_postgres(PG_DATABASE)
    if not await same_indexes(pg):
        print(f"{PG_DATABASE}: the comment indexes differ from the model's: made again")
        await drop_postgres(PG_DATABASE)
        pg = await databases.ensure_postgres(PG_DATABASE)
    if args.reseed or not await seeded(pg, args.comments):
        await databases.truncate_postgres(pg)
        print(f"seeding PostgreSQL {PG_DATABASE}: {await seed(pg, args.comments):.1f} s")
    print(await visible(pg))
    figures = await measure(pg, args.runs)
    report(
        f"PostgreSQL ({args.comments:,} comments, {WARDS * CELLS:,} cells, {args.runs} runs)",
        figures,
        TARGET_SECONDS,
    )
    if args.explain:
        await explain(pg, figures)
    if args.no_sqlite:
        return
    with tempfile.TemporaryDirectory() as directory:
        path = args.sqlite or Path(directory) / "bench_counts.db"
        url = await fresh_sqlite(path.parent, path.name)
        if not await seeded(url, args.comments) or not await same_indexes(url):
            path.unlink()
            url = await fresh_sqlite(path.parent, path.name)
            print(f"\nseeding SQLite {path}: {await seed(url, args.comments):.1f} s")
        figures = await measure(url, args.runs)
        report(f"SQLite ({args.comments:,} comments)", figures, None)
        if args.explain:
            await explain(url, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--explain", action="store_true", help="the plans of the counts")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file to keep and reuse")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
