"""The full text of a draft, kept by gopy: stored from the campaign's file, read back to serve.

A document has at most one file; storing another replaces it (its ``sha256`` names the
version, so a page can link to it and caches can keep it). Lists read the file's facts
without its bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import DocumentFile


@dataclass(frozen=True, slots=True)
class DraftFile:
    """A stored file's facts, without its bytes."""

    document_id: int
    name: str
    content_type: str
    size: int
    sha256: str


async def store_file(
    *,
    session: AsyncSession,
    document_id: int,
    name: str,
    content_type: str,
    data: bytes,
    now: datetime,
) -> DraftFile:
    """Keep ``data`` as the document's file; the same bytes again change nothing."""
    digest = hashlib.sha256(data).hexdigest()
    current = await files_of(session=session, document_ids=[document_id])
    kept = current.get(document_id)
    if kept is not None and kept.sha256 == digest and kept.name == name:
        return kept
    await session.execute(delete(DocumentFile).where(col(DocumentFile.document_id) == document_id))
    session.add(
        DocumentFile(
            document_id=document_id,
            name=name,
            content_type=content_type,
            sha256=digest,
            size=len(data),
            data=data,
            stored_at=now,
        )
    )
    await session.flush()
    return DraftFile(document_id, name, content_type, len(data), digest)


async def files_of(
    *, session: AsyncSession, document_ids: Collection[int]
) -> dict[int, DraftFile]:
    """The files of these documents, by document id (documents without one are absent)."""
    if not document_ids:
        return {}
    rows = await session.execute(
        sa_select(
            col(DocumentFile.document_id),
            col(DocumentFile.name),
            col(DocumentFile.content_type),
            col(DocumentFile.size),
            col(DocumentFile.sha256),
        ).where(col(DocumentFile.document_id).in_(list(document_ids)))
    )
    return {row[0]: DraftFile(*row) for row in rows.all()}


async def file_data(*, session: AsyncSession, document_id: int) -> tuple[DraftFile, bytes] | None:
    """The document's file with its bytes, or None."""
    row = (
        await session.execute(
            select(DocumentFile).where(col(DocumentFile.document_id) == document_id)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    facts = DraftFile(row.document_id, row.name, row.content_type, row.size, row.sha256)
    return facts, row.data


async def drop_files(*, session: AsyncSession, document_ids: Collection[int]) -> None:
    """Forget the files of these documents (a campaign file that no longer names one, or a
    document leaving the campaign: its row cannot go while a file points to it)."""
    if document_ids:
        await session.execute(
            delete(DocumentFile).where(col(DocumentFile.document_id).in_(list(document_ids)))
        )
