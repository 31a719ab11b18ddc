"""Whose comments an official reads, answers and moderates: those placed in their unit's
subtree, in any campaign whose tree holds their unit (run by their unit, above it or below it).

A ward's official reads their ward's share of the city's consultation and never another
ward's; the campaign's own officials (and those above) read all of it. The one rule for
/comments and its counts, browsing, replies, hide/spam/restore, the comments export, groups of
opinions and posters. The consolidated report (/export) follows the report chain instead
(``storage.comments.overseen_by_unit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.completeness import subtree
from storage.models import Campaign, Comment, RoleKind, Unit
from storage.people import Member
from storage.units import ancestors


@dataclass(frozen=True, slots=True)
class ReadingScope:
    """What of ``campaign`` an official reads: the subtrees of ``roots`` (disjoint, by code).

    ``whole``: a root is the campaign's unit or above it, so every comment of the campaign is
    in scope (and ``roots`` is that one unit).
    """

    campaign: Campaign
    roots: tuple[Unit, ...]
    whole: bool
    # Every unit of a root's subtree → that root; empty when ``whole``.
    owners: Mapping[int, Unit] = field(default_factory=dict)

    @property
    def unit(self) -> Unit:
        """The unit the official acts for when one is needed (a root, the first by code)."""
        return self.roots[0]

    @property
    def within(self) -> tuple[int, ...] | None:
        """The roots' ids for ``latest_comments``/``export_views``; None: the whole campaign."""
        return None if self.whole else tuple(r.id for r in self.roots if r.id is not None)

    def root_of(self, comment: Comment) -> Unit | None:
        """The root whose subtree ``comment`` is placed in, None when it is out of scope."""
        if comment.campaign_id != self.campaign.id:
            return None
        if self.whole:
            return self.unit
        return self.owners.get(comment.unit_id) if comment.unit_id is not None else None

    def in_scope(self, comment: Comment) -> bool:
        return self.root_of(comment) is not None


async def _roots(
    session: AsyncSession, member: Member, campaign: Campaign
) -> tuple[list[Unit], bool]:
    """The official's units that read ``campaign``, and whether one reads all of it."""
    mine = {u.id: u for u in member.units(RoleKind.OFFICIAL)}
    owner = await session.get(Unit, campaign.unit_id) if mine else None
    if owner is None:
        return [], False
    # The nearest unit at or above the campaign's signs the answers (a ward's own campaign:
    # the ward, even for someone who is an official of the city too).
    for unit in [owner, *await ancestors(session=session, unit=owner)]:
        if unit.id in mine:
            return [mine[unit.id]], True
    below: list[tuple[Unit, set[int | None]]] = []
    for unit in mine.values():
        above = {u.id for u in await ancestors(session=session, unit=unit)}
        if owner.id in above:
            below.append((unit, above))
    # An official of a ward and of one of its cells reads the ward: the cell adds nothing.
    roots = [u for u, above in below if not any(o.id in above for o, _ in below)]
    return sorted(roots, key=lambda u: u.code), False


async def reading_scope(
    *, session: AsyncSession, member: Member, campaign: Campaign
) -> ReadingScope | None:
    """What of ``campaign`` the official reads; None: nothing (not an official in its tree)."""
    roots, whole = await _roots(session, member, campaign)
    if not roots:
        return None
    owners: dict[int, Unit] = {}
    if not whole:
        # A ward's few hundred cells: held in memory, so ``in_scope`` asks no more queries.
        for root in roots:
            assert root.id is not None
            tree = subtree(root.id)
            ids = (await session.execute(sa_select(tree.c.id))).scalars().all()
            owners.update((unit_id, root) for unit_id in ids)
    return ReadingScope(campaign, tuple(roots), whole, owners)


async def readable_campaign(
    *, session: AsyncSession, member: Member, campaign_id: int
) -> ReadingScope | None:
    """``reading_scope`` of the campaign with that id (a button's); None if unknown."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    return await reading_scope(session=session, member=member, campaign=campaign)


async def readable_campaigns(
    *, session: AsyncSession, member: Member, limit: int = 5
) -> list[Campaign]:
    """The latest campaigns the official reads some comments of (``reading_scope``).

    Campaigns are few (a handful a year per ward): filtering them here is cheaper than a
    recursive query over the unit tree.
    """
    if not member.has(RoleKind.OFFICIAL):
        return []
    result = await session.execute(
        select(Campaign).order_by(col(Campaign.starts_at).desc(), col(Campaign.id).desc())
    )
    found: list[Campaign] = []
    for campaign in result.scalars().all():
        roots, _whole = await _roots(session, member, campaign)
        if roots:
            found.append(campaign)
            if len(found) >= limit:
                break
    return found


@dataclass(frozen=True, slots=True)
class Readable:
    """A comment an official reads, with their scope of its campaign and the root of that
    scope it lies in: the unit that signs their answers to it."""

    comment: Comment
    scope: ReadingScope
    unit: Unit


async def readable_comment(
    *, session: AsyncSession, member: Member, receipt: str
) -> Readable | None:
    """The comment with ``receipt`` if the official reads it; None for no such comment and
    for one placed elsewhere alike (nothing tells another ward's comment exists)."""
    result = await session.execute(select(Comment).where(Comment.receipt == receipt))
    comment = result.scalar_one_or_none()
    if comment is None:
        return None
    scope = await readable_campaign(
        session=session, member=member, campaign_id=comment.campaign_id
    )
    unit = scope.root_of(comment) if scope is not None else None
    if scope is None or unit is None:
        return None
    return Readable(comment, scope, unit)
