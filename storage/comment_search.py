"""The desk's list of comments: filters, an accent-insensitive search, newest first, a page
at a time by keyset (the last row's time and id), and a count that stays cheap.

The search folds what the official typed as ``Comment.search_text`` was folded
(``storage.places.fold``: «THỦ ĐÔ» and «thu do» are one), and wants every word. PostgreSQL:
each word is the start of a word of the comment, through the GIN index ``ix_comment_search``
on ``to_tsvector('simple', search_text)``; SQLite: each word anywhere in the folded text.

Which comments an official may list at all is ``storage.comment_scope``'s rule: the caller
passes the campaign and, when the official reads a part of it, the roots of that part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, text
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.completeness import subtree
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
from storage.places import fold

PAGE = 50
# Matches are counted up to this many; past it the page says «more than 1,000».
COUNT_CAP = 1000
# What a search keeps of what was typed: a sentence pasted in whole is still a cheap query.
MAX_QUERY = 200
MAX_WORDS = 8
MAX_WORD = 40
# Up to so many units a part of the campaign is read by their ids (``unit_id IN``): the
# planner sees how few comments they hold. Past it, the subtree as a recursive query.
MAX_IDS = 2000


def search_words(query: str) -> tuple[str, ...]:
    """The words a search wants, folded, each once, in the order typed."""
    words = fold(query[:MAX_QUERY]).split()
    return tuple(dict.fromkeys(w[:MAX_WORD] for w in words))[:MAX_WORDS]


def prefix_query(words: Sequence[str]) -> str:
    """A tsquery wanting every word as a prefix: ``'thu':* & 'do':*``.

    Folded words hold letters and digits only, so nothing in them is tsquery syntax; each is
    quoted all the same (a quote doubled), so no input can make ``to_tsquery`` fail.
    """
    quoted = ("'" + w.replace("'", "''").replace("\\", "\\\\") + "':*" for w in words)
    return " & ".join(quoted)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends: the time and id of its last (or first) row."""

    created_at: datetime
    id: int

    def token(self) -> str:
        since = self.created_at - _EPOCH  # in whole numbers: a float loses microseconds
        micros = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
        return f"{micros}_{self.id}"

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        """``token()``'s inverse; None for anything else (a hand-edited address)."""
        micros, sep, ident = token.partition("_")
        if not sep or not _digits(micros, 17) or not _digits(ident, 19):
            return None
        try:
            at = datetime.fromtimestamp(int(micros) // 1_000_000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        at = at.replace(microsecond=int(micros) % 1_000_000)
        number = int(ident)
        return cls(at, number) if 0 < number < 2**63 else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _digits(text: str, most: int) -> bool:
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


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
    words: tuple[str, ...] = ()


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


def _search(session: AsyncSession, words: Sequence[str]) -> list[ColumnElement[bool]]:
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # The very expression of ``ix_comment_search`` (a regconfig constant, not a bound
        # string), or the index is not used.
        simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
        vector = func.to_tsvector(simple, col(Comment.search_text))
        return [vector.op("@@")(func.to_tsquery(simple, prefix_query(words)))]
    found: list[ColumnElement[bool]] = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found.append(col(Comment.search_text).like(f"%{escaped}%", escape="\\"))
    return found


async def conditions(session: AsyncSession, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [
        col(Comment.campaign_id) == filters.campaign_id,
        col(Comment.status).in_(filters.statuses),
    ]
    if filters.roots is not None:
        found.append(await _units(session, filters.roots))
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
    return found + _search(session, filters.words)


def _older_than(cursor: Cursor) -> ColumnElement[bool]:
    # ``created_at <= t`` alone is what an index on the time can seek to.
    at = col(Comment.created_at)
    return and_(at <= cursor.created_at, or_(at < cursor.created_at, col(Comment.id) < cursor.id))


def _newer_than(cursor: Cursor) -> ColumnElement[bool]:
    at = col(Comment.created_at)
    return and_(at >= cursor.created_at, or_(at > cursor.created_at, col(Comment.id) > cursor.id))


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
    """PostgreSQL: plan this transaction's statements for the values given. A cached generic
    plan cannot tell a word in half the comments (walk the newest until 50 match) from a
    rare one (read its few rows from the word index), and picks badly for one of them."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def comment_page(
    *,
    session: AsyncSession,
    filters: Filters,
    before: Cursor | None = None,
    after: Cursor | None = None,
    limit: int = PAGE,
) -> Page:
    """The newest ``limit`` comments matching ``filters`` older than ``before`` (or the
    oldest ``limit`` newer than ``after``, shown newest first), with the cursors around them."""
    await plan_by_value(session)
    where = await conditions(session, filters)
    at, ident = col(Comment.created_at), col(Comment.id)
    if after is not None:
        query = _rows().where(*where, _newer_than(after)).order_by(at, ident)
    else:
        query = _rows().where(*where).order_by(at.desc(), ident.desc())
        if before is not None:
            query = query.where(_older_than(before))
    result = (await session.execute(query.limit(limit + 1))).all()
    more = len(result) > limit
    rows = [Row(c, d, s, place or "", int(n)) for c, d, s, place, n in result[:limit]]
    if after is not None:
        rows.reverse()
    if not rows:
        return Page()
    first, last = (_cursor(rows[0].comment), _cursor(rows[-1].comment))
    if after is not None:
        return Page(rows, older=last, newer=first if more else None)
    return Page(rows, older=last if more else None, newer=first if before is not None else None)


def _cursor(comment: Comment) -> Cursor:
    assert comment.id is not None
    return Cursor(comment.created_at, comment.id)


async def count_comments(*, session: AsyncSession, filters: Filters, cap: int = COUNT_CAP) -> int:
    """How many comments match, counted up to ``cap`` + 1 (more than ``cap``: at least that)."""
    await plan_by_value(session)
    where = await conditions(session, filters)
    matching = sa_select(literal_column("1")).where(*where).limit(cap + 1).subquery()
    return int(await session.scalar(sa_select(func.count()).select_from(matching)) or 0)
