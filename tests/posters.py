"""Reading a PDF poster back as a person and a printer would: its page size, its text, and its
QR codes decoded from the page rendered by PDFium (the engine of Chrome's PDF viewer)."""

from __future__ import annotations

import io

import pypdfium2
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image

POINTS_PER_MM = 72 / 25.4
A5 = (148 * POINTS_PER_MM, 210 * POINTS_PER_MM)
A4 = (210 * POINTS_PER_MM, 297 * POINTS_PER_MM)


def rendered(pdf: bytes, dpi: int = 150) -> Image.Image:
    """The one page of ``pdf`` as pixels."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 1
        image: Image.Image = document[0].render(scale=dpi / 72).to_pil().convert("RGB")
        return image
    finally:
        document.close()


def codes(pdf: bytes, dpi: int = 150) -> list[str]:
    """The QR codes on the page, the biggest first."""
    return _sorted(zxingcpp.read_barcodes(rendered(pdf, dpi)))


def _sorted(found: list[zxingcpp.Barcode]) -> list[str]:
    def area(code: zxingcpp.Barcode) -> int:
        corner, far = code.position.top_left, code.position.bottom_right
        return (far.x - corner.x) * (far.y - corner.y)

    valid = [code for code in found if code.valid]
    return [code.text for code in sorted(valid, key=area, reverse=True)]


def pages(pdf: bytes, dpi: int = 150) -> list[tuple[list[str], str]]:
    """Each page of a document of posters: its QR codes (the biggest first) and its text."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil().convert("RGB")
            words = str(page.get_textpage().get_text_range())
            found.append((_sorted(zxingcpp.read_barcodes(image)), words))
        return found
    finally:
        document.close()


def decode_png(data: bytes) -> list[str]:
    """The QR codes of a PNG (the code alone, or the PNG poster), the biggest first."""
    return _sorted(zxingcpp.read_barcodes(png(data)))


def page_size(pdf: bytes) -> tuple[float, float]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        return float(width), float(height)
    finally:
        document.close()


def text(pdf: bytes) -> str:
    """The page's text layer, as a reader's copy and paste or a search gets it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return str(document[0].get_textpage().get_text_range())
    finally:
        document.close()


def images(pdf: bytes) -> int:
    """How many raster images the page draws (a vector poster has none)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        kinds = [shape.type for shape in document[0].get_objects(max_depth=5)]
        return kinds.count(pdfium_c.FPDF_PAGEOBJ_IMAGE)
    finally:
        document.close()


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
