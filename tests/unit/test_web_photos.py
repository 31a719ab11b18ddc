"""Web photos are read by decoding them, and kept as a clean JPEG: no GPS, upright, bounded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, TiffImagePlugin

from storage.web_photos import (
    LONG_SIDE,
    MAX_PIXELS,
    PhotoProblem,
    PhotoRefused,
    clean_photo,
    is_web_photo,
)

LIMIT = 5 << 20
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def phone_photo(orientation: int = 1, size: tuple[int, int] = (400, 300)) -> bytes:
    """A JPEG as a phone writes it: EXIF with where it was taken, the make, an orientation."""
    image = Image.new("RGB", size, "navy")
    image.paste((255, 200, 0), (0, 0, size[0] // 4, size[1] // 4))  # a mark in a corner
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (
                TiffImagePlugin.IFDRational(21),
                TiffImagePlugin.IFDRational(2),
                TiffImagePlugin.IFDRational(0),
            ),
            3: "E",
            4: (
                TiffImagePlugin.IFDRational(105),
                TiffImagePlugin.IFDRational(51),
                TiffImagePlugin.IFDRational(0),
            ),
        }
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def _encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 0) if mode == "RGBA" else "green").save(out, fmt)
    return out.getvalue()


def test_a_phone_photo_loses_its_gps_and_metadata_and_stands_upright() -> None:
    raw = phone_photo(orientation=6)  # the phone was held sideways: turn it 90°
    assert b"PhoneMaker" in raw and b"taken at home" in raw, "the fixture carries them"
    clean = clean_photo(raw, max_bytes=LIMIT)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG"
        assert image.size == (300, 400), "turned upright, the orientation tag applied"
        assert not image.getexif(), "no EXIF at all"
        assert not image.getexif().get_ifd(GPS_IFD)
        assert "icc_profile" not in image.info and "comment" not in image.info
    assert b"PhoneMaker" not in clean.data and b"taken at home" not in clean.data
    assert b"Exif" not in clean.data


def test_the_same_photo_is_the_same_attachment_and_names_its_bytes() -> None:
    raw = phone_photo()
    first, again = clean_photo(raw, max_bytes=LIMIT), clean_photo(raw, max_bytes=LIMIT)
    assert first == again, "re-encoding is deterministic: a re-sent photo is a duplicate"
    attachment = first.attachment
    assert attachment.kind == "photo" and is_web_photo(attachment.file_id)
    assert attachment.file_unique_id == first.sha256 and len(first.sha256) == 64
    assert attachment.file_id == "web:" + first.sha256[:32]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_jpeg_png_and_webp_are_taken_and_kept_as_jpeg(fmt: str) -> None:
    clean = clean_photo(_encoded(fmt), max_bytes=LIMIT)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)


def test_a_transparent_png_is_on_white() -> None:
    clean = clean_photo(_encoded("PNG", "RGBA"), max_bytes=LIMIT)
    with Image.open(io.BytesIO(clean.data)) as image:
        red, green, blue = image.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
        assert min(red, green, blue) > 240, "not black"


def _png(width: int, height: int, depth: int, colour: int, row: bytes) -> bytes:
    """A PNG written chunk by chunk, for the kinds Pillow does not write (16-bit grey)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + row for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _grey(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        red, green, blue = image.convert("RGB").getpixel((4, 4))  # type: ignore[misc]
    return red, green, blue


@pytest.mark.parametrize(("level", "seen"), [(0x0000, 0), (0x8000, 128), (0xFFFF, 255)])
def test_a_16_bit_grey_scan_keeps_its_greys(level: int, seen: int) -> None:
    """A scanner's 16-bit greyscale PNG (a handwritten letter) was kept all white: its
    levels of 0-65535 were clipped at 255 instead of scaled."""
    scan = _png(8, 8, 16, 0, level.to_bytes(2, "big") * 8)
    red, green, blue = _grey(clean_photo(scan, max_bytes=LIMIT).data)
    assert red == green == blue and abs(red - seen) <= 2


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_colour_marked_transparent_is_on_white(mode: str) -> None:
    """PNG's other transparency: one grey or colour declared transparent (tRNS), as a
    drawing exported on a clear background is. It showed as that colour, black here."""
    out = io.BytesIO()
    Image.new(mode, (8, 8), 0).save(out, "PNG", transparency=0 if mode == "L" else (0, 0, 0))
    assert min(_grey(clean_photo(out.getvalue(), max_bytes=LIMIT).data)) > 240


def test_a_large_photo_is_scaled_to_the_screen() -> None:
    clean = clean_photo(phone_photo(size=(4000, 3000)), max_bytes=LIMIT)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert max(image.size) == LONG_SIDE and image.size == (LONG_SIDE, 1536)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", PhotoProblem.NOT_AN_IMAGE),
        (b"<html>not a photo</html>", PhotoProblem.NOT_AN_IMAGE),
        (_encoded("GIF", "P"), PhotoProblem.NOT_AN_IMAGE),  # a real image, not a format taken
        (_encoded("BMP"), PhotoProblem.NOT_AN_IMAGE),
        (phone_photo()[:-400], PhotoProblem.NOT_AN_IMAGE),  # cut short in the middle
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, PhotoProblem.NOT_AN_IMAGE),  # a JPEG's start only
    ],
)
def test_what_is_not_a_photo_is_refused(data: bytes, problem: PhotoProblem) -> None:
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(data, max_bytes=LIMIT)
    assert refused.value.problem is problem


def test_too_many_bytes_are_refused_before_decoding() -> None:
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(phone_photo(), max_bytes=1000)
    assert refused.value.problem is PhotoProblem.TOO_BIG


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` (a decompression bomb)."""
    raw = bytearray(_encoded("PNG", "L", (8, 8)))
    body = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw[16:29] = body
    raw[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + body))
    return bytes(raw)


@pytest.mark.parametrize("side", [7_000, 12_000, 40_000])
def test_a_file_claiming_a_giant_picture_is_too_big(side: int) -> None:
    """Below Pillow's own bound (ours: 40 megapixels), past its warning, and past its error."""
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(_png_claiming(side, side), max_bytes=LIMIT)
    assert refused.value.problem is PhotoProblem.TOO_BIG


def test_a_png_decoded_whole_is_bounded_lower_than_a_jpeg_decoded_small() -> None:
    """A JPEG is decoded straight at a fraction of its size; a PNG or WebP only whole. A
    155 kB PNG of 6300×6300 (under 40 megapixels) took 640 MB to read: a few posted at once
    were enough to have the system kill gopy for its memory."""
    side = 6300
    flat = _png(side, side, 8, 6, bytes(side * 4))  # transparent black, compressed to nothing
    assert len(flat) < 200_000 and side * side <= MAX_PIXELS
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(flat, max_bytes=LIMIT)
    assert refused.value.problem is PhotoProblem.TOO_BIG
    # A photo's own size as a JPEG is read (as the phones' 12 to 36 megapixels are).
    out = io.BytesIO()
    Image.new("RGB", (side, side), "navy").save(out, "JPEG", quality=50)
    with Image.open(io.BytesIO(clean_photo(out.getvalue(), max_bytes=LIMIT).data)) as image:
        assert image.size == (LONG_SIDE, LONG_SIDE)


def test_a_screenshot_or_a_scanned_page_as_png_is_taken() -> None:
    """What a PNG from a citizen is: a tablet's screenshot, an A4 page scanned at 400 dpi."""
    for width, height in ((2048, 2732), (3307, 4677)):
        out = io.BytesIO()
        Image.new("L", (width, height), 250).save(out, "PNG")
        clean = clean_photo(out.getvalue(), max_bytes=LIMIT)
        with Image.open(io.BytesIO(clean.data)) as image:
            assert max(image.size) == LONG_SIDE


def _damaged(cut: tuple[int, bytes]) -> bytes:
    """A real photo (PNG or JPEG) with bytes overwritten at ``cut[0]``, or past its end."""
    at, garbage = cut
    raw = _encoded("PNG", size=(32, 32)) if at % 2 else phone_photo(size=(32, 32))
    return raw[:at] + garbage + raw[at + len(garbage) :]


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.tuples(st.integers(0, 3000), st.binary(min_size=1, max_size=40)).map(_damaged),
    )
)
def test_any_bytes_are_a_clean_photo_or_refused(data: bytes) -> None:
    """Never another error: a web form's garbage must not reach the server's error path."""
    try:
        clean = clean_photo(data, max_bytes=LIMIT)
    except PhotoRefused:
        return
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and not image.getexif()
