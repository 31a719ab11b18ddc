"""An A5 print poster: campaign title, what to comment on, and the QR codes to scan."""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from dataclasses import dataclass, fields, replace
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from bot.render.fonts import font
from bot.render.qr import qr_image

# A5 portrait at 300 dpi: 148 × 210 mm.
DPI = 300
WIDTH, HEIGHT = 1748, 2480
MARGIN = 118  # 10 mm
CONTENT = WIDTH - 2 * MARGIN

RED = (200, 16, 46)  # #C8102E
YELLOW = (255, 209, 0)  # #FFD100
WHITE = (255, 255, 255)
INK = (28, 28, 30)
GREY = (90, 90, 96)
RULE = (205, 205, 210)

MAIN_QR_SHARE = 0.6  # of the page width
SIDE_QR_PX = 300
ELLIPSIS = "…"
# Probes for line metrics (never drawn): the tallest Vietnamese capitals carry two stacked marks
# above the cap height, and "ỵ" a dot below the descender.
TALLEST = "ẪỘỀẾỂỄỖ"
DEEPEST = "gjpqyỵ"
GLUED = frozenset({"—", "–", "-", ":"})
BREAK_AFTER = (".", ",", ";", ":", "!", "?", "—", "–", ")")

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class PosterText:
    """Every word on the poster, already translated."""

    title: str
    target: str
    call_to_action: str
    handle: str
    short_code_line: str
    full_text_label: str
    footer: str


def render_poster(
    text: PosterText,
    *,
    link: str,
    full_text_url: str | None,
    fmt: Literal["png", "pdf"] = "png",
) -> bytes:
    """The poster as PNG or one-page PDF bytes, A5 portrait at 300 dpi (1748 × 2480 px)."""
    text = _normalised(text)
    page = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(page)

    band_bottom = _draw_band(draw, text.title)
    footer_top = _draw_footer(draw, text.footer)

    target = _fit(text.target, bold=True, sizes=(66, 46), max_lines=4, fill=INK)
    action = _fit(text.call_to_action, bold=True, sizes=(100, 64), max_lines=2, fill=RED)
    short_code = _fit(text.short_code_line, bold=False, sizes=(44, 32), max_lines=2, fill=GREY)
    handle = _fit(text.handle, bold=True, sizes=(54, 36), max_lines=1, fill=INK)
    side = None
    if full_text_url is not None:
        side = _SideRow(qr_image(full_text_url, box_px=SIDE_QR_PX), text.full_text_label)

    # The space above each item. The main code brings its quiet zone (4 modules of white), so
    # the text above and below it needs no gap of its own.
    gaps = [56, 0, 0, 22, 8] + ([64] if side else []) + [48]
    heights = [target.height, action.height, short_code.height, handle.height]
    fixed = sum(heights) + (side.height if side else 0) + sum(gaps)
    room = footer_top - band_bottom
    # The main code takes what the text leaves, up to 60 % of the width.
    qr_px = min(round(WIDTH * MAIN_QR_SHARE), room - fixed)
    main = qr_image(link, box_px=qr_px)
    # What is still left goes around the groups, not inside them: the call to action, the
    # short code and the handle stay together under the code.
    shares = [2, 1, 1, 0, 0] + ([1] if side else []) + [2]
    spare = room - fixed - qr_px
    gaps = [gap + spare * share // sum(shares) for gap, share in zip(gaps, shares, strict=True)]

    space = iter(gaps)
    y = band_bottom + next(space)
    y = target.draw(draw, y) + next(space)
    page.paste(main, ((WIDTH - qr_px) // 2, y))
    y += qr_px + next(space)
    y = action.draw(draw, y) + next(space)
    y = short_code.draw(draw, y) + next(space)
    y = handle.draw(draw, y)
    if side is not None:
        gap = next(space)
        rule_y = y + gap // 2
        draw.line((MARGIN, rule_y, WIDTH - MARGIN, rule_y), RULE, 3)
        side.draw(page, draw, y + gap)

    return _encode(page, fmt)


# --- text -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """Wrapped lines in one font, drawn centred (or from ``left``) below a given top."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    fill: Colour

    @functools.cached_property
    def ascent(self) -> int:
        return -int(self.font.getbbox(TALLEST, anchor="ls")[1])

    @functools.cached_property
    def descent(self) -> int:
        return int(self.font.getbbox(DEEPEST, anchor="ls")[3])

    @functools.cached_property
    def pitch(self) -> int:
        # Baseline to baseline: stacked marks of one line clear the descenders of the one above.
        return self.ascent + self.descent + round(self.font.size * 0.08)

    @functools.cached_property
    def height(self) -> int:
        return self.ascent + self.pitch * (len(self.lines) - 1) + self.descent

    @functools.cached_property
    def width(self) -> int:
        return max(round(self.font.getlength(line)) for line in self.lines)

    def draw(self, draw: ImageDraw.ImageDraw, top: int, *, left: int | None = None) -> int:
        """Draw the lines from ``top``; the y just below the block."""
        baseline = top + self.ascent
        for line in self.lines:
            if left is None:
                draw.text((WIDTH / 2, baseline), line, font=self.font, fill=self.fill, anchor="ms")
            else:
                draw.text((left, baseline), line, font=self.font, fill=self.fill, anchor="ls")
            baseline += self.pitch
        return top + self.height


def _fit(
    text: str,
    *,
    bold: bool,
    sizes: tuple[int, int],
    max_lines: int,
    fill: Colour,
    width: int = CONTENT,
) -> _Block:
    """``text`` at the largest size in ``sizes`` that wraps to ``max_lines``, else cut with "…".

    A line fewer is worth up to 15 % of the size (an orphaned word looks worse than smaller
    letters); the lines are evened out so the last one is no stub, see ``_balanced``.
    """
    largest, smallest = sizes
    for size in range(largest, smallest - 1, -2):
        face = font(size, bold=bold)
        # Longer than all the lines together: no need to wrap it to know.
        if face.getlength(text) > width * max_lines:
            continue
        lines = _wrap(text, face, width)
        if len(lines) <= max_lines:
            break
    else:
        face = font(smallest, bold=bold)
        lines = _wrap(text, face, width)[:max_lines]
        lines[-1] = _with_ellipsis(lines[-1], face, width)
        return _Block(tuple(lines), face, fill)
    for smaller in range(size - 2, max(smallest, round(size * 0.85)) - 1, -2):
        fewer = _wrap(text, font(smaller, bold=bold), width)
        if len(fewer) < len(lines):
            size, lines = smaller, fewer
            break
    count = len(lines)
    # Up to 10 % smaller letters buy breaks between phrases only ("… Phần I." / "Kết quả …").
    for smaller in range(size, max(smallest, round(size * 0.9)) - 1, -2):
        face = font(smaller, bold=bold)
        balanced, between_phrases = _balanced(text, face, width, count)
        if between_phrases:
            return _Block(tuple(balanced), face, fill)
    face = font(size, bold=bold)
    return _Block(tuple(_balanced(text, face, width, count)[0]), face, fill)


def _balanced(
    text: str, face: ImageFont.FreeTypeFont, width: int, count: int
) -> tuple[list[str], bool]:
    """``count`` even lines, broken after punctuation where that is not much worse; whether
    every break falls after punctuation.

    Least squares of the room left on each line (the last one included, so it is no stub), plus
    a penalty for a break inside a phrase: "… Phần I." / "Kết quả …", not "… Phần I. Kết" /
    "quả …". Widths are added up from the words; the result is measured again before use.
    """
    tokens = _tokens(text, face, width)
    greedy = _wrap(text, face, width)
    if count < 2 or len(tokens) <= count:
        return greedy, True
    ends = [0.0]
    for token in tokens:
        ends.append(ends[-1] + face.getlength(token))
    space = face.getlength(" ")
    mid_phrase = (width * 0.15) ** 2
    total = len(tokens)
    # cost[k][j]: the best way to set the first j tokens on k lines; start[k][j]: its last line.
    cost = [[math.inf] * (total + 1) for _ in range(count + 1)]
    start = [[0] * (total + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for lines in range(1, count + 1):
        for j in range(lines, total + 1):
            for i in range(j - 1, lines - 2, -1):
                used = ends[j] - ends[i] + space * (j - i - 1)
                if used > width:
                    break
                penalty = 0.0 if j == total or tokens[j - 1].endswith(BREAK_AFTER) else mid_phrase
                candidate = cost[lines - 1][i] + (width - used) ** 2 + penalty
                if candidate < cost[lines][j]:
                    cost[lines][j], start[lines][j] = candidate, i
    if math.isinf(cost[count][total]):
        return greedy, False
    result: list[str] = []
    j = total
    for lines in range(count, 0, -1):
        i = start[lines][j]
        result.append(" ".join(tokens[i:j]))
        j = i
    result.reverse()
    if any(face.getlength(line) > width for line in result):
        return greedy, False
    return result, all(line.endswith(BREAK_AFTER) for line in result[:-1])


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrap on spaces by measured width (what ``ImageDraw.textlength`` measures)."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text, face, width):
        candidate = f"{line} {token}" if line else token
        if line and face.getlength(candidate) > width:
            lines.append(line)
            line = token
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def _tokens(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The words; a word wider than the line (a long link or code) cut where it has to be."""
    tokens: list[str] = []
    for word in _words(text):
        rest = word
        while face.getlength(rest) > width:
            cut = _prefix_that_fits(rest, face, width)
            tokens.append(rest[:cut])
            rest = rest[cut:]
        tokens.append(rest)
    return tokens


def _words(text: str) -> list[str]:
    words: list[str] = []
    for word in text.split():
        if word in GLUED and words:
            # A dash stays at the end of the line before it instead of opening a line.
            words[-1] = f"{words[-1]}\N{NO-BREAK SPACE}{word}"
        else:
            words.append(word)
    return words


def _prefix_that_fits(word: str, face: ImageFont.FreeTypeFont, width: int) -> int:
    cut = len(word) - 1
    while cut > 1 and face.getlength(word[:cut]) > width:
        cut -= 1
    return cut


def _with_ellipsis(line: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """The line shortened by whole words (or letters, for one word) until "…" fits after it."""
    while line and face.getlength(line + ELLIPSIS) > width:
        head, _, _ = line.rpartition(" ")
        line = head if head else line[:-1]
    return line.rstrip(" \N{NO-BREAK SPACE},;:—–-") + ELLIPSIS


def _normalised(text: PosterText) -> PosterText:
    # Decomposed input (a base letter plus combining marks, as some keyboards and PDFs send it)
    # renders with misplaced marks; DejaVu has every precomposed Vietnamese letter.
    return replace(
        text,
        **{f.name: unicodedata.normalize("NFC", getattr(text, f.name)) for f in fields(text)},
    )


# --- page parts -------------------------------------------------------------------------------


def _draw_band(draw: ImageDraw.ImageDraw, title: str) -> int:
    """The red band with the title and the yellow rule; the y below them."""
    block = _fit(title, bold=True, sizes=(84, 56), max_lines=3, fill=WHITE)
    padding = 56
    band = padding + block.height + padding
    draw.rectangle((0, 0, WIDTH, band), fill=RED)
    block.draw(draw, padding)
    rule = 16
    draw.rectangle((0, band, WIDTH, band + rule), fill=YELLOW)
    return band + rule


def _draw_footer(draw: ImageDraw.ImageDraw, footer: str) -> int:
    """The issuing unit at the bottom above a thin red edge; the y above the footer."""
    block = _fit(footer, bold=False, sizes=(42, 32), max_lines=2, fill=GREY)
    edge = 22
    bottom_padding = 62
    top = HEIGHT - edge - bottom_padding - block.height
    block.draw(draw, top)
    draw.rectangle((0, HEIGHT - edge, WIDTH, HEIGHT), fill=RED)
    rule_y = top - 40
    draw.line((MARGIN, rule_y, WIDTH - MARGIN, rule_y), RULE, 3)
    return rule_y


@dataclass(frozen=True)
class _SideRow:
    """The smaller code to the full text, its label beside it, the pair centred."""

    code: Image.Image
    label_text: str
    gap: int = 44

    @functools.cached_property
    def label(self) -> _Block:
        width = CONTENT - self.code.width - self.gap
        return _fit(self.label_text, bold=True, sizes=(50, 34), max_lines=4, fill=INK, width=width)

    @functools.cached_property
    def height(self) -> int:
        return max(self.code.height, self.label.height)

    def draw(self, page: Image.Image, draw: ImageDraw.ImageDraw, top: int) -> None:
        label = self.label
        left = (WIDTH - (self.code.width + self.gap + label.width)) // 2
        page.paste(self.code, (left, top + (self.height - self.code.height) // 2))
        label.draw(
            draw, top + (self.height - label.height) // 2, left=left + self.code.width + self.gap
        )


def _encode(page: Image.Image, fmt: Literal["png", "pdf"]) -> bytes:
    out = io.BytesIO()
    if fmt == "pdf":
        # Pillow stores an RGB page as JPEG; 4:4:4 at quality 95 keeps the red band's edge, the
        # text and the QR modules free of visible artefacts. 300 dpi makes the page exactly A5.
        page.save(out, "PDF", resolution=DPI, quality=95, subsampling=0)
    else:
        # Level 3 takes about a third less time than the default 6 (Pillow's per-row filter
        # choice is the rest), for ≈ 180 kB instead of ≈ 135 kB.
        page.save(out, "PNG", dpi=(DPI, DPI), compress_level=3)
    return out.getvalue()
