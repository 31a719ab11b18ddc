"""A draft's full text named by a campaign file (``file:``): read from disk, typed by its bytes.

The type is what the bytes say, never the name: ``%PDF-`` opens a PDF, and a DOCX is a ZIP
holding ``word/document.xml``. A ward office renames files freely (``du-thao.pdf`` that is a
Word file, ``bao-cao`` with no extension), and a browser must be told the truth.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bot.cli_i18n import _

MAX_MB = 25
MAX_BYTES = MAX_MB * 1024 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}


class NotADraft(ValueError):
    """The named file cannot be a draft's full text; the message says why, in the CLI's
    language."""


@dataclass(frozen=True, slots=True)
class DraftUpload:
    """A file read and typed, ready for ``storage.drafts.store_file``."""

    name: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The content type the bytes prove (PDF or DOCX), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Only the central directory is read: nothing is unpacked.
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return None
    return DOCX if "word/document.xml" in names else None


def stored_name(path: Path, content_type: str) -> str:
    """The file's own name (NFC) with the extension of its real type: ``Dự thảo.docx``."""
    stem = unicodedata.normalize("NFC", path.stem if path.suffix else path.name)[:200]
    return (stem or "du-thao") + _EXTENSIONS[content_type]


def read_draft(path: Path, *, shown: str) -> DraftUpload:
    """Read ``path`` (``shown`` is how the campaign file wrote it, for messages)."""
    try:
        if not path.is_file():
            raise NotADraft(
                _(
                    "there is no file {name} (the path is relative to the campaign file)",
                    name=shown,
                )
            )
        if path.stat().st_size > MAX_BYTES:
            raise NotADraft(_("{name} is larger than {limit} MB", name=shown, limit=MAX_MB))
        with path.open("rb") as source:
            # One byte more than allowed: a file that grew since stat() is still caught.
            data = source.read(MAX_BYTES + 1)
    except OSError:
        raise NotADraft(_("{name} cannot be read", name=shown)) from None
    if len(data) > MAX_BYTES:
        raise NotADraft(_("{name} is larger than {limit} MB", name=shown, limit=MAX_MB))
    content_type = sniff(data)
    if content_type is None:
        raise NotADraft(_("{name} is neither a PDF nor a Word (DOCX) file", name=shown))
    return DraftUpload(stored_name(path, content_type), content_type, data)
