"""Stored groups of opinions: regrouping a section, placing 100 new comments, and the counts per
unit, on SQLite (and PostgreSQL with ``--postgres``), beside the engine alone on the same texts.

    .venv/bin/python -m tests.bench.theme_store [--comments N] [--postgres]

The engine is whatever ``bot.themes`` is (the stand-in of branch themes-store, or the real one
after the merge): the figures that matter here are the storage's part, regroup minus discover.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import insert

from bot.themes import Doc, discover
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Comment, CommentStatus
from storage.themes import Among, Scope, place_new, regroup, rename, theme_counts
from tests.databases import ensure_postgres, truncate_postgres
from tests.seed import seed_ward
from tests.themes_seed import GROUPS, NOW, receipt

T = TypeVar("T")
FILLER = ["ạ", "nhé", "mong", "rõ", "hơn", "nữa", "ở phường", "cụ thể", "sớm", "thật sự"]


def texts(count: int, rng: random.Random) -> list[str]:
    base = [t for group in GROUPS.values() for t in group]
    return [f"{rng.choice(base)} {' '.join(rng.sample(FILLER, 2))}" for _ in range(count)]


async def timed(what: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    start = time.perf_counter()
    result = await what()
    return result, time.perf_counter() - start


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(url: str, count: int) -> None:
    rng = random.Random(7)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        seed = await seed_ward(session)
        assert seed.campaign.id is not None
        scope = Scope(seed.campaign.id, seed.documents[0].id, seed.sections[0].id)
        units = [seed.ward.id, *(c.id for c in seed.cells)]
        rows = [
            {
                "receipt": receipt(n),
                "campaign_id": scope.campaign_id,
                "document_id": scope.document_id,
                "section_id": scope.section_id,
                "text": text,
                "channel": "telegram",
                "fingerprint": hashlib.sha256(f"{n}".encode()).hexdigest(),
                "created_at": NOW + timedelta(seconds=n),
                "status": CommentStatus.RECEIVED,
                "unit_id": units[n % len(units)],
            }
            for n, text in enumerate(texts(count + 100, rng), start=1)
        ]
        for start in range(0, count, 5000):
            await session.execute(insert(Comment), rows[start : min(start + 5000, count)])
        await session.commit()

    docs = [Doc(n, str(r["text"])) for n, r in enumerate(rows[:count])]
    _found, alone = await timed(lambda: asyncio.to_thread(discover, docs))

    async def regroup_now() -> None:
        async with sessions() as session:
            await regroup(session=session, scope=scope, now=NOW)
            await session.commit()

    _none, first = await timed(regroup_now)
    async with sessions() as session:
        counts = await theme_counts(session=session, scope=scope, quotes=0)
        named = next(t for t in counts if t.theme_id is not None)
        assert named.theme_id is not None
        await rename(session=session, theme_id=named.theme_id, label="Đất đai", now=NOW)
        await session.commit()
    _none, again = await timed(regroup_now)

    async with sessions() as session:
        await session.execute(insert(Comment), rows[count:])
        await session.commit()

    async def place() -> int:
        async with sessions() as session:
            placed = await place_new(session=session, scope=scope)
            await session.commit()
            return placed

    placed, placing = await timed(place)

    async def count_cell() -> int:
        async with sessions() as session:
            found = await theme_counts(
                session=session, scope=scope, among=Among(unit_id=seed.cells[0].id)
            )
            return sum(t.count for t in found)

    in_cell, counting = await timed(count_cell)
    await engine.dispose()
    kind = url.split(":", 1)[0]
    print(f"{kind}: {count} comments in one section, {len(counts)} themes and «ý kiến khác»")
    print(f"  engine alone (discover)         {alone:8.2f} s   (the same-run baseline)")
    print(f"  regroup, first                  {first:8.2f} s   storage part {first - alone:.2f} s")
    print(f"  regroup again after a rename    {again:8.2f} s")
    print(f"  place 100 new comments          {placing:8.2f} s   ({placed} placed)")
    print(f"  counts + quotes of one cell     {counting:8.2f} s   ({in_cell} comments)")
    print(f"  peak memory of the process      {peak_mb():8.0f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        await run(url, args.comments)
    if args.postgres:
        url = await ensure_postgres("gopy_bench_themes")
        await truncate_postgres(url)
        await run(url, args.comments)


if __name__ == "__main__":
    asyncio.run(main())
