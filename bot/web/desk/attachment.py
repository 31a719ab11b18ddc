"""A file the desk hands out (a report, a PDF of posters): saved, never shown in the page,
named for every browser, and kept by no cache on the way."""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
}
# What an old browser's plain ``filename="…"`` may hold: no quote, backslash or control.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_name(filename: str) -> str:
    """``bao-cao-ngocha.docx`` as it is; other letters become ``_`` (``filename*`` keeps
    them for the browsers that read it)."""
    return _UNSAFE.sub("_", filename).strip("._") or "file"


def attachment(data: bytes, *, filename: str, fmt: str) -> web.Response:
    """``data`` to save as ``filename`` (its type from ``fmt``, a key of ``CONTENT_TYPES``)."""
    disposition = (
        f'attachment; filename="{ascii_name(filename)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
    response = web.Response(
        body=data,
        content_type=CONTENT_TYPES[fmt],
        charset="utf-8" if fmt == "csv" else None,
    )
    response.headers.update(
        {
            "Content-Disposition": disposition,
            # A report names people and what they wrote: no shared cache keeps it.
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
    )
    return response
