"""Time to render QR codes and A5 posters, against the qrcode library's own path.

    .venv/bin/python -m tests.bench.render [--codes N] [--posters N]

``qr_png`` is timed for N different deep links next to ``qrcode.make(link).save(buf)`` in the
same run, each link through both in turn; the poster likewise as PNG (Pillow) and as PDF, A5
and A4 (reportlab). Every output is read back with zxing-cpp after its timing (a PDF rendered by
PDFium at 150 dpi), so a fast but broken code shows. Nothing is asserted: the figures are
printed against their targets. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import qrcode
import zxingcpp
from PIL import Image
from rich.console import Console
from rich.table import Table

from bot.render.poster import render_poster
from bot.render.poster_layout import PosterCodes, PosterText
from bot.render.poster_pdf import render_poster_pdf
from bot.render.qr import qr_png
from tests.posters import rendered

TARGET_QR_MS = 20.0
TARGET_POSTER_MS = 200.0
WARMUP = 5
BOT = "https://t.me/gopy_test_bot?start="
FULL_TEXT = "https://ngocha.hanoi.gov.vn/van-kien/du-thao-bao-cao-chinh-tri-dai-hoi-xiv.pdf"
# The receipt and invite alphabet of storage.codes: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TEXT = PosterText(
    title="Góp ý dự thảo văn kiện Đại hội XIV",
    target="Dự thảo Báo cáo chính trị — Phần I. Kết quả thực hiện Nghị quyết Đại hội XIII",
    call_to_action="Quét mã QR để góp ý",
    code="GY-7K3QM",
    code_hint="Không quét được? Nhắn mã trên cho @gopy_bot trên Telegram",
    full_text_label="Đọc toàn văn dự thảo",
    footer="Đảng ủy phường Ngọc Hà",
)

console = Console(width=None if sys.stdout.isatty() else 110)


@dataclass
class Timing:
    name: str
    target_ms: float | None
    seconds: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    read_back: int = 0

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.seconds) * 1000

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def deep_links(count: int) -> list[str]:
    """Distinct invite-style deep links (``gy-`` and 5 to 9 code letters), the same every run."""
    rng = random.Random(20261123)
    links: set[str] = set()
    while len(links) < count:
        code = "".join(rng.choices(ALPHABET, k=rng.randint(5, 9)))
        links.add(f"{BOT}gy-{code}")
    return sorted(links)


def baseline_png(link: str) -> bytes:
    """The qrcode library's default path: level M, 10 px per module, its Pillow factory."""
    out = io.BytesIO()
    qrcode.make(link).save(out)
    return out.getvalue()


def pdf_page(pdf: bytes) -> Image.Image:
    return rendered(pdf, dpi=150)


def texts_in(image: Image.Image) -> set[str]:
    return {code.text for code in zxingcpp.read_barcodes(image) if code.valid}


@dataclass
class Contender:
    timing: Timing
    render: Callable[[str], bytes]
    expected: Callable[[str], set[str]]
    page: Callable[[bytes], Image.Image]


def measure(contenders: list[Contender], inputs: list[str]) -> list[Timing]:
    """Each input through every contender in turn, so a busy moment of the shared machine
    weighs on all of them alike."""
    for value in inputs[:WARMUP]:
        for contender in contenders:
            contender.render(value)
    outputs: list[list[bytes]] = [[] for _ in contenders]
    for value in inputs:
        for contender, out in zip(contenders, outputs, strict=True):
            start = time.perf_counter()
            data = contender.render(value)
            contender.timing.seconds.append(time.perf_counter() - start)
            out.append(data)
    # Read back after the timed loop, so the decoder's work is not in the figures.
    for contender, out in zip(contenders, outputs, strict=True):
        for value, data in zip(inputs, out, strict=True):
            contender.timing.sizes.append(len(data))
            if texts_in(contender.page(data)) == contender.expected(value):
                contender.timing.read_back += 1
    return [contender.timing for contender in contenders]


def png_page(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def print_table(timings: list[Timing]) -> None:
    table = Table(title="QR codes and A5 posters (one thread, per call)")
    for name in ("what", "n", "mean ms", "p50 ms", "p99 ms", "mean kB", "read back", "target"):
        table.add_column(name, justify="left" if name in ("what", "target") else "right")
    for timing in timings:
        if timing.target_ms is None:
            target = "—"
        elif timing.mean_ms <= timing.target_ms:
            target = f"≤ {timing.target_ms:.0f} ms: [green]met[/]"
        else:
            target = f"≤ {timing.target_ms:.0f} ms: [red]not met[/]"
        table.add_row(
            timing.name,
            str(len(timing.seconds)),
            f"{timing.mean_ms:.2f}",
            f"{timing.percentile_ms(0.5):.2f}",
            f"{timing.percentile_ms(0.99):.2f}",
            f"{statistics.fmean(timing.sizes) / 1000:.1f}",
            f"{timing.read_back}/{len(timing.seconds)}",
            target,
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--codes", type=int, default=200, help="deep links to encode")
    parser.add_argument("--posters", type=int, default=20, help="posters per format")
    args = parser.parse_args()
    started = time.perf_counter()

    links = deep_links(max(args.codes, args.posters))
    codes = links[: args.codes]
    posters = links[: args.posters]
    console.print(
        f"{len(codes)} deep links of {min(map(len, codes))}–{max(map(len, codes))} chars"
    )

    def one(link: str) -> set[str]:
        return {link}

    def both(link: str) -> set[str]:
        return {link, FULL_TEXT}

    def poster_png(link: str) -> bytes:
        return render_poster(TEXT, PosterCodes(link, link, FULL_TEXT))

    def poster_a5(link: str) -> bytes:
        return render_poster_pdf(TEXT, PosterCodes(link, link, FULL_TEXT))

    def poster_a4(link: str) -> bytes:
        return render_poster_pdf(TEXT, PosterCodes(link, link, FULL_TEXT), size="a4")

    baseline = Timing("qrcode.make().save() (baseline)", None)
    ours = Timing("qr_png", TARGET_QR_MS)
    timings = measure(
        [
            Contender(baseline, baseline_png, one, png_page),
            Contender(ours, qr_png, one, png_page),
        ],
        codes,
    )
    timings += measure(
        [
            Contender(Timing("render_poster png", TARGET_POSTER_MS), poster_png, both, png_page),
            Contender(Timing("poster pdf a5", TARGET_POSTER_MS), poster_a5, both, pdf_page),
            Contender(Timing("poster pdf a4", TARGET_POSTER_MS), poster_a4, both, pdf_page),
        ],
        posters,
    )
    print_table(timings)
    console.print(
        f"qr_png / baseline: {ours.mean_ms / baseline.mean_ms:.2f} "
        f"({ours.mean_ms:.2f} ms vs {baseline.mean_ms:.2f} ms per code)"
    )
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
