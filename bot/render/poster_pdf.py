"""The poster as a print-ready PDF, A5 or A4: the shapes of ``bot.render.poster_layout`` in
vector form, text in embedded DejaVu Sans (selectable, sharp at any size) and QR codes as filled
rectangles, never an image."""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Sequence

from PIL import ImageFont
from reportlab.lib.pagesizes import A4, A5
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.render.fonts import FontFiles, font_files
from bot.render.poster_layout import (
    BLACK,
    DEEPEST,
    TALLEST,
    WIDTH,
    Code,
    Colour,
    Fill,
    Frame,
    Layout,
    Line,
    PaperSize,
    PosterCodes,
    PosterText,
    lay_out,
)
from bot.render.qr import qr_matrix
from bot.render.text_fit import Width

# Page sizes in points (1/72 inch): A5 148 × 210 mm, A4 210 × 297 mm.
PAGES: dict[PaperSize, tuple[float, float]] = {"a5": A5, "a4": A4}
# FreeType's outlines measured at this many pixels give the font's proportions.
PROBE_SIZE = 1000


class PdfMetrics:
    """Widths as reportlab sets them (the glyphs' advances); heights from the glyphs' outlines."""

    def __init__(self, files: FontFiles) -> None:
        self.files = files
        self.names = _registered(files)

    def name(self, *, bold: bool) -> str:
        return self.names[1] if bold else self.names[0]

    def width_at(self, size: int, *, bold: bool) -> Width:
        name = self.name(bold=bold)
        return functools.partial(_string_width, name=name, size=size)

    def ascent(self, size: int, *, bold: bool) -> float:
        return _extent(self.files, bold)[0] * size

    def descent(self, size: int, *, bold: bool) -> float:
        return _extent(self.files, bold)[1] * size


def render_poster_pdf(text: PosterText, codes: PosterCodes, *, size: PaperSize = "a5") -> bytes:
    """One page of ``size``, portrait, ready to print as it is."""
    return render_posters_pdf([(text, codes)], size=size)


def render_posters_pdf(
    posters: Sequence[tuple[PosterText, PosterCodes]], *, size: PaperSize = "a5"
) -> bytes:
    """One document with a page of ``size`` per poster, in order: the fonts are embedded
    once, however many posters (a ward's hundred cells print from one file)."""
    assert posters, "a document has at least one page"
    metrics = PdfMetrics(font_files())
    page_width, page_height = PAGES[size]
    unit = page_width / WIDTH  # points per design unit
    height = page_height / unit
    out = io.BytesIO()
    # invariant: no creation date or random id, so the same posters are the same bytes.
    canvas = Canvas(
        out,
        pagesize=(page_width, page_height),
        invariant=True,
        pageCompression=1,
        # Not Helvetica, reportlab's default: only DejaVu Sans is named in the file.
        initialFontName=metrics.name(bold=False),
    )
    first = posters[0][0]
    canvas.setTitle(first.title)
    if len(posters) == 1:
        canvas.setSubject(first.target)
    canvas.setAuthor(first.footer if all(t.footer == first.footer for t, _c in posters) else "")
    canvas.setCreator("gopy")
    for text, codes in posters:
        _draw(canvas, metrics, lay_out(text, codes, metrics, height=height), unit, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw(canvas: Canvas, metrics: PdfMetrics, layout: Layout, unit: float, height: float) -> None:
    """One poster on the canvas's current page."""
    canvas.saveState()
    canvas.scale(unit, unit)
    # Design units run downwards from the top; PDF's upwards from the bottom.
    for shape in layout.shapes:
        if isinstance(shape, Fill):
            _fill(canvas, shape.colour)
            canvas.rect(
                shape.x0,
                height - shape.y1,
                shape.x1 - shape.x0,
                shape.y1 - shape.y0,
                stroke=0,
                fill=1,
            )
        elif isinstance(shape, Frame):
            half = shape.thickness / 2
            canvas.setStrokeColorRGB(*_rgb(shape.colour))
            canvas.setLineWidth(shape.thickness)
            canvas.rect(
                shape.x0 + half,
                height - shape.y1 + half,
                shape.x1 - shape.x0 - shape.thickness,
                shape.y1 - shape.y0 - shape.thickness,
                stroke=1,
                fill=0,
            )
        elif isinstance(shape, Line):
            _fill(canvas, shape.colour)
            canvas.setFont(metrics.name(bold=shape.bold), shape.size)
            if shape.centred:
                canvas.drawCentredString(shape.x, height - shape.baseline, shape.text)
            else:
                canvas.drawString(shape.x, height - shape.baseline, shape.text)
        elif isinstance(shape, Code):
            _code(canvas, qr_matrix(shape.data), shape.x, height - shape.y, shape.side)
    canvas.restoreState()


def _code(
    canvas: Canvas, matrix: Sequence[Sequence[bool]], left: float, top: float, side: float
) -> None:
    """The dark modules as one path of rectangles, a run of modules in a row per rectangle:
    fewer shapes, and no hairline seams between neighbours in a row."""
    module = side / len(matrix)
    _fill(canvas, BLACK)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        y = top - (row_index + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            path.rect(left + start * module, y, (column - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def _fill(canvas: Canvas, colour: Colour) -> None:
    canvas.setFillColorRGB(*_rgb(colour))


def _rgb(colour: Colour) -> tuple[float, float, float]:
    red, green, blue = colour
    return red / 255, green / 255, blue / 255


def _string_width(text: str, *, name: str, size: int) -> float:
    return float(pdfmetrics.stringWidth(text, name, size))


@functools.cache
def _registered(files: FontFiles) -> tuple[str, str]:
    """reportlab's names of the regular and bold faces, registered once per file."""
    names = []
    for path in (files.regular, files.bold):
        # Another folder (GOPY_POSTER_FONT_DIR) is another font: the name says which file.
        name = f"{path.stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
        pdfmetrics.registerFont(TTFont(name, str(path)))
        names.append(name)
    return names[0], names[1]


@functools.cache
def _extent(files: FontFiles, bold: bool) -> tuple[float, float]:
    """Ascent of the tallest stacked marks and descent of the deepest letter, per unit of
    size; the same FreeType outlines the PNG poster is measured with."""
    face = ImageFont.truetype(str(files.bold if bold else files.regular), PROBE_SIZE)
    top = -face.getbbox(TALLEST, anchor="ls")[1]
    bottom = face.getbbox(DEEPEST, anchor="ls")[3]
    return top / PROBE_SIZE, bottom / PROBE_SIZE
