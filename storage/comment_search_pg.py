"""The comments search on PostgreSQL, page and count, whatever the words.

The planner cannot guess how many comments hold the words: it guessed 1,881 for «karaoke:*»,
which 41 of a million hold, and walked the newest million to find 50 (16 s); and 671 for
«chuyển đổi số», which 24,000 hold, and read and sorted them all (0.5 s). So the way is
chosen by looking: the newest comments that pass the other filters are read in order and
matched (``WINDOWS``: 500, then as many as the words' thickness there says a page needs, up
to 5,000), and a common word fills its page there. Words too rare for that are looked up in
the word index, and only their comments are read. The count comes from what was read when it
can; else from the word index within ``COUNT_BUDGET``; past it, or for a common word, the
page says «more than» what it saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, text
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.comment_match import Word, word_conditions, word_index_match
from storage.keyset import Way
from storage.models import Comment

# Comments read newest first before the word index is asked: the first window, then as many
# as the words' thickness there says a page needs, up to the largest. A word in one comment
# of ten fills a page within the first; one in a hundred, within the largest.
WINDOWS = (500, 5000)
COUNT_BUDGET = "150ms"  # for counting a middling word through the word index
_CANCELLED = "57014"  # PostgreSQL's query_canceled: the statement timeout struck


@dataclass(frozen=True, slots=True)
class Count:
    """How many comments match: ``n`` exactly, or more than ``n`` (not ``exact``)."""

    n: int
    exact: bool = True


@dataclass(frozen=True, slots=True)
class Window:
    size: int  # how many candidates it reads at most
    ids: list[int]  # the first matches, in the page's order (up to its limit + 1)
    seen: int  # candidates read: fewer than ``size``, it held them all
    matches: int  # matches among them

    @property
    def whole(self) -> bool:
        return self.seen < self.size


@dataclass(frozen=True, slots=True)
class Search:
    placed: list[ColumnElement[bool]]  # the campaign, and the part of it asked for
    where: list[ColumnElement[bool]]  # every other filter too
    words: tuple[Word, ...]

    async def run(
        self, session: AsyncSession, way: Way, limit: int, cap: int
    ) -> tuple[list[int], Count]:
        """The ids of the page's comments (up to ``limit`` + 1) and the count."""
        size, largest = WINDOWS
        while True:
            window = await self.window(session, way, limit, size)
            if len(window.ids) > limit or window.whole:
                ids = window.ids
                break
            # As thick as here, the words fill a page within ``need`` comments (half again,
            # for luck): read that many if it is within reach, else ask the word index.
            need = (limit + 1) * window.seen * 3 // (2 * window.matches or 1)
            if not window.matches or size >= largest or need > largest:
                ids = await self.indexed(session, way, limit)
                break
            size = max(need, 2 * size)
        start = window if way.before is None and way.after is None else None
        return ids, await self.count(session, start, cap)

    async def window(self, session: AsyncSession, way: Way, limit: int, size: int) -> Window:
        """The first matches among the newest ``size`` candidates past the cursor."""
        at, ident = col(Comment.created_at), col(Comment.id)
        recent = (
            sa_select(ident.label("id"), at.label("at"), col(Comment.search_text).label("said"))
            .where(*self.where, *way.conditions())
            .order_by(*way.order(at, ident))
            .limit(size)
            .subquery("recent")
        )
        sized = sa_select(recent, func.count().over().label("seen")).subquery("sized")
        matched = (
            sa_select(sized.c.id, sized.c.seen, func.count().over().label("matches"))
            .where(*word_conditions(self.words, sized.c.said))
            .order_by(*way.order(sized.c.at, sized.c.id))
            .limit(limit + 1)
        )
        rows = (await session.execute(matched)).all()
        if rows:
            return Window(size, [int(r.id) for r in rows], int(rows[0].seen), int(rows[0].matches))
        candidates = (
            sa_select(literal_column("1"))
            .where(*self.where, *way.conditions())
            .limit(size)
            .subquery()
        )
        seen = await session.scalar(sa_select(func.count()).select_from(candidates))
        return Window(size, [], int(seen or 0), 0)

    def _found(self) -> Any:
        """The comments holding the words in the campaign (or its part), by the word index
        (and the units' index: a bitmap of each, and their intersection read), in a CTE kept
        apart so that no walk over the newest is planned around it."""
        return (
            sa_select(col(Comment.id))
            .where(*self.placed, word_index_match(self.words))
            .cte("found")
            .prefix_with("MATERIALIZED")
        )

    async def indexed(self, session: AsyncSession, way: Way, limit: int) -> list[int]:
        at, ident = col(Comment.created_at), col(Comment.id)
        query = (
            sa_select(ident)
            .where(
                ident.in_(sa_select(self._found().c.id)),
                *self.where,
                *word_conditions(self.words),
                *way.conditions(),
            )
            .order_by(*way.order(at, ident))
            .limit(limit + 1)
        )
        return [i for i in (await session.execute(query)).scalars().all() if i is not None]

    async def count(self, session: AsyncSession, window: Window | None, cap: int) -> Count:
        """Counted from the newest candidates (those the page read, else the newest
        first window) when they say enough: they are all (exact), more than ``cap`` of
        them match, or one in a hundred or more does (a common word: more than what they
        hold, for the word index would take long). A rarer word is counted through the word
        index, within ``COUNT_BUDGET``."""
        if window is None:
            window = await self.window(session, Way(), 0, WINDOWS[0])
        if window.whole:
            return Count(min(window.matches, cap), window.matches <= cap)
        if window.matches > cap:
            return Count(cap, exact=False)
        if window.matches * 100 >= window.seen:
            return Count(window.matches, exact=False)
        # Bitmap scans only: an ordered walk reads every comment to count a rare word.
        where = [*self.where, word_index_match(self.words), *word_conditions(self.words)]
        try:
            async with session.begin_nested():
                for setting in ("enable_indexscan = off", "enable_seqscan = off"):
                    await session.execute(text(f"SET LOCAL {setting}"))
                await session.execute(text(f"SET LOCAL statement_timeout = '{COUNT_BUDGET}'"))
                n = await capped_count(session, where, cap)
                for name in ("enable_indexscan", "enable_seqscan", "statement_timeout"):
                    await session.execute(text(f"SET LOCAL {name} TO DEFAULT"))
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != _CANCELLED:
                raise
            return Count(window.matches, exact=False)
        return Count(min(n, cap), n <= cap)


async def capped_count(session: AsyncSession, where: list[ColumnElement[bool]], cap: int) -> int:
    """How many rows match ``where``, counted up to ``cap`` + 1."""
    matching = sa_select(literal_column("1")).where(*where).limit(cap + 1).subquery()
    return int(await session.scalar(sa_select(func.count()).select_from(matching)) or 0)
