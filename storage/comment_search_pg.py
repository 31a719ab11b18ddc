"""The comments search on PostgreSQL, page and count, whatever the word.

The planner cannot guess how many comments hold a word's prefix: it guessed 1,881 for
«karaoke», which 41 of a million hold, and walked the newest million to find 50 (16 s); and
671 for «chuyển đổi số», which 24,000 hold, and read and sorted them all (0.5 s). So the way
is chosen by looking: the newest ``WINDOW`` comments that pass the other filters are read in
order and matched (a few microseconds each), and a common word fills its page there. A word
too rare for that is looked up in the word index, and only its comments are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, text
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.comment_match import word_conditions, word_index_match
from storage.keyset import Way
from storage.models import Comment

WINDOW = 10_000


@dataclass(frozen=True, slots=True)
class Window:
    ids: list[int]  # the first matches, in the page's order (up to its limit + 1)
    seen: int  # comments in the window: fewer than WINDOW, it held every candidate
    matches: int  # matches in the window

    @property
    def whole(self) -> bool:
        return self.seen < WINDOW


@dataclass(frozen=True, slots=True)
class Search:
    campaign_id: int
    where: list[ColumnElement[bool]]  # the other filters
    words: tuple[str, ...]

    async def run(
        self, session: AsyncSession, way: Way, limit: int, cap: int
    ) -> tuple[list[int], int]:
        """The ids of the page's comments (up to ``limit`` + 1) and the count."""
        window = await self.window(session, way, limit)
        ids = window.ids
        if len(ids) <= limit and not window.whole:
            ids = await self.indexed(session, way, limit)
        first = window if way.before is None and way.after is None else None
        return ids, await self.count(session, first, cap)

    async def window(self, session: AsyncSession, way: Way, limit: int) -> Window:
        at, ident = col(Comment.created_at), col(Comment.id)
        recent = (
            sa_select(ident.label("id"), at.label("at"), col(Comment.search_text).label("said"))
            .where(*self.where, *way.conditions())
            .order_by(*way.order(at, ident))
            .limit(WINDOW)
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
            return Window([int(r.id) for r in rows], int(rows[0].seen), int(rows[0].matches))
        candidates = (
            sa_select(literal_column("1"))
            .where(*self.where, *way.conditions())
            .limit(WINDOW)
            .subquery()
        )
        seen = await session.scalar(sa_select(func.count()).select_from(candidates))
        return Window([], int(seen or 0), 0)

    def _found(self) -> Any:
        """The campaign's comments holding the words, by the word index alone (a CTE kept
        apart, so that no walk over the newest is planned around it)."""
        return (
            sa_select(col(Comment.id))
            .where(col(Comment.campaign_id) == self.campaign_id, word_index_match(self.words))
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

    async def count(self, session: AsyncSession, window: Window | None, cap: int) -> int:
        if window is None:
            window = await self.window(session, Way(), 0)
        if window.whole:
            return min(window.matches, cap + 1)
        if window.matches > cap:
            return cap + 1
        # Rarer than that among the newest: counted through the word index, stopping at
        # cap + 1 (bitmap scans only: an ordered walk would read every comment to count).
        await session.execute(text("SET LOCAL enable_indexscan = off"))
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        try:
            return await capped_count(
                session,
                [*self.where, word_index_match(self.words), *word_conditions(self.words)],
                cap,
            )
        finally:
            await session.execute(text("SET LOCAL enable_indexscan = on"))
            await session.execute(text("SET LOCAL enable_seqscan = on"))


async def capped_count(session: AsyncSession, where: list[ColumnElement[bool]], cap: int) -> int:
    matching = sa_select(literal_column("1")).where(*where).limit(cap + 1).subquery()
    return int(await session.scalar(sa_select(func.count()).select_from(matching)) or 0)
