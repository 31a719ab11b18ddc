"""The poster as an A5 PNG at 300 dpi, for a chat or a screen: the shapes of
``bot.render.poster_layout`` painted with Pillow (the print-ready PDF is ``poster_pdf``)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from bot.render.fonts import font
from bot.render.poster_layout import (
    A5_HEIGHT,
    DEEPEST,
    TALLEST,
    WHITE,
    WIDTH,
    Code,
    Fill,
    Frame,
    Line,
    PosterCodes,
    PosterText,
    lay_out,
)
from bot.render.qr import qr_image
from bot.render.text_fit import Width

DPI = 300
HEIGHT = A5_HEIGHT


class PillowMetrics:
    """DejaVu Sans measured by FreeType through Pillow, one font object per size."""

    def __init__(self) -> None:
        self._fonts: dict[tuple[int, bool], ImageFont.FreeTypeFont] = {}

    def face(self, size: int, *, bold: bool) -> ImageFont.FreeTypeFont:
        found = self._fonts.get((size, bold))
        if found is None:
            found = self._fonts[(size, bold)] = font(size, bold=bold)
        return found

    def width_at(self, size: int, *, bold: bool) -> Width:
        return self.face(size, bold=bold).getlength

    def ascent(self, size: int, *, bold: bool) -> float:
        return -int(self.face(size, bold=bold).getbbox(TALLEST, anchor="ls")[1])

    def descent(self, size: int, *, bold: bool) -> float:
        return int(self.face(size, bold=bold).getbbox(DEEPEST, anchor="ls")[3])


def render_poster(text: PosterText, codes: PosterCodes) -> bytes:
    """The poster as PNG bytes, A5 portrait at 300 dpi (1748 × 2480 px)."""
    metrics = PillowMetrics()
    layout = lay_out(text, codes, metrics)
    page = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(page)
    for shape in layout.shapes:
        if isinstance(shape, Fill):
            # Pillow's rectangles include their last row and column.
            box = (round(shape.x0), round(shape.y0), round(shape.x1) - 1, round(shape.y1) - 1)
            draw.rectangle(box, fill=shape.colour)
        elif isinstance(shape, Frame):
            box = (round(shape.x0), round(shape.y0), round(shape.x1) - 1, round(shape.y1) - 1)
            draw.rectangle(box, outline=shape.colour, width=round(shape.thickness))
        elif isinstance(shape, Line):
            draw.text(
                (shape.x, shape.baseline),
                shape.text,
                font=metrics.face(shape.size, bold=shape.bold),
                fill=shape.colour,
                anchor="ms" if shape.centred else "ls",
            )
        elif isinstance(shape, Code):
            page.paste(qr_image(shape.data, box_px=shape.side), (shape.x, shape.y))
    out = io.BytesIO()
    # Level 3 takes about a third less time than the default 6 (Pillow's per-row filter
    # choice is the rest), for ≈ 180 kB instead of ≈ 135 kB.
    page.save(out, "PNG", dpi=(DPI, DPI), compress_level=3)
    return out.getvalue()
