"""Stored groups of opinions on SQLite and PostgreSQL: officials' edits survive re-grouping,
new comments are placed, counts add up per unit subtree."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Comment, CommentStatus, CommentTheme, ThemeOrigin
from storage.themes import (
    COMMENT_ID,
    Among,
    ThemeError,
    define,
    live_themes,
    merge,
    move,
    place_new,
    regroup,
    rename,
    scope_themes,
    theme_counts,
)
from tests.seed import seed_ward
from tests.themes_seed import GROUPS, NOW, Writer


async def placement(session: AsyncSession, writer: Writer) -> dict[int, int | None]:
    rows = await session.execute(
        sa_select(COMMENT_ID, col(Comment.theme_id)).where(
            col(Comment.campaign_id) == writer.scope.campaign_id
        )
    )
    return {i: t for i, t in rows.all()}


async def world(session: AsyncSession) -> tuple[Writer, dict[str, list[Comment]]]:
    writer = Writer(await seed_ward(session))
    return writer, await writer.add_groups(session)


async def biggest(session: AsyncSession, writer: Writer) -> tuple[CommentTheme, list[int]]:
    """The theme with the most comments and its members."""
    where = await placement(session, writer)
    theme_id, _n = Counter(t for t in where.values() if t is not None).most_common(1)[0]
    theme = await session.get(CommentTheme, theme_id)
    assert theme is not None
    return theme, sorted(c for c, t in where.items() if t == theme_id)


async def test_every_comment_in_one_live_theme_or_other_and_deterministic(
    session: AsyncSession,
) -> None:
    writer, _groups = await world(session)
    await writer.add(session, "Spam quảng cáo", status=CommentStatus.SPAM)
    done = await regroup(session=session, scope=writer.scope, now=NOW)
    live = {t.id for t in await live_themes(session=session, scope=writer.scope)}
    first = await placement(session, writer)
    counted = sum(len(texts) for texts in GROUPS.values())
    assert done.grouped + done.other == counted
    assert done.themes == len(live) >= 1
    assert all(t is None or t in live for t in first.values())
    spam = max(first)
    assert first[spam] is None, "spam is never grouped"
    again = await regroup(session=session, scope=writer.scope, now=NOW)
    assert await placement(session, writer) == first, "the same input, the same themes"
    assert again == done


async def test_a_rename_survives_regrouping(session: AsyncSession) -> None:
    writer, _groups = await world(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    theme, members = await biggest(session, writer)
    assert theme.id is not None
    await rename(session=session, theme_id=theme.id, label="  Đền bù đất đai  ", now=NOW)
    with pytest.raises(ThemeError):
        await rename(session=session, theme_id=theme.id, label="   ", now=NOW)
    await regroup(session=session, scope=writer.scope, now=NOW)
    await session.refresh(theme)
    assert (theme.label, theme.renamed, theme.merged_into_id) == ("Đền bù đất đai", True, None)
    where = await placement(session, writer)
    assert sorted(c for c, t in where.items() if t == theme.id) == members


async def test_a_merge_survives_regrouping(session: AsyncSession) -> None:
    writer, _groups = await world(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    themes = await live_themes(session=session, scope=writer.scope)
    assert len(themes) >= 2
    source, target = themes[0], themes[1]
    assert source.id is not None and target.id is not None
    before = await placement(session, writer)
    moved = {c for c, t in before.items() if t in (source.id, target.id)}
    await merge(session=session, source_id=source.id, target_id=target.id, now=NOW)
    with pytest.raises(ThemeError):
        await merge(session=session, source_id=source.id, target_id=target.id, now=NOW)
    after = await placement(session, writer)
    assert {c for c, t in after.items() if t == target.id} == moved
    await regroup(session=session, scope=writer.scope, now=NOW)
    again = await placement(session, writer)
    await session.refresh(source)
    assert source.merged_into_id == target.id
    assert source.id not in again.values(), "a merged theme never comes back"
    assert target.id in again.values()


async def test_a_moved_comment_stays_pinned(session: AsyncSession) -> None:
    writer, groups = await world(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    stray = groups["school"][0]
    where = await placement(session, writer)
    other = next(t for t in await live_themes(session=session, scope=writer.scope))
    assert stray.id is not None
    if where[stray.id] == other.id:  # the engine's first theme may be the school one
        stray = groups["land"][0]
    assert stray.id is not None and other.id is not None
    await move(session=session, comment_id=stray.id, theme_id=other.id, now=NOW)
    await session.refresh(other)
    assert stray.text in other.examples, "a move teaches the theme"
    for _run in range(2):
        await regroup(session=session, scope=writer.scope, now=NOW)
        await session.refresh(stray)
        assert (stray.theme_id, stray.theme_pinned) == (other.id, True)


async def test_a_defined_theme_attracts_its_comments(session: AsyncSession) -> None:
    writer, groups = await world(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    bus = await define(
        session=session,
        scope=writer.scope,
        label="Giao thông công cộng",
        keywords=["xe buýt điện", "tuyến xe buýt"],
        examples=[groups["bus"][0].text],
        now=NOW,
    )
    assert bus.origin is ThemeOrigin.DEFINED and bus.renamed
    await regroup(session=session, scope=writer.scope, now=NOW)
    where = await placement(session, writer)
    assert [where[c.id] for c in groups["bus"] if c.id is not None] == [bus.id] * 3
    assert bus.id in {t.id for t in await live_themes(session=session, scope=writer.scope)}


async def test_new_comments_are_placed_into_existing_themes(session: AsyncSession) -> None:
    writer, groups = await world(session)
    await regroup(session=session, scope=writer.scope, now=NOW)
    where = await placement(session, writer)
    first = groups["land"][0].id
    assert first is not None
    land = where[first]
    assert land is not None
    fresh = await writer.add(session, "Bồi thường giải phóng mặt bằng chưa thỏa đáng")
    lone = await writer.add(session, "Hội trường tổ dân phố cần sửa mái")
    assert await place_new(session=session, scope=writer.scope) >= 1
    await session.refresh(fresh)
    await session.refresh(lone)
    assert fresh.theme_id == land
    assert not fresh.theme_pinned
    themes = {t.id for t in await scope_themes(session=session, scope=writer.scope)}
    assert lone.theme_id is None or lone.theme_id in themes


async def test_counts_per_unit_subtree_add_up(session: AsyncSession) -> None:
    writer, groups = await world(session)
    cell, other_cell = writer.seed.cells
    extra = [
        await writer.add(session, "Bồi thường giải phóng mặt bằng quá thấp", unit_id=cell.id),
        await writer.add(session, "Giải phóng mặt bằng cần minh bạch", unit_id=cell.id),
        await writer.add(session, "Lớp học quá đông, trường học thiếu", unit_id=other_cell.id),
    ]
    await regroup(session=session, scope=writer.scope, now=NOW)
    total = sum(len(v) for v in groups.values()) + len(extra)
    everyone = await theme_counts(session=session, scope=writer.scope)
    assert sum(t.count for t in everyone) == total
    assert [t.count for t in everyone if t.theme_id is not None] == sorted(
        (t.count for t in everyone if t.theme_id is not None), reverse=True
    )
    for theme in everyone:
        assert 1 <= len(theme.quotes) <= 3 or theme.count == 0
    ward = await theme_counts(
        session=session, scope=writer.scope, among=Among(unit_id=writer.seed.ward.id)
    )
    assert ward == everyone, "the ward's subtree is every comment here"
    mine = await theme_counts(session=session, scope=writer.scope, among=Among(unit_id=cell.id))
    assert sum(t.count for t in mine) == 2
    quoted = {q.comment_id for t in mine for q in t.quotes}
    assert quoted <= {c.id for c in extra[:2]}, "a cell's quotes are its own comments"
    labels = {t.theme_id: t.label for t in everyone}
    assert all(labels[t.theme_id] == t.label for t in mine)
