"""Time to render the weekly report letter as DOCX, against an empty python-docx document.

    .venv/bin/python -m tests.bench.letter [--runs N]

The example letter of ``tests.letter_example`` is rendered for a ward of 12 cells and for a
city of 500, N times each, next to ``Document().save()`` in the same run, one after the other
in each round, so a busy moment of the shared machine weighs on all alike. Nothing is asserted:
the figures are printed. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import docx
from rich.console import Console
from rich.table import Table

from bot.render.letter_docx import render_letter
from tests.letter_example import example_letter

WARMUP = 2
console = Console(width=None if sys.stdout.isatty() else 110)


@dataclass
class Contender:
    name: str
    render: Callable[[], bytes]
    seconds: list[float] = field(default_factory=list)
    size: int = 0

    def run(self) -> None:
        start = time.perf_counter()
        data = self.render()
        self.seconds.append(time.perf_counter() - start)
        self.size = len(data)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def empty_document() -> bytes:
    """The baseline: python-docx loading its template and saving it, nothing added."""
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def letter_of(cells: int) -> Callable[[], bytes]:
    letter = example_letter(cells)
    return lambda: render_letter(letter)


def print_table(contenders: list[Contender], baseline: Contender) -> None:
    table = Table(title="DOCX report letter (one thread, per document)")
    for name in ("what", "n", "mean ms", "p50 ms", "p99 ms", "× baseline", "size kB"):
        table.add_column(name, justify="left" if name == "what" else "right")
    base = statistics.fmean(baseline.seconds)
    for contender in contenders:
        mean = statistics.fmean(contender.seconds)
        table.add_row(
            contender.name,
            str(len(contender.seconds)),
            f"{mean * 1000:.1f}",
            f"{contender.percentile_ms(0.5):.1f}",
            f"{contender.percentile_ms(0.99):.1f}",
            f"{mean / base:.1f}",
            f"{contender.size / 1000:.1f}",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="documents per contender")
    args = parser.parse_args()
    started = time.perf_counter()
    baseline = Contender("Document().save() (baseline)", empty_document)
    contenders = [
        baseline,
        Contender("render_letter, 12 cells", letter_of(12)),
        Contender("render_letter, 500 cells", letter_of(500)),
    ]
    for contender in contenders:
        for _ in range(WARMUP):
            contender.render()
    for _ in range(args.runs):
        for contender in contenders:
            contender.run()
    print_table(contenders, baseline)
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
