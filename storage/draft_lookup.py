"""What a poster's code opens when someone asks for the full draft: the file gopy keeps, the
campaign's own address for it, or the landing page, where the drafts are listed to choose from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.drafts import DraftFile, files_of
from storage.entries import resolve_entry
from storage.models import Campaign, Document

# A document's code as campaign files write it (bot.importers.org.Code); anything else cannot
# name one, and is not worth a query.
_DOCUMENT_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True, slots=True)
class Hosted:
    """Serve this file."""

    file: DraftFile


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """The campaign gives only an address for the full text: send the reader there."""

    url: str


@dataclass(frozen=True, slots=True)
class Choose:
    """Not one draft to open (several, or none online): the landing page lists them."""


Draft = Hosted | Elsewhere | Choose


async def draft_of(
    *, session: AsyncSession, code: str, document_code: str | None = None
) -> Draft | None:
    """The full draft behind the poster code ``code`` (as ``entry_from_text`` gives it), or
    behind ``document_code`` among its campaign's documents; None if there is none such.

    A campaign-wide code opens the campaign's one hosted file, or its only document's address;
    with several drafts the reader chooses on the landing page.
    """
    entry = await resolve_entry(session=session, code=code)
    if entry is None:
        return None
    target = entry.target
    if document_code is not None:
        document = await _document(session, target.campaign, document_code)
        return None if document is None else await _of_document(session, document)
    if target.document is not None:
        return await _of_document(session, target.document)
    rows = await session.execute(
        select(Document).where(Document.campaign_id == target.campaign.id)
    )
    documents = list(rows.scalars().all())
    files = await files_of(session=session, document_ids=[d.id for d in documents if d.id])
    if len(files) == 1:
        return Hosted(next(iter(files.values())))
    if not files and len(documents) == 1 and documents[0].url:
        return Elsewhere(documents[0].url)
    return Choose()


async def _of_document(session: AsyncSession, document: Document) -> Draft:
    assert document.id is not None
    found = (await files_of(session=session, document_ids=[document.id])).get(document.id)
    if found is not None:
        return Hosted(found)
    return Elsewhere(document.url) if document.url else Choose()


async def _document(session: AsyncSession, campaign: Campaign, code: str) -> Document | None:
    """The campaign's document ``code``; typed in another case, if that names only one."""
    if not _DOCUMENT_CODE.fullmatch(code):
        return None
    rows = await session.execute(
        select(Document).where(
            Document.campaign_id == campaign.id,
            func.lower(col(Document.code)) == code.lower(),
        )
    )
    matches = list(rows.scalars().all())
    exact = [d for d in matches if d.code == code]
    if exact:
        return exact[0]
    return matches[0] if len(matches) == 1 else None
