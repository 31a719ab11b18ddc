"""The addresses gopy prints and links to, built in one place: a poster's landing page, the
full draft behind it, and the status page of a web comment's receipt.

Paths are relative to the public address (``Settings.public_base``); the web routes are
registered from the same patterns, so a printed link and its route cannot drift apart.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from storage.codes import LANDING_PREFIX, entry_label

# aiohttp route patterns. {code} is the printed label (GY-7K3QM, any case or spacing the
# route accepts), {receipt} a comment's receipt (YK-…), {document} a document's code.
# The landing prefix is storage.codes', whose parser reads a typed short URL back.
LANDING_ROUTE = LANDING_PREFIX + "{code}"
DRAFT_ROUTE = LANDING_ROUTE + "/draft"
DOCUMENT_ROUTE = DRAFT_ROUTE + "/{document}"
RECEIPT_ROUTE = LANDING_ROUTE + "/r/{receipt}"


def landing_path(code: str) -> str:
    """``/q/GY-7K3QM`` for the entry code ``7K3QM``."""
    return LANDING_PREFIX + entry_label(code)


def draft_path(code: str, document_code: str | None = None) -> str:
    """The full draft the poster points to (or one document of a campaign-wide poster)."""
    path = f"{landing_path(code)}/draft"
    return f"{path}/{quote(document_code, safe='')}" if document_code else path


def receipt_path(code: str, receipt: str) -> str:
    return f"{landing_path(code)}/r/{quote(receipt, safe='')}"


def absolute(base: str, path: str) -> str:
    return base.rstrip("/") + path


def mount_point(base: str | None) -> str:
    """The path gopy is published under (``/gop-y`` for ``https://so.hanoi.gov.vn/gop-y``),
    empty at a host's root. The reverse proxy strips it before gopy sees a request (as for the
    webhook), so routes stay at the root while the links pages print must carry it."""
    return urlsplit(base).path.rstrip("/") if base else ""
