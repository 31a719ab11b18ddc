"""The board's small chart: per week, the share of units that filed (on time, then late,
stacked), as coordinates an inline SVG draws; no script, no file from elsewhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.notices import Tally
from services.board import Mark

HEIGHT = 120  # the plot, in SVG units: 100 % is this tall
TOP = 14  # room for the percentage over a full bar
BOTTOM = 20  # room for the week's day under the bars
LEFT = 36  # room for the scale
BAR = 26
GAP = 14  # a week's day ("12/11") fits under its bar


@dataclass(frozen=True, slots=True)
class ChartWeek:
    day: str  # "12/11"
    title: str  # the week named in full
    open: bool  # its deadline is still ahead


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    on_y: float
    on_h: float
    late_y: float
    late_h: float
    share: int  # % of the units that filed
    day: str
    title: str  # the bar's tooltip and spoken label: the figures in words

    @property
    def middle(self) -> float:
        return self.x + BAR / 2


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    scale: tuple[tuple[float, str], ...]  # (y, label) of 0 %, 50 %, 100 %
    base: float  # y of 0 %
    right: int  # x where the plot ends
    left: int = LEFT - 2  # x where the scale's lines begin
    bar: int = BAR  # a bar's width


def completeness_chart(
    weeks: Sequence[ChartWeek], totals: Sequence[Tally], words: Mapping[Mark, str]
) -> Chart:
    base = TOP + HEIGHT
    bars: list[Bar] = []
    for n, (week, tally) in enumerate(zip(weeks, totals, strict=True)):
        whole = tally.expected or 1
        on_h = HEIGHT * tally.on_time / whole
        late_h = HEIGHT * tally.late / whole
        share = round(100 * (tally.on_time + tally.late) / whole) if tally.expected else 0
        rest = words[Mark.NOT_DUE] if week.open else words[Mark.MISSING]
        title = (
            f"{week.title}: {tally.on_time} {words[Mark.ON_TIME]}, {tally.late} "
            f"{words[Mark.LATE]}, {tally.missing} {rest} ({share}%)"
        )
        x = LEFT + GAP + n * (BAR + GAP)
        bars.append(
            Bar(x, base - on_h, on_h, base - on_h - late_h, late_h, share, week.day, title)
        )
    right = LEFT + GAP + len(weeks) * (BAR + GAP)
    scale = tuple((base - HEIGHT * p / 100, f"{p}%") for p in (0, 50, 100))
    return Chart(right + 4, base + BOTTOM, tuple(bars), scale, base, right)
