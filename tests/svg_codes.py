"""Reading back a QR code drawn as inline SVG (``bot.render.qr.qr_svg``), as a phone's camera
would: the path's runs of modules painted as pixels, then decoded by ZXing."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw

_SIZE = re.compile(r'viewBox="0 0 (\d+) \d+"')
_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\d+z")


def svg_image(svg: str, scale: int = 8) -> Image.Image:
    size = _SIZE.search(svg)
    assert size is not None, svg[:200]
    side = int(size[1]) * scale
    image = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in (map(int, run) for run in _RUN.findall(svg)):
        draw.rectangle(
            (x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1), fill=0
        )
    return image


def decode_svg(svg: str) -> str:
    """The text of the one QR code in ``svg``."""
    found = [code.text for code in zxingcpp.read_barcodes(svg_image(svg)) if code.valid]
    assert len(found) == 1, found
    return found[0]
