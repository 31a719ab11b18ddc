"""QR codes as PNG bytes, as a crisp image sized for a poster, as the module matrix a
vector painter draws, or as inline SVG for a web page."""

from __future__ import annotations

import html
import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage

# The quiet zone the QR specification asks for, in modules.
QUIET_ZONE = 4


def qr_png(data: str, *, scale: int = 10, border: int = QUIET_ZONE) -> bytes:
    """PNG bytes (1 bit per pixel) of a QR code of ``data``, ``scale`` pixels per module.

    Raises ``qrcode.exceptions.DataOverflowError`` when ``data`` does not fit a QR code.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    modules = _modules(data, border)
    image = modules.resize(
        (modules.width * scale, modules.height * scale), Image.Resampling.NEAREST
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def qr_image(data: str, *, box_px: int) -> Image.Image:
    """The code with its quiet zone, centred on a white ``box_px`` square, whole px per module.

    Scaling by a whole number of pixels keeps every module edge sharp for printing and scanning;
    what is left of the square is white and only widens the quiet zone.
    """
    modules = _modules(data, QUIET_ZONE)
    module_px = box_px // modules.width
    if module_px < 1:
        raise ValueError(f"{box_px} px cannot hold {modules.width} modules")
    side = modules.width * module_px
    code = modules.resize((side, side), Image.Resampling.NEAREST)
    square = Image.new("1", (box_px, box_px), 1)
    offset = (box_px - side) // 2
    square.paste(code, (offset, offset))
    return square


def qr_matrix(data: str, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules, row by row (True: dark), with a light border of ``border`` modules."""
    return [list(row) for row in _code(data, border).get_matrix()]


def qr_modules(data: str, *, border: int = QUIET_ZONE) -> int:
    """How many modules wide the code of ``data`` is, its border of ``border`` included."""
    return _code(data, border).modules_count + 2 * border


def qr_svg(data: str, *, border: int = QUIET_ZONE, title: str = "") -> str:
    """An ``<svg>`` element of the code, one unit per module, to put inline in a page: no
    image file to fetch (a page's policy may allow none), sharp at any size and in print.

    Each row's runs of dark modules are one path segment, so a 41-module code is a few
    hundred segments, not a rectangle per module. ``title`` (escaped here) is what a screen
    reader says.
    """
    matrix = qr_matrix(data, border=border)
    size = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    label = html.escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{label}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def _modules(data: str, border: int) -> Image.Image:
    """One pixel per module, mode "1", with a white border of ``border`` modules."""
    code = _code(data, border)
    # Drawn at one pixel per module and enlarged in C: the factory draws one rectangle per dark
    # module in Python, which at 10 px per module is most of the time of qrcode.make().
    image: Image.Image = code.make_image().get_image()
    return image


def _code(data: str, border: int) -> qrcode.QRCode[PilImage]:
    if border < 0:
        raise ValueError(f"border must not be negative, not {border}")
    # Level M restores up to 15 % of the modules: posters on a notice board get scuffed.
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        box_size=1,
        border=border,
        image_factory=PilImage,
    )
    code.add_data(data)
    code.make(fit=True)
    return code
