"""Entry points behind QR codes: one opaque code per campaign, document or section, and per
unit that prints it (a ward's poster counts its comments for the ward)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.codes import ENTRY_LENGTH, random_code
from storage.dialect import dialect_insert, insert_ignore
from storage.models import Campaign, Document, EntryKind, EntryPoint, Section, Unit


@dataclass(frozen=True, slots=True)
class Target:
    """What a comment is about: a campaign, optionally one of its documents and a section."""

    campaign: Campaign
    document: Document | None = None
    section: Section | None = None

    @property
    def key(self) -> str:
        """``c3``, ``c3.d7`` or ``c3.d7.s21``: one entry point per target."""
        parts = [f"c{self.campaign.id}"]
        if self.document is not None:
            parts.append(f"d{self.document.id}")
        if self.section is not None:
            parts.append(f"s{self.section.id}")
        return ".".join(parts)


@dataclass(frozen=True, slots=True)
class Entry:
    """A poster's code read back: what it is about, and the unit that printed it (None: a
    campaign-wide code, from television or a newspaper, which does not know the place)."""

    target: Target
    unit: Unit | None = None


def entry_key(target: Target, unit: Unit | None = None) -> str:
    """``c3.d7.s21`` for a campaign-wide code, ``c3.d7.s21.u5`` for unit 5's poster.

    A poster of the campaign's own unit is campaign-wide: a comment counted for the campaign's
    unit is one whose place is not known more precisely. ``unit`` is the campaign's unit or
    below it (the callers check).
    """
    if unit is None or unit.id == target.campaign.unit_id:
        return target.key
    return f"{target.key}.u{unit.id}"


async def entry_for(
    *, session: AsyncSession, target: Target, now: datetime, unit: Unit | None = None
) -> EntryPoint:
    """The entry point of ``target`` printed by ``unit``, created on first use; a reprinted
    poster keeps its code."""
    key = entry_key(target, unit)
    found = await _by_target(session, key)
    if found is not None:
        return found
    for _attempt in range(8):
        await session.execute(insert_ignore(session, EntryPoint, **_row(key, target, unit, now)))
        found = await _by_target(session, key)
        if found is not None:
            return found
        # Nothing inserted and still no entry: the random code was taken. Draw again.
    raise RuntimeError("could not draw a free entry code")


def _row(key: str, target: Target, unit: Unit | None, now: datetime) -> dict[str, Any]:
    """A new entry point's columns, with a freshly drawn code."""
    return {
        "code": random_code(ENTRY_LENGTH),
        "target": key,
        "kind": EntryKind.COMMENT,
        "campaign_id": target.campaign.id,
        "document_id": target.document.id if target.document else None,
        "section_id": target.section.id if target.section else None,
        "unit_id": unit.id if unit is not None and unit.id != target.campaign.unit_id else None,
        "created_at": now,
    }


async def entries_for(
    *, session: AsyncSession, posters: Sequence[tuple[Target, Unit | None]], now: datetime
) -> dict[str, EntryPoint]:
    """The entry points of many posters at once (the desk's PDF), by key, created on first
    use as ``entry_for`` creates one: one read, an insert per hundred missing, and
    ``entry_for`` again for any whose drawn code was taken."""
    wanted = {entry_key(target, unit): (target, unit) for target, unit in posters}
    found = await entries_made(session=session, keys=list(wanted))
    missing = [key for key in wanted if key not in found]
    for start in range(0, len(missing), _ROWS_AT_ONCE):
        rows = [_row(key, *wanted[key], now) for key in missing[start : start + _ROWS_AT_ONCE]]
        insert = dialect_insert(session)(EntryPoint).values(rows).on_conflict_do_nothing()
        await session.execute(insert)
    if missing:
        found = await entries_made(session=session, keys=list(wanted))
    for key, (target, unit) in wanted.items():
        if key not in found:
            found[key] = await entry_for(session=session, target=target, now=now, unit=unit)
    return found


# Rows of one INSERT: 8 columns each, well within SQLite's bound parameters.
_ROWS_AT_ONCE = 100


async def entries_made(*, session: AsyncSession, keys: Sequence[str]) -> dict[str, EntryPoint]:
    """The entry points already made for ``keys`` (``entry_key``), by key; reads only."""
    found: dict[str, EntryPoint] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), _KEYS_AT_ONCE):
        chunk = wanted[start : start + _KEYS_AT_ONCE]
        result = await session.execute(select(EntryPoint).where(col(EntryPoint.target).in_(chunk)))
        found.update((entry.target, entry) for entry in result.scalars().all())
    return found


# Bound parameters per query: SQLite's limit is far above, a page of posters far below.
_KEYS_AT_ONCE = 500


async def _by_target(session: AsyncSession, key: str) -> EntryPoint | None:
    result = await session.execute(select(EntryPoint).where(EntryPoint.target == key))
    return result.scalar_one_or_none()


async def resolve_entry(*, session: AsyncSession, code: str) -> Entry | None:
    """What a poster's code is about and who printed it, or None for an unknown code (or a
    dropped section)."""
    result = await session.execute(
        select(EntryPoint, Campaign, Document, Section)
        .join(Campaign, Campaign.id == EntryPoint.campaign_id)  # type: ignore[arg-type]
        .outerjoin(Document, Document.id == EntryPoint.document_id)  # type: ignore[arg-type]
        .outerjoin(Section, Section.id == EntryPoint.section_id)  # type: ignore[arg-type]
        .where(EntryPoint.code == code)
    )
    row = result.first()
    if row is None:
        return None
    entry, campaign = row[0], row[1]
    # Outer joins: a document or section dropped from the campaign since the poster was printed.
    document: Document | None = row[2]
    section: Section | None = row[3]
    if (entry.document_id is not None and document is None) or (
        entry.section_id is not None and section is None
    ):
        return None
    # A campaign-wide code (the most scanned: television, newspapers) needs no second look.
    unit = await session.get(Unit, entry.unit_id) if entry.unit_id is not None else None
    return Entry(Target(campaign, document, section), unit)


async def target_of(
    *,
    session: AsyncSession,
    campaign_id: int,
    document_id: int | None = None,
    section_id: int | None = None,
) -> Target | None:
    """A target from ids (a button, a draft), checked to belong together; None if not.

    One query: every update of a comment in progress asks for its target again.
    """
    query = select(Campaign, Document, Section).where(Campaign.id == campaign_id)
    query = query.outerjoin(
        Document,
        (col(Document.id) == document_id) & (col(Document.campaign_id) == Campaign.id),
    ).outerjoin(
        Section,
        (col(Section.id) == section_id) & (col(Section.document_id) == Document.id),
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    campaign = row[0]
    document: Document | None = row[1]
    section: Section | None = row[2]
    if (document_id is not None and document is None) or (
        section_id is not None and section is None
    ):
        return None
    return Target(campaign, document, section)
