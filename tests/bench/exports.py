"""Comment exports to CSV and XLSX, timed and measured against plain csv and openpyxl.

    .venv/bin/python -m tests.bench.exports [--rows N] [--only "csv,xlsx"]

Each scenario runs in a fresh Python process, so its peak resident memory (``ru_maxrss``) is
its own. The rows are generated lazily and sorted, as the database would stream them:

- **rows**: only generating the rows, the floor of every other figure.
- **csv plain**: ``csv.writer`` of the same values (ISO times, no grouping, no cleaning).
- **csv**: ``export_comments(..., "csv")``, the bytes in memory.
- **csv streamed**: ``iter_csv`` chunks written to a file, as a download would send them.
- **xlsx plain**: openpyxl write-only, the same values appended as they are, no styles.
- **xlsx**: ``export_comments(..., "xlsx")``.

Nothing is asserted. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

from bot.render.comments_export import CommentRow, comments_sheet, export_comments
from bot.render.tables import iter_csv
from tests.unit.test_render_tables import LABELS

console = Console(width=None if sys.stdout.isatty() else 110)

TZ = "Asia/Ho_Chi_Minh"
DOCUMENTS = ("Dự thảo Báo cáo chính trị", "Dự thảo Điều lệ Đảng", "Dự thảo Báo cáo tổng kết")
SECTIONS_PER_DOCUMENT = 10
SENTENCES = (
    "Đề nghị bổ sung nội dung về chuyển đổi số trong công tác quản lý nhà nước ở cơ sở.",
    "Cần làm rõ hơn vai trò của Mặt trận Tổ quốc trong giám sát và phản biện xã hội.",
    "Tôi thống nhất với dự thảo, đề nghị nhấn mạnh phát triển kinh tế tư nhân.",
    "Phần đánh giá hạn chế còn chung chung, nên nêu nguyên nhân chủ quan cụ thể hơn.",
    "Kiến nghị quan tâm hơn đến an sinh xã hội, nhà ở cho công nhân và người thu nhập thấp.",
)
START = datetime(2025, 10, 20, 1, 0, tzinfo=UTC)
MIB = 1024 * 1024


@dataclass(frozen=True)
class Figure:
    scenario: str
    seconds: float
    output_bytes: int
    rss_start_kib: int
    rss_peak_kib: int


def comment_rows(count: int) -> Iterator[CommentRow]:
    """``count`` comments sorted by document, section, time: 33 groups of equal size."""
    targets = [
        (document, section)
        for document in DOCUMENTS
        for section in (None, *(f"{n}. Phần {n}" for n in range(1, SECTIONS_PER_DOCUMENT + 1)))
    ]
    for n in range(count):
        document, section = targets[n * len(targets) // count]
        yield CommentRow(
            document=document,
            section=section,
            receipt=f"YK-{n:07d}",
            created_at=START + timedelta(minutes=n % 50_000),
            text=" ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(1 + n % 4)),
            author=None if n % 5 == 0 else f"Nguyễn Văn {n}",
            phone=f"09{n:08d}" if n % 3 == 0 else None,
            photos=n % 3,
            status="đã tiếp nhận",
            reply="Cảm ơn ý kiến của đồng chí, đã chuyển Tiểu ban." if n % 4 == 0 else None,
            channel="zalo" if n % 2 else "telegram",
        )


def plain_values(count: int) -> Iterator[list[object]]:
    """The values of ``comment_rows``, as a writer without our formatting gets them."""
    for row in comment_rows(count):
        yield [
            row.receipt,
            row.created_at,
            row.document,
            row.section,
            row.text,
            row.author,
            row.phone,
            row.photos,
            row.status,
            row.reply,
            row.channel,
        ]


def run_rows(count: int) -> int:
    for _ in comment_rows(count):
        pass
    return 0  # no file


def run_csv_plain(count: int) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for values in plain_values(count):
        writer.writerow(v.isoformat() if isinstance(v, datetime) else v for v in values)
    return len(buffer.getvalue().encode("utf-8-sig"))


def run_csv(count: int) -> int:
    return len(export_comments(comment_rows(count), LABELS, "csv", TZ))


def run_csv_streamed(count: int) -> int:
    with tempfile.TemporaryFile() as out:
        for chunk in iter_csv(comments_sheet(comment_rows(count), LABELS), tz=TZ):
            out.write(chunk)
        return out.tell()


def run_xlsx_plain(count: int) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("comments")
    for values in plain_values(count):
        sheet.append([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in values])
    out = io.BytesIO()
    workbook.save(out)
    return len(out.getvalue())


def run_xlsx(count: int) -> int:
    return len(export_comments(comment_rows(count), LABELS, "xlsx", TZ))


SCENARIOS: dict[str, Callable[[int], int]] = {
    "rows": run_rows,
    "csv plain": run_csv_plain,
    "csv": run_csv,
    "csv streamed": run_csv_streamed,
    "xlsx plain": run_xlsx_plain,
    "xlsx": run_xlsx,
}
BASELINES = {"csv": "csv plain", "csv streamed": "csv plain", "xlsx": "xlsx plain"}


def child(scenario: str, count: int) -> None:
    """Run one scenario in this process and print its figures as JSON."""
    # Every scenario has imported the same modules (this one's) when the clock starts.
    start_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = SCENARIOS[scenario](count)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps([scenario, seconds, size, start_kib, peak_kib]))


def measure(scenario: str, count: int) -> Figure:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.exports", "--child", scenario, "--rows", str(count)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    name, seconds, size, start_kib, peak_kib = json.loads(done.stdout.splitlines()[-1])
    return Figure(name, seconds, size, start_kib, peak_kib)


def report(figures: list[Figure], count: int) -> None:
    by_name = {figure.scenario: figure for figure in figures}
    table = Table(title=f"Comment exports: {count:,} rows, 33 groups")
    for column in ("scenario", "s", "rows/s", "output MB", "peak RSS MB", "RSS added MB"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    table.add_column("time vs plain", justify="right")
    for figure in figures:
        baseline = by_name.get(BASELINES.get(figure.scenario, ""))
        ratio = f"{figure.seconds / baseline.seconds:.2f}×" if baseline else "—"
        table.add_row(
            figure.scenario,
            f"{figure.seconds:.2f}",
            f"{count / figure.seconds:,.0f}",
            f"{figure.output_bytes / MIB:.1f}" if figure.output_bytes else "—",
            f"{figure.rss_peak_kib / 1024:.0f}",
            f"{(figure.rss_peak_kib - figure.rss_start_kib) / 1024:.0f}",
            ratio,
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="comments per export")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help="comma-separated scenarios, default all"
    )
    parser.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    scenarios = [name.strip() for name in args.only.split(",")]
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {list(SCENARIOS)}")
    started = time.perf_counter()
    figures = []
    for scenario in scenarios:
        with console.status(f"{scenario}…"):
            figures.append(measure(scenario, args.rows))
    report(figures, args.rows)
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
