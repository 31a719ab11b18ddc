"""Time the desk's PDF of posters, against drawing the same posters one file each.

    .venv/bin/python -m tests.bench.desk_posters [--posters N] [--postgres]

- **render**: N posters (different codes) drawn into one PDF by ``render_posters_pdf``, next to
  the baseline of N calls of ``render_poster_pdf`` (what N ``/qr`` presses draw) in the same
  run: time and bytes. A sample of pages is read back with zxing-cpp, so a fast but broken
  code shows.
- **desk**: the whole route on a served desk (``tests.desk_world``): a ward with N/2 cells,
  two sections each — the print page, the button making N codes, the PDF — timed from the
  browser's side, on SQLite (and ``--postgres``: the ``gopy_bench_desk`` database, created and
  dropped by the bench, never ``test``).

Nothing is asserted; figures are printed. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.render.poster_layout import PosterCodes, PosterText
from bot.render.poster_pdf import render_poster_pdf, render_posters_pdf
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.campaigns import forget_forms
from storage.migrate import upgrade_sync
from storage.models import Unit, UnitLevel
from tests import posters
from tests.bench.comment_counts import drop_postgres
from tests.chat import at
from tests.databases import ensure_postgres, truncate_postgres
from tests.desk_world import csrf_of, serve_desk

PG_DATABASE = "gopy_bench_desk"
TEXT = PosterText(
    title="Góp ý dự thảo văn kiện Đại hội XIV",
    target="Dự thảo Báo cáo chính trị — I. Kết quả thực hiện Nghị quyết Đại hội XIII",
    call_to_action="Quét mã QR để góp ý",
    code="GY-7K3QM",
    code_hint="Không quét được? Nhắn mã trên cho @gopy_bot trên Telegram",
    full_text_label="Đọc toàn văn dự thảo",
    footer="Chi bộ Tổ dân phố số 1",
)


def sheets(count: int) -> list[tuple[PosterText, PosterCodes]]:
    found = []
    for n in range(count):
        code = f"GY-{n:05d}"
        link = f"https://gopy.example.vn/q/{code}"
        text = replace(TEXT, code=code, footer=f"Chi bộ Tổ dân phố số {n + 1}")
        found.append((text, PosterCodes(link, link.removeprefix("https://"), link + "/draft")))
    return found


def bench_render(count: int) -> None:
    pages = sheets(count)
    render_poster_pdf(*pages[0])  # fonts registered, caches warm
    started = time.perf_counter()
    one = render_posters_pdf(pages)
    together = time.perf_counter() - started
    started = time.perf_counter()
    apart = [render_poster_pdf(text, codes) for text, codes in pages]
    separately = time.perf_counter() - started
    size_apart = sum(len(p) for p in apart)
    print(f"render {count} posters, A5")
    for name, seconds, size in (
        ("one PDF", together, len(one)),
        (f"{count} PDFs", separately, size_apart),
    ):
        each = seconds / count * 1000
        print(f"  {name:12} {seconds:7.2f} s  {each:6.1f} ms/poster  {size / 1e6:6.2f} MB")
    print(f"  ratio        time {together / separately:.2f}, bytes {len(one) / size_apart:.2f}")
    read = posters.pages(one)
    sample = [0, count // 2, count - 1]
    ok = all(read[i][0][0] == pages[i][1].link for i in sample)
    print(f"  pages {len(read)}, codes read back on pages {sample}: {'ok' if ok else 'WRONG'}")


async def bench_desk(url: str, count: int, label: str) -> None:
    clock = FrozenClock(at("2025-11-10 09:00"))
    async with serve_desk(url, clock) as world:
        async with world.runtime.db.sessions() as session:
            session.add_all(
                Unit(
                    code=f"NGOCHA-B{n:04}",
                    name=f"Chi bộ {n}",
                    level=UnitLevel.CELL,
                    parent_id=world.seed.ward.id,
                )
                for n in range(count // 2 - len(world.seed.cells))
            )
            await session.commit()
        browser = await world.browser("ward_official")
        sections = [f"s{s.id}" for s in world.seed.sections]
        query = [("campaign", str(world.seed.campaign.id)), *(("t", s) for s in sections)]
        query += [("l", "cell"), ("size", "a5")]
        started = time.perf_counter()
        page = await browser.get(paths.POSTERS_PRINT, params=query)
        html = await page.text()
        shown = time.perf_counter()
        chosen = re.search(r'name="choice" value="([^"]*)"', html)
        assert chosen is not None, html[:500]
        made = await browser.post(
            paths.POSTERS_PRINT,
            data={"csrf": csrf_of(html), "choice": chosen[1].replace("&amp;", "&")},
            allow_redirects=False,
        )
        coded = time.perf_counter()
        pdf = await browser.get(made.headers["Location"])
        data = await pdf.read()
        done = time.perf_counter()
        again = await browser.get(made.headers["Location"])
        await again.read()
        reprinted = time.perf_counter()
    print(f"desk {label}: {count} posters ({count // 2} cells × 2 sections)")
    print(f"  print page   {(shown - started) * 1000:7.0f} ms")
    print(f"  make codes   {(coded - shown) * 1000:7.0f} ms  (POST, the writer's lock held)")
    print(f"  PDF          {(done - coded) * 1000:7.0f} ms  {len(data) / 1e6:.2f} MB (no lock)")
    print(f"  PDF again    {(reprinted - done) * 1000:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posters", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    bench_render(args.posters)
    folder = Path(tempfile.mkdtemp(prefix="gopy-bench-desk-"))
    try:
        path = folder / "bench.db"
        upgrade_sync(f"sqlite+aiosqlite:///{path}")
        asyncio.run(bench_desk(f"sqlite+aiosqlite:///{path}", args.posters, "SQLite"))
        if args.postgres:
            forget_forms()
            url = asyncio.run(ensure_postgres(PG_DATABASE))
            try:
                asyncio.run(truncate_postgres(url))
                asyncio.run(bench_desk(url, args.posters, "PostgreSQL"))
            finally:
                asyncio.run(drop_postgres(PG_DATABASE))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
