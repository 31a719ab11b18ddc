"""Where everything goes on a poster, whoever paints it.

The words (``PosterText``), the codes (``PosterCodes``) and the font's ``Metrics`` give a list
of shapes in design units: pixels of an A5 page at 300 dpi, 1748 wide. The PNG painter
(``bot.render.poster``) draws them as they are; the PDF painter (``bot.render.poster_pdf``)
scales them to an A5 or A4 page, whose proportions are the same (ISO 216).
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass, fields, replace
from typing import Literal, Protocol

from bot.render.qr import qr_modules
from bot.render.text_fit import Width, fit

WIDTH = 1748
A5_HEIGHT = 2480
MARGIN = 118  # 10 mm
CONTENT = WIDTH - 2 * MARGIN

Colour = tuple[int, int, int]
RED: Colour = (200, 16, 46)  # #C8102E
YELLOW: Colour = (255, 209, 0)  # #FFD100
WHITE: Colour = (255, 255, 255)
INK: Colour = (28, 28, 30)
GREY: Colour = (90, 90, 96)
RULE: Colour = (205, 205, 210)
BLACK: Colour = (0, 0, 0)

PaperSize = Literal["a5", "a4"]

MAIN_QR_SHARE = 0.6  # of the page width, at most
# Below this the texts are set tighter (smaller, fewer lines): 55 mm on A5.
MIN_MAIN_QR = 650
# The code to the full draft: 25 mm on A5, larger when its address makes many modules, so that
# each stays at least 6 units (0.5 mm on A5, 0.7 mm on A4), up to 51 mm (an address of
# some 500 characters); whole units per module keep the PNG's modules sharp.
SIDE_QR = 300
SIDE_MODULE = 6
MAX_SIDE_QR = 600
CODE_FRAME = 6
# Probes for line metrics (never drawn): the tallest Vietnamese capitals carry two stacked marks
# above the cap height, and "ỵ" a dot below the descender.
TALLEST = "ẪỘỀẾỂỄỖ"
DEEPEST = "gjpqyỵ"


@dataclass(frozen=True)
class PosterText:
    """Every word on the poster, already translated (``bot.files`` chooses them)."""

    title: str
    target: str
    call_to_action: str
    # What to type when the code cannot be scanned (GY-7K3QM, /report), printed large.
    code: str
    code_hint: str
    full_text_label: str
    footer: str


@dataclass(frozen=True)
class PosterCodes:
    """What the poster's QR codes encode.

    ``link``: the big code (None: no code; the poster says what to type); ``printed``: the
    address printed under it; ``full_text``: the smaller code to the full draft.
    """

    link: str | None
    printed: str | None = None
    full_text: str | None = None


class Metrics(Protocol):
    """How wide, high and deep DejaVu Sans is, in design units, for one painter."""

    def width_at(self, size: int, *, bold: bool) -> Width: ...

    def ascent(self, size: int, *, bold: bool) -> float:
        """From the baseline to the top of the tallest stacked marks."""
        ...

    def descent(self, size: int, *, bold: bool) -> float:
        """From the baseline to the bottom of the deepest letter."""
        ...


# --- shapes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fill:
    """A filled rectangle from (x0, y0) to (x1, y1), y downwards."""

    x0: float
    y0: float
    x1: float
    y1: float
    colour: Colour


@dataclass(frozen=True, slots=True)
class Frame:
    """A rectangle's outline, ``thickness`` wide inside its edges."""

    x0: float
    y0: float
    x1: float
    y1: float
    colour: Colour
    thickness: float


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text on its baseline, centred on ``x`` or starting there."""

    text: str
    x: float
    baseline: float
    size: int
    bold: bool
    colour: Colour
    centred: bool


@dataclass(frozen=True, slots=True)
class Code:
    """A QR code with its quiet zone, filling the square of ``side`` from (x, y)."""

    data: str
    x: int
    y: int
    side: int


Shape = Fill | Frame | Line | Code


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    shapes: tuple[Shape, ...]


# --- text styles, by how tight the page is ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    largest: int
    smallest: int
    max_lines: int
    bold: bool
    colour: Colour


# The ladder of tightness: 0 roomy, 1 and 2 tighter (smaller, fewer lines); then LONG, for
# texts too long for any of them: smaller letters again, on as many lines as at 0.
TIGHTEST = 2
LONG = 3


def _styles(tight: int, *, scanned: bool) -> dict[str, _Style]:
    """The styles at ``tight`` (0 to ``LONG``); ``scanned``: there is a big code."""
    pick = min(tight, LONG)

    def style(steps: tuple[tuple[int, int, int], ...], bold: bool, colour: Colour) -> _Style:
        largest, smallest, lines = steps[pick]
        return _Style(largest, smallest, lines, bold, colour)

    # Without a code to scan, the code to type is the poster's centre.
    code = (
        ((150, 100, 2), (130, 96, 2), (110, 90, 2), (110, 90, 2))
        if scanned
        else ((240, 150, 2),) * 4
    )
    action = (
        ((92, 60, 2), (76, 60, 2), (60, 56, 1), (60, 56, 1)) if scanned else ((100, 64, 2),) * 4
    )
    return {
        "title": style(((84, 56, 3), (70, 56, 2), (56, 50, 2), (52, 42, 3)), True, WHITE),
        "target": style(((66, 46, 4), (56, 46, 3), (46, 42, 3), (44, 36, 4)), True, INK),
        # People type it: two lines hold any reasonable address, and the text cuts it where
        # it must (no hyphen to mistake for part of it).
        "printed": style(((48, 32, 2), (42, 30, 2), (36, 28, 2), (36, 28, 2)), False, INK),
        "action": style(action, True, RED),
        "code": style(code, True, INK),
        "hint": style(((44, 32, 2), (40, 32, 2), (34, 30, 2), (34, 30, 2)), False, GREY),
        "label": style(((50, 34, 4), (44, 34, 3), (38, 32, 3), (38, 32, 4)), True, INK),
        "footer": style(((46, 34, 2), (40, 32, 2), (34, 30, 2), (34, 30, 3)), True, INK),
    }


@dataclass(frozen=True)
class _Block:
    """Fitted lines in one style, placed centred (or from ``left``) below a given top."""

    lines: tuple[str, ...]
    size: int
    style: _Style
    metrics: Metrics
    # The text did not fit: its last line ends with "…".
    cut: bool = False

    @functools.cached_property
    def ascent(self) -> float:
        return self.metrics.ascent(self.size, bold=self.style.bold)

    @functools.cached_property
    def descent(self) -> float:
        return self.metrics.descent(self.size, bold=self.style.bold)

    @functools.cached_property
    def pitch(self) -> float:
        # Baseline to baseline: stacked marks of one line clear the descenders of the one above.
        return self.ascent + self.descent + round(self.size * 0.08)

    @functools.cached_property
    def height(self) -> float:
        return self.ascent + self.pitch * (len(self.lines) - 1) + self.descent

    @functools.cached_property
    def width(self) -> float:
        measure = self.metrics.width_at(self.size, bold=self.style.bold)
        return max(measure(line) for line in self.lines)

    def place(self, top: float, *, left: float | None = None) -> list[Line]:
        x, centred = (WIDTH / 2, True) if left is None else (left, False)
        bold, colour = self.style.bold, self.style.colour
        first = top + self.ascent
        return [
            Line(text, x, first + self.pitch * index, self.size, bold, colour, centred)
            for index, text in enumerate(self.lines)
        ]


def _block(text: str, style: _Style, metrics: Metrics, width: float = CONTENT) -> _Block:
    fitted = fit(
        text,
        width_at=functools.partial(_width_at, metrics, style.bold),
        sizes=(style.largest, style.smallest),
        max_lines=style.max_lines,
        width=width,
    )
    return _Block(fitted.lines, fitted.size, style, metrics, fitted.cut)


def _width_at(metrics: Metrics, bold: bool, size: int) -> Width:
    return metrics.width_at(size, bold=bold)


# --- the page --------------------------------------------------------------------------------


def lay_out(
    text: PosterText, codes: PosterCodes, metrics: Metrics, *, height: float = A5_HEIGHT
) -> Layout:
    """The poster's shapes on a page ``height`` design units high (A5: 2480, A4: 2472).

    The texts are set tighter (smaller, fewer lines) until the big code is big enough to scan;
    of the layouts where it is, the one that cuts the fewest texts with "…" (the loosest of
    equals): a tighter layout may set a long title whole that a looser one had to cut, and
    texts cut at every step get smaller letters on more lines (``LONG``).
    """
    text = _normalised(text)
    chosen: _Attempt | None = None
    tightest: _Attempt | None = None
    for tight in range(LONG + 1):
        attempt = _attempt(text, codes, metrics, height, tight)
        if tight == TIGHTEST:
            tightest = attempt
        if attempt.main_side is not None and attempt.main_side < MIN_MAIN_QR:
            continue
        if chosen is None or attempt.cut < chosen.cut:
            chosen = attempt
        if not chosen.cut:
            break
    # No layout leaves the big code big enough: the tightest comes closest.
    found = chosen or tightest
    assert found is not None
    return Layout(WIDTH, height, tuple(found.shapes))


@dataclass(frozen=True, slots=True)
class _Attempt:
    """The shapes at one tightness, the side of the big code (None: there is none), and how
    many texts were cut with "…"."""

    shapes: list[Shape]
    main_side: int | None
    cut: int


def _attempt(
    text: PosterText, codes: PosterCodes, metrics: Metrics, height: float, tight: int
) -> _Attempt:
    """The poster laid out at one tightness (0 to ``LONG``)."""
    styles = _styles(tight, scanned=codes.link is not None)
    shapes: list[Shape] = []
    title = _block(text.title, styles["title"], metrics)
    footer = _block(text.footer, styles["footer"], metrics)
    band_bottom = _band(shapes, title)
    footer_top = _footer(shapes, footer, height)

    target = _block(text.target, styles["target"], metrics)
    action = _block(text.call_to_action, styles["action"], metrics)
    code = _CodeBox(_block(text.code, styles["code"], metrics))
    hint = _block(text.code_hint, styles["hint"], metrics)
    printed = None
    if codes.link is not None and codes.printed:
        printed = _block(codes.printed, styles["printed"], metrics)
    side = None
    blocks = [title, footer, target, action, code.text, hint]
    if printed is not None:
        blocks.append(printed)
    if codes.full_text is not None:
        side_qr = _side_qr(codes.full_text)
        label_width = CONTENT - side_qr - _SideRow.gap
        label = _block(text.full_text_label, styles["label"], metrics, label_width)
        side = _SideRow(codes.full_text, label, side_qr)
        blocks.append(label)

    # Each item with the space above it and its share of what is left. The big code brings
    # its quiet zone (4 modules of white), so the text next to it needs no gap of its own.
    items: list[tuple[_Item, float, int]] = [(_Text(target), 56, 2)]
    if codes.link is not None:
        items.append((_Main(codes.link), 0, 1))
        if printed is not None:
            items.append((_Text(printed), 0, 0))
        items.append((_Text(action), 24, 1))
    else:
        items.append((_Text(action), 40, 2))
    items += [(code, 20, 0), (_Text(hint), 16, 0)]
    if side is not None:
        items.append((side, 64, 1))
    bottom_gap, bottom_share = 48, 2

    fixed = sum(item.height + gap for item, gap, _ in items) + bottom_gap
    room = footer_top - band_bottom
    main_side = None
    if codes.link is not None:
        # The big code takes what the text leaves, up to 60 % of the width.
        main_side = max(0, min(round(WIDTH * MAIN_QR_SHARE), int(room - fixed)))
    spare = max(0.0, room - fixed - (main_side or 0))
    shares = sum(share for _, _, share in items) + bottom_share

    y = band_bottom
    for item, gap, share in items:
        space = gap + spare * share / shares
        if isinstance(item, _SideRow):
            rule_y = y + space / 2
            shapes.append(Fill(MARGIN, rule_y - 1.5, WIDTH - MARGIN, rule_y + 1.5, RULE))
        y = item.place(shapes, y + space, main_side or 0)
    return _Attempt(shapes, main_side, sum(block.cut for block in blocks))


@functools.lru_cache(maxsize=256)  # asked once per tightness
def _side_qr(data: str) -> int:
    """The side of the code to the full draft: ``SIDE_QR``, or more for a long address."""
    return min(MAX_SIDE_QR, max(SIDE_QR, qr_modules(data) * SIDE_MODULE))


def _band(shapes: list[Shape], title: _Block) -> float:
    """The red band with the title and the yellow rule; the y below them."""
    padding = 56
    band = padding + title.height + padding
    shapes.append(Fill(0, 0, WIDTH, band, RED))
    shapes += title.place(padding)
    rule = 16
    shapes.append(Fill(0, band, WIDTH, band + rule, YELLOW))
    return band + rule


def _footer(shapes: list[Shape], footer: _Block, height: float) -> float:
    """The issuing unit at the bottom above a thin red edge; the y above the footer."""
    edge = 22
    bottom_padding = 62
    top = height - edge - bottom_padding - footer.height
    shapes += footer.place(top)
    shapes.append(Fill(0, height - edge, WIDTH, height, RED))
    rule_y = top - 40
    shapes.append(Fill(MARGIN, rule_y - 1.5, WIDTH - MARGIN, rule_y + 1.5, RULE))
    return rule_y


class _Item(Protocol):
    """One thing in the column between the band and the footer."""

    @property
    def height(self) -> float:
        """Its height, the big code's aside (it takes what is left)."""
        ...

    def place(self, shapes: list[Shape], top: float, main_side: int) -> float:
        """Add its shapes from ``top``; the y below it."""
        ...


@dataclass(frozen=True)
class _Text:
    block: _Block

    @property
    def height(self) -> float:
        return self.block.height

    def place(self, shapes: list[Shape], top: float, main_side: int) -> float:
        shapes += self.block.place(top)
        return top + self.block.height


@dataclass(frozen=True)
class _Main:
    """The big code, centred; whole design units, so the PNG keeps sharp modules."""

    data: str
    height = 0.0

    def place(self, shapes: list[Shape], top: float, main_side: int) -> float:
        y = math.ceil(top)  # not into the text above
        shapes.append(Code(self.data, round((WIDTH - main_side) / 2), y, main_side))
        return y + main_side


@dataclass(frozen=True)
class _CodeBox:
    """The code to type, framed like a ticket."""

    text: _Block
    pad_x: int = 56
    pad_y: int = 30

    @property
    def height(self) -> float:
        return self.text.height + 2 * (self.pad_y + CODE_FRAME)

    def place(self, shapes: list[Shape], top: float, main_side: int = 0) -> float:
        half = min(self.text.width / 2 + self.pad_x + CODE_FRAME, CONTENT / 2)
        bottom = top + self.height
        shapes.append(Frame(WIDTH / 2 - half, top, WIDTH / 2 + half, bottom, INK, CODE_FRAME))
        shapes += self.text.place(top + CODE_FRAME + self.pad_y)
        return bottom


@dataclass(frozen=True)
class _SideRow:
    """The smaller code to the full text, its label beside it, the pair centred."""

    data: str
    label: _Block
    side: int = SIDE_QR
    gap = 44

    @property
    def height(self) -> float:
        return max(self.side, self.label.height)

    def place(self, shapes: list[Shape], top: float, main_side: int = 0) -> float:
        side = self.side
        left = round((WIDTH - (side + self.gap + self.label.width)) / 2)
        shapes.append(Code(self.data, left, round(top + (self.height - side) / 2), side))
        label_top = top + (self.height - self.label.height) / 2
        shapes += self.label.place(label_top, left=left + side + self.gap)
        return top + self.height


def _normalised(text: PosterText) -> PosterText:
    # Decomposed input (a base letter plus combining marks, as some keyboards and PDFs send it)
    # renders with misplaced marks; DejaVu has every precomposed Vietnamese letter.
    return replace(
        text,
        **{f.name: unicodedata.normalize("NFC", getattr(text, f.name)) for f in fields(text)},
    )
