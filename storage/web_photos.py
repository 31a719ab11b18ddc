"""Photos sent with a web comment: read by decoding them (never by the type a browser
declares), and kept as a clean JPEG without the metadata a phone writes into its photos.

A citizen's phone photo carries EXIF: where it was taken (GPS), when, and the phone's make
and serial numbers. That is personal data the comment does not need, so the photo is decoded
and encoded again from its pixels alone, turned upright first (the orientation is EXIF too)
and scaled down to what a screen shows. The messengers keep chat photos by ``file_id``;
nobody keeps a browser's, so the bytes go into ``AttachmentBlob``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comments import Attachment
from storage.models import AttachmentBlob, CommentAttachment

# What a browser may send: decoded by Pillow's plugins for these formats only.
FORMATS = ("JPEG", "PNG", "WEBP")
# Kept at most this many pixels on the long side: sharp on any phone or laptop screen.
LONG_SIDE = 2048
# Refused above this before decoding: 12-36 megapixel phone cameras pass; a small file
# that claims a giant picture (a decompression bomb) does not.
MAX_PIXELS = 40_000_000
# A PNG or WebP is decoded whole (a JPEG at a fraction of its size): 4 bytes a pixel, and a
# tiny file can claim a huge flat picture. Screenshots and A4 pages scanned at 400 dpi pass.
MAX_WHOLE_PIXELS = 4096 * 4096
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"
_WIDE_GREY = ("I", "I;16", "I;16L", "I;16B", "I;16N")  # Pillow's modes of a 16-bit grey PNG
WEB_PREFIX = "web:"  # the ``file_id`` of a web photo: not a messenger's id


class PhotoProblem(StrEnum):
    TOO_BIG = "too_big"  # the file, or the picture it claims to hold
    NOT_AN_IMAGE = "not_an_image"  # not JPEG, PNG or WebP, or damaged


class PhotoRefused(ValueError):
    def __init__(self, problem: PhotoProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    """A photo as gopy keeps it: JPEG bytes, and their sha256 that names them."""

    data: bytes
    sha256: str

    @property
    def attachment(self) -> Attachment:
        """How the comment lists it (and its fingerprint counts it), as chat's photos."""
        return Attachment("photo", f"{WEB_PREFIX}{self.sha256[:32]}", self.sha256)


def is_web_photo(file_id: str) -> bool:
    return file_id.startswith(WEB_PREFIX)


def clean_photo(data: bytes, *, max_bytes: int) -> CleanPhoto:
    """The photo in ``data`` re-encoded without metadata, or ``PhotoRefused``.

    CPU-bound (a phone photo takes a few tenths of a second): call it off the event loop.
    """
    if len(data) > max_bytes:
        raise PhotoRefused(PhotoProblem.TOO_BIG)
    try:
        # verify() checks the file's structure (PNG's checksums, say) without decoding it,
        # and leaves the image unusable: it is opened again to decode.
        with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            bound = MAX_PIXELS if image.format == "JPEG" else MAX_WHOLE_PIXELS
            if width * height > bound:
                raise PhotoRefused(PhotoProblem.TOO_BIG)
            # A JPEG is decoded straight at a fraction of its size (no-op for the others).
            image.draft("RGB", (LONG_SIDE, LONG_SIDE))
            image.load()
            # Scaled down first, so that every copy after it is of the small picture: a PNG
            # of 40 megapixels is 160 MB decoded, and each full-size copy as much again.
            small = _eight_bit(image)
            small.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
            return _encode(_flat(ImageOps.exif_transpose(small)))
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Beyond Pillow's own bound (tens of thousands of pixels a side): a bomb.
        raise PhotoRefused(PhotoProblem.TOO_BIG) from error
    except Exception as error:
        # Pillow's decoders raise many kinds of errors on a malformed file (OSError, SyntaxError,
        # struct.error, a decompression bomb's warning turned error...): all are a bad photo.
        raise PhotoRefused(PhotoProblem.NOT_AN_IMAGE) from error


def _eight_bit(image: Image.Image) -> Image.Image:
    """The decoded picture in a mode that scales smoothly: 8-bit grey or colour, with its
    transparency as alpha (a palette or a single bit scales only by dropping pixels)."""
    if image.mode in _WIDE_GREY:
        # A scanner's 16-bit grey PNG: levels up to 65535, which a conversion to 8 bits clips
        # (all but the darkest come out white). Scaled instead.
        return image.convert("I").point(lambda level: level / 256).convert("L")
    # An alpha channel, or PNG's other transparency: a palette entry, grey or colour
    # declared transparent (``transparency`` in ``info``, any mode).
    if image.mode in ("LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    if image.mode in ("1", "P"):
        return image.convert("RGB")
    return image


def _flat(image: Image.Image) -> Image.Image:
    """RGB, transparent parts on white, as a page shows them (not black, as RGB would)."""
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image) -> CleanPhoto:
    out = io.BytesIO()
    # A new image from the pixels carries no EXIF, XMP, ICC profile or comment.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    data = out.getvalue()
    return CleanPhoto(data, hashlib.sha256(data).hexdigest())


async def keep_photos(
    *, session: AsyncSession, rows: Sequence[CommentAttachment], photos: Sequence[CleanPhoto]
) -> None:
    """The bytes of each photo, beside the attachment row that lists it."""
    session.add_all(
        AttachmentBlob(attachment_id=row.id, content_type=CONTENT_TYPE, data=photo.data)
        for row, photo in zip(rows, photos, strict=True)
        if row.id is not None
    )
    await session.flush()


async def comment_photos(
    *, session: AsyncSession, comment_id: int
) -> list[tuple[CommentAttachment, AttachmentBlob | None]]:
    """The photos of a comment in the order sent, each with its bytes when gopy keeps them
    (a web photo; a chat photo is the messenger's, by ``file_id``)."""
    result = await session.execute(
        select(CommentAttachment, AttachmentBlob)
        .outerjoin(AttachmentBlob, col(AttachmentBlob.attachment_id) == CommentAttachment.id)
        .where(CommentAttachment.comment_id == comment_id, CommentAttachment.kind == "photo")
        .order_by(col(CommentAttachment.position))
    )
    return [(attachment, blob) for attachment, blob in result.all()]


async def blob_of(*, session: AsyncSession, attachment_id: int) -> AttachmentBlob | None:
    return await session.get(AttachmentBlob, attachment_id)
