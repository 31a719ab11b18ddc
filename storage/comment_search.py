"""The desk's list of comments: filters, an accent-insensitive search (``comment_match``),
newest first, a page at a time by keyset (``keyset``), and a count that stays cheap (up to
``COUNT_CAP``, then «more than»). On PostgreSQL a search takes the way
``comment_search_pg`` chooses.

Which comments an official may list at all is ``storage.comment_scope``'s rule: the caller
passes the campaign and, when the official reads a part of it, the roots of that part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, text
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.comment_match import Word, word_conditions
from storage.comment_search_pg import Count, Search, capped_count
from storage.completeness import subtree
from storage.keyset import Cursor, Way
from storage.models import (
    Comment,
    CommentAttachment,
    CommentMedium,
    CommentStatus,
    Document,
    Section,
    Stance,
    Unit,
)

PAGE = 50
# Matches are counted up to this many; past it the page says «more than 1,000».
COUNT_CAP = 1000
# Up to so many units a part of the campaign is read by their ids (``unit_id IN``): the
# planner sees how few comments they hold. Past it, the subtree as a recursive query.
MAX_IDS = 2000


@dataclass(frozen=True, slots=True)
class Filters:
    """Which comments of ``campaign_id`` are listed.

    ``roots``: the units whose subtrees are wanted (the official's part of the campaign, or
    the unit chosen in it); None: the whole campaign. ``since``/``until``: [since, until).
    """

    campaign_id: int
    roots: tuple[int, ...] | None = None
    document_id: int | None = None
    section_id: int | None = None
    stance: Stance | None = None
    statuses: tuple[CommentStatus, ...] = (CommentStatus.RECEIVED,)
    medium: CommentMedium | None = None
    since: datetime | None = None
    until: datetime | None = None
    words: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    comment: Comment
    document: Document | None
    section: Section | None
    place: str  # the name of the unit it counts for
    photos: int


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row] = field(default_factory=list)
    older: Cursor | None = None  # the next page back in time, if there is one
    newer: Cursor | None = None  # the page before this one, if this is not the first


async def _units(session: AsyncSession, roots: tuple[int, ...]) -> ColumnElement[bool]:
    """Comments placed in the subtrees of ``roots``: by their ids when they are few (read
    with one query), else by the recursive subtree itself."""
    tree = subtree(list(roots))
    ids = (await session.execute(sa_select(tree.c.id).limit(MAX_IDS + 1))).scalars().all()
    if len(ids) <= MAX_IDS:
        return col(Comment.unit_id).in_(ids)
    return col(Comment.unit_id).in_(sa_select(subtree(list(roots)).c.id))


async def placed_in(session: AsyncSession, filters: Filters) -> list[ColumnElement[bool]]:
    """The campaign, and the units asked for when they are a part of it."""
    found = [col(Comment.campaign_id) == filters.campaign_id]
    if filters.roots is not None:
        found.append(await _units(session, filters.roots))
    return found


async def conditions(
    session: AsyncSession, filters: Filters, placed: list[ColumnElement[bool]] | None = None
) -> list[ColumnElement[bool]]:
    """Every filter but the words (``placed``: ``placed_in``'s, when already made)."""
    found = list(placed if placed is not None else await placed_in(session, filters))
    found.append(col(Comment.status).in_(filters.statuses))
    if filters.section_id is not None:
        found.append(col(Comment.section_id) == filters.section_id)
    elif filters.document_id is not None:
        found.append(col(Comment.document_id) == filters.document_id)
    if filters.stance is not None:
        found.append(col(Comment.stance) == filters.stance)
    if filters.medium is not None:
        found.append(col(Comment.medium) == filters.medium)
    if filters.since is not None:
        found.append(col(Comment.created_at) >= filters.since)
    if filters.until is not None:
        found.append(col(Comment.created_at) < filters.until)
    return found


def _photo_count() -> Any:
    return (
        sa_select(func.count())
        .where(
            col(CommentAttachment.comment_id) == col(Comment.id),
            col(CommentAttachment.kind) == "photo",
        )
        .scalar_subquery()
    )


def _rows() -> Select[Any]:
    return (
        sa_select(Comment, Document, Section, col(Unit.name), _photo_count())
        .outerjoin(Document, col(Document.id) == Comment.document_id)
        .outerjoin(Section, col(Section.id) == Comment.section_id)
        .outerjoin(Unit, col(Unit.id) == Comment.unit_id)
    )


async def plan_by_value(session: AsyncSession) -> None:
    """PostgreSQL: plan this transaction's statements for the values given (a cached generic
    plan knows nothing of how many comments a unit or a date holds)."""
    if _postgres(session):
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True, slots=True)
class Found:
    page: Page
    count: Count  # exact up to ``cap``; past it (or past the time a count may take), «more than»


async def find_comments(
    *,
    session: AsyncSession,
    filters: Filters,
    before: Cursor | None = None,
    after: Cursor | None = None,
    limit: int = PAGE,
    cap: int = COUNT_CAP,
) -> Found:
    """The newest ``limit`` comments matching ``filters`` older than ``before`` (or the
    oldest ``limit`` newer than ``after``, shown newest first), the cursors around them, and
    how many match in all (exactly up to ``cap``, else «more than»)."""
    await plan_by_value(session)
    placed = await placed_in(session, filters)
    where = await conditions(session, filters, placed)
    way = Way(before, after)
    if filters.words and _postgres(session):
        search = Search(placed, where, filters.words)
        ids, count = await search.run(session, way, limit, cap)
        rows = await _load(session, ids)
    else:
        where += word_conditions(filters.words)
        at, ident = col(Comment.created_at), col(Comment.id)
        query = _rows().where(*where, *way.conditions()).order_by(*way.order(at, ident))
        rows = list((await session.execute(query.limit(limit + 1))).all())
        n = await capped_count(session, where, cap)
        count = Count(min(n, cap), exact=n <= cap)
    return Found(_page(rows, way, limit), count)


async def _load(session: AsyncSession, ids: Sequence[int]) -> list[Any]:
    """The rows of ``ids``, in that order."""
    if not ids:
        return []
    rows = (await session.execute(_rows().where(col(Comment.id).in_(ids)))).all()
    by_id = {row[0].id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _page(result: Sequence[Any], way: Way, limit: int) -> Page:
    more = len(result) > limit
    rows = [Row(c, d, s, place or "", int(n)) for c, d, s, place, n in result[:limit]]
    if way.after is not None:
        rows.reverse()
    if not rows:
        return Page()
    first, last = (_cursor(rows[0].comment), _cursor(rows[-1].comment))
    if way.after is not None:
        return Page(rows, older=last, newer=first if more else None)
    return Page(rows, older=last if more else None, newer=first if way.before else None)


def _cursor(comment: Comment) -> Cursor:
    assert comment.id is not None
    return Cursor(comment.created_at, comment.id)
