"""Who prints a campaign's posters, and whose they are: an official who reads the whole
campaign (of its unit or above it) prints campaign-wide codes; an official of a unit below it
(a ward in a city's consultation) prints their unit's, whose comments count for that unit.
The same rule as who reads the comments (``storage.comment_scope``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.comment_scope import readable_campaigns, reading_scope
from storage.drafts import files_of
from storage.entries import Target
from storage.models import Campaign, Unit
from storage.people import Member


@dataclass(frozen=True, slots=True)
class Printer:
    """The official's unit (named on the poster) and the unit the code belongs to (None:
    campaign-wide)."""

    unit: Unit
    owner: Unit | None


async def printer(*, session: AsyncSession, member: Member, campaign: Campaign) -> Printer | None:
    """How ``member`` prints ``campaign``'s posters; None: not one of their campaigns."""
    scope = await reading_scope(session=session, member=member, campaign=campaign)
    if scope is None:
        return None
    return Printer(scope.unit, None if scope.whole else scope.unit)


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
