"""Who prints a campaign's posters, and whose they are: an official who reads the whole
campaign (of its unit or above it) prints campaign-wide codes; an official of a unit below it
(a ward in a city's consultation) prints their unit's, whose comments count for that unit.
The same rule as who reads the comments (``storage.comment_scope``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comment_scope import ReadingScope, readable_campaigns, reading_scope
from storage.completeness import subtree
from storage.drafts import files_of
from storage.entries import Target
from storage.models import Campaign, Unit
from storage.people import Member
from storage.units import in_tree_order


@dataclass(frozen=True, slots=True)
class Printer:
    """The official's unit (named on the poster) and the unit the code belongs to (None:
    campaign-wide)."""

    unit: Unit
    owner: Unit | None


async def printer(*, session: AsyncSession, member: Member, campaign: Campaign) -> Printer | None:
    """How ``member`` prints ``campaign``'s posters; None: not one of their campaigns."""
    scope = await reading_scope(session=session, member=member, campaign=campaign)
    return _printer_of(scope) if scope is not None else None


def _printer_of(scope: ReadingScope) -> Printer:
    return Printer(scope.unit, None if scope.whole else scope.unit)


@dataclass(frozen=True, slots=True)
class PosterReach:
    """Whose codes an official prints in a campaign, in bulk (the desk): the campaign-wide
    code when they read all of it (``printer.owner`` None, as ``/qr`` prints), and the own
    code of each unit in their part of its tree, whose comments then count for that unit
    (as ``gopy qr --unit``)."""

    printer: Printer
    # (unit, depth below the first listed), parents first; the campaign's own unit is left
    # out: its code is the campaign-wide one.
    units: tuple[tuple[Unit, int], ...]

    @property
    def campaign_wide(self) -> bool:
        return self.printer.owner is None


async def poster_reach(
    *, session: AsyncSession, member: Member, campaign: Campaign
) -> PosterReach | None:
    """What ``member`` may print for ``campaign``; None: not one of their campaigns."""
    scope = await reading_scope(session=session, member=member, campaign=campaign)
    if scope is None:
        return None
    roots = [campaign.unit_id] if scope.whole else [r.id for r in scope.roots if r.id is not None]
    tree = subtree(roots)
    result = await session.execute(
        select(Unit).where(
            col(Unit.id).in_(sa_select(tree.c.id)), col(Unit.id) != campaign.unit_id
        )
    )
    units = tuple(in_tree_order(list(result.scalars().all())))
    return PosterReach(_printer_of(scope), units)


async def printable_campaigns(
    *, session: AsyncSession, member: Member, limit: int = 10
) -> list[Campaign]:
    """The latest campaigns ``member`` may print posters for: those whose comments they read
    (run by their unit, above it or below it)."""
    return await readable_campaigns(session=session, member=member, limit=limit)


async def has_hosted_draft(*, session: AsyncSession, target: Target) -> bool:
    """Whether gopy keeps the full text of the poster's document (its second code points
    there)."""
    document = target.document
    if document is None or document.id is None:
        return False
    return document.id in await files_of(session=session, document_ids=[document.id])
