"""Citizens' comments counted per place: a unit's subtree (the unit and every unit below it),
rolled up per unit right below it, and by stance, author category and medium.

Grouped in SQL: a city has a few thousand units but up to a million comments, so no comment
row ever reaches Python; only one row per (unit below, status, medium, stance, category).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from operator import add
from typing import Any

from sqlalchemy import CTE, Integer, String, case, func, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.campaigns import documents_of
from storage.comments import COUNTED
from storage.models import (
    AuthorCategory,
    Campaign,
    Comment,
    CommentMedium,
    CommentStatus,
    Stance,
    Unit,
)
from storage.units import is_within


@dataclass(frozen=True, slots=True)
class Tallied:
    """Comments on one document and section (None: on the whole document or campaign)."""

    document_id: int | None
    section_id: int | None
    shown: int
    hidden: int


@dataclass(slots=True)
class Place:
    """The comments counted for a unit right below the one asked about (its whole subtree)."""

    unit_id: int
    name: str
    total: int = 0
    by_medium: Counter[CommentMedium] = field(default_factory=Counter)
    by_stance: Counter[Stance] = field(default_factory=Counter)
    by_category: Counter[AuthorCategory] = field(default_factory=Counter)


@dataclass(slots=True)
class PlaceCounts:
    """The comments counted for a unit's subtree (withdrawn and spam left out).

    ``own``: those counted for the unit itself (for the campaign's unit: the place is not
    known); ``children``: one per unit right below, by code, zeros included.
    """

    unit_id: int
    total: int = 0
    hidden: int = 0
    own: int = 0
    children: list[Place] = field(default_factory=list)
    by_stance: Counter[Stance] = field(default_factory=Counter)
    by_category: Counter[AuthorCategory] = field(default_factory=Counter)
    by_medium: Counter[CommentMedium] = field(default_factory=Counter)

    @property
    def shown(self) -> int:
        return self.total - self.hidden


def rolled_up(root_id: int) -> CTE:
    """Every unit of ``root_id``'s subtree with ``top``: the unit right below the root it
    lies under (the root itself for the root)."""
    tree = (
        select(col(Unit.id).label("id"), col(Unit.id).label("top"))
        .where(col(Unit.id) == root_id)
        .cte("rolled", recursive=True)
    )
    below = select(
        col(Unit.id), case((tree.c.id == root_id, col(Unit.id)), else_=tree.c.top)
    ).where(col(Unit.parent_id) == tree.c.id)
    return tree.union_all(below)


def _window(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(col(Comment.created_at) >= since)
    if until is not None:
        query = query.where(col(Comment.created_at) <= until)
    return query


# What is counted for each unit besides its total, one column each: a unit's counts are one row.
TALLIES: tuple[tuple[Any, Any], ...] = (
    (None, col(Comment.status) == CommentStatus.HIDDEN),
    *((m, col(Comment.medium) == m) for m in CommentMedium),
    *((s, col(Comment.stance) == s) for s in Stance),
    *((c, col(Comment.category) == c) for c in AuthorCategory),
)

# Up to so many units a part of a campaign is read by its units' ids (``unit_id IN``);
# past it, the whole campaign, and the rows of units outside the part are dropped.
MAX_IDS = 2000


def place_query(
    campaign_id: int,
    since: datetime | None,
    until: datetime | None,
    statuses: tuple[CommentStatus, ...] = COUNTED,
    units: list[int] | None = None,
) -> Any:
    """One row per unit (``units``, or every unit of the campaign): its comments, then the
    hidden ones and one count per medium, stance and category (``TALLIES``).

    Grouped by ``unit_id`` alone, from ``ix_comment_unit_week`` alone (it holds every column
    used): no join to the unit tree, whose size PostgreSQL cannot guess (~29,000 rows for any
    recursive CTE: a nested loop over a million heap rows, 8 s for a city), and a city's
    roll-up sends 9,031 rows, not one per combination (472,000). Which unit right below the
    asked one each unit counts for is worked out in Python (``place_counts``).
    """
    query = select(
        col(Comment.unit_id),
        func.count(),
        *(func.count().filter(condition) for _key, condition in TALLIES),
    ).where(col(Comment.campaign_id) == campaign_id, col(Comment.status).in_(statuses))
    if units is not None:
        query = query.where(col(Comment.unit_id).in_(units))
    return _window(query, since, until).group_by(col(Comment.unit_id))


async def place_counts(
    *,
    session: AsyncSession,
    campaign: Campaign,
    unit: Unit,
    since: datetime | None = None,
    until: datetime | None = None,
    shown_only: bool = False,
) -> PlaceCounts:
    """The campaign's comments counted for ``unit``'s subtree, optionally only those sent in
    [``since``, ``until``], per unit right below it and by stance, category and medium
    (``shown_only``: hidden ones left out too, as letters do)."""
    assert unit.id is not None and campaign.id is not None
    statuses = (CommentStatus.RECEIVED,) if shown_only else COUNTED
    tops = await subtree_tops(session, unit.id)
    units = None
    if len(tops) <= MAX_IDS and not await covers_campaign(
        session=session, unit=unit, campaign=campaign
    ):
        units = list(tops)
    await no_jit(session)
    rows = (await session.execute(place_query(campaign.id, since, until, statuses, units))).all()
    children = await session.execute(
        select(col(Unit.id), col(Unit.name))
        .where(col(Unit.parent_id) == unit.id)
        .order_by(col(Unit.code))
    )
    counts = PlaceCounts(
        unit.id, children=[Place(i, name) for i, name in children.all() if i is not None]
    )
    places = {p.unit_id: p for p in counts.children}
    # Each unit's row added up per unit right below (None: the unit itself), column by column.
    sums: dict[int | None, list[int]] = {}
    for unit_id, *numbers in rows:
        top = tops.get(unit_id)
        if top is None:
            continue  # a comment of the campaign placed outside the subtree asked about
        key = top if top in places else None
        known = sums.get(key)
        sums[key] = numbers if known is None else list(map(add, known, numbers))
    for key, (total, hidden, *tallies) in sums.items():
        counts.hidden += hidden
        counts.own += total if key is None else 0
        for each in (counts,) if key is None else (counts, places[key]):
            each.total += total
            for (value, _condition), number in zip(TALLIES[1:], tallies, strict=True):
                if number:
                    _counter(each, value)[value] += number
    return counts


def _counter(place: Place | PlaceCounts, value: Any) -> Counter[Any]:
    if isinstance(value, CommentMedium):
        return place.by_medium
    return place.by_stance if isinstance(value, Stance) else place.by_category


async def subtree_tops(session: AsyncSession, root_id: int) -> dict[int, int]:
    """Every unit of ``root_id``'s subtree and the unit right below the root it lies under
    (the root for itself): a city's 9,031 units are read in a few milliseconds."""
    tree = rolled_up(root_id)
    return {i: top for i, top in (await session.execute(select(tree.c.id, tree.c.top))).all()}


async def subtree_ids(session: AsyncSession, root_id: int) -> list[int]:
    """The ids of a part of the campaign's tree (a ward's few hundred units), so that the
    planner sees how few comments they hold."""
    return list(await subtree_tops(session, root_id))


async def no_jit(session: AsyncSession) -> None:
    """PostgreSQL: no JIT for this transaction's counts. Its guess of a recursive CTE's size
    makes a grouping of a million rows look costly enough to compile, which took 2 s of a
    7.5 s roll-up (EXPLAIN ANALYZE, tests/bench/comment_counts.py)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))


async def covers_campaign(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> bool:
    """Whether the campaign's unit is ``unit`` or below it: then every comment of the campaign
    counts for ``unit`` (they are all placed at the campaign's unit or below)."""
    assert unit.id is not None
    owner = await session.get(Unit, campaign.unit_id)
    return owner is not None and await is_within(session=session, unit=owner, root_id=unit.id)


async def comment_counts(
    *,
    session: AsyncSession,
    campaign: Campaign,
    since: datetime | None = None,
    until: datetime | None = None,
    unit: Unit | None = None,
) -> list[Tallied]:
    """How many comments each document and section got (withdrawn and spam left out),
    optionally only those sent in [``since``, ``until``] and counted for ``unit``'s subtree.

    The whole campaign is one ``count(*)`` per target and status with equalities, read from
    ``ix_comment_target``: SQLite otherwise scans the campaign's index range and sorts it
    (a city's week: 309–625 ms before, 16–66 ms so). Part of a campaign (a ward of the city's)
    reads the ward's units through ``ix_comment_unit_week`` (``_part_counts``).
    """
    if unit is not None and not await covers_campaign(
        session=session, unit=unit, campaign=campaign
    ):
        assert unit.id is not None
        return await _part_counts(session, campaign, unit.id, since, until)
    targets: list[tuple[int | None, int | None]] = [(None, None)]
    for document, sections in await documents_of(session=session, campaign=campaign):
        targets.append((document.id, None))
        targets += [(document.id, s.id) for s in sections]
    parts = []
    for document_id, section_id in targets:
        for status in COUNTED:
            query = select(
                literal(document_id, Integer).label("d"),
                literal(section_id, Integer).label("s"),
                literal(status.value, String).label("st"),
                func.count().label("n"),
            ).where(
                col(Comment.campaign_id) == campaign.id,
                _equal(col(Comment.document_id), document_id),
                _equal(col(Comment.section_id), section_id),
                col(Comment.status) == status,
            )
            parts.append(_window(query, since, until))
    rows = (await session.execute(union_all(*parts))).all()
    return _tallies((d, s, CommentStatus(st), n) for d, s, st, n in rows)


def _equal(column: Any, value: int | None) -> Any:
    return column.is_(None) if value is None else column == value


async def _part_counts(
    session: AsyncSession,
    campaign: Campaign,
    root_id: int,
    since: datetime | None,
    until: datetime | None,
) -> list[Tallied]:
    """Grouped by unit first, then target: in the order of ``ix_comment_unit_week``, so
    that SQLite (no statistics) reads the ward's units through it, not the whole campaign
    through ``ix_comment_target`` to spare a sort (a ward's week: 3.6 s → 0.12 s, all
    weeks 9.1 → 1.1 s, 1,000,000 comments). A few rows per unit are added up in Python."""
    units = await subtree_ids(session, root_id)
    groups = (col(Comment.document_id), col(Comment.section_id), col(Comment.status))
    query = select(*groups, func.count()).where(
        col(Comment.campaign_id) == campaign.id,
        col(Comment.status).in_(COUNTED),
        col(Comment.unit_id).in_(units),
    )
    query = _window(query, since, until).group_by(col(Comment.unit_id), *groups)
    rows = (await session.execute(query)).all()
    return _tallies((d, s, CommentStatus(st), n) for d, s, st, n in rows)


def _tallies(rows: Any) -> list[Tallied]:
    tally: dict[tuple[int | None, int | None], list[int]] = {}
    for document_id, section_id, status, count in rows:
        if not count:
            continue
        pair = tally.setdefault((document_id, section_id), [0, 0])
        pair[0 if status == CommentStatus.RECEIVED else 1] += int(count)
    return [Tallied(d, s, shown, hidden) for (d, s), (shown, hidden) in tally.items()]
