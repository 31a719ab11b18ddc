"""What of a campaign an official sees on the desk's campaign page: the units taking part
within their reach (``storage.comment_scope.reading_scope``), level by level, and the posters
made among them.

A city's tree runs to thousands of cells: the tree is listed down to the deepest level that
keeps it under ``TREE_LIMIT`` rows, each row at the cut saying how many units it has below.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comment_scope import ReadingScope
from storage.completeness import subtree
from storage.models import EntryPoint, Unit, UnitLevel
from storage.units import in_tree_order

TREE_LIMIT = 400


@dataclass(frozen=True, slots=True)
class TreeRow:
    unit: Unit
    depth: int
    hidden: int  # units directly below it that the tree does not list


@dataclass(frozen=True, slots=True)
class Reach:
    rows: list[TreeRow]
    levels: list[tuple[UnitLevel, int]]  # how many units of each level, highest first
    posters: int  # QR codes made for the campaign within the reach


def _root_ids(scope: ReadingScope) -> list[int]:
    """Where the units taking part are: the campaign's tree, or the official's share of it."""
    if scope.whole:
        return [scope.campaign.unit_id]
    return [root.id for root in scope.roots if root.id is not None]


async def reach_of(*, session: AsyncSession, scope: ReadingScope) -> Reach:
    roots = _root_ids(scope)
    tree = subtree(roots)
    inside = sa_select(tree.c.id)
    counted = await session.execute(
        sa_select(col(Unit.level), func.count())
        .where(col(Unit.id).in_(inside))
        .group_by(col(Unit.level))
    )
    per_level = {UnitLevel(level): int(n) for level, n in counted.all()}
    levels = [(level, per_level[level]) for level in UnitLevel if level in per_level]
    shown = [level for level, _n in levels]
    total = 0
    for index, (_level, n) in enumerate(levels):
        total += n
        if total > TREE_LIMIT and index > 0:
            shown = [level for level, _n in levels[:index]]
            break
    listed = list(
        (
            await session.execute(
                select(Unit).where(col(Unit.id).in_(inside), col(Unit.level).in_(shown))
            )
        )
        .scalars()
        .all()
    )
    hidden: dict[int, int] = {}
    if len(shown) < len(levels):
        below = levels[len(shown)][0]
        rows = await session.execute(
            sa_select(col(Unit.parent_id), func.count())
            .where(col(Unit.id).in_(inside), col(Unit.level) == below)
            .group_by(col(Unit.parent_id))
        )
        hidden = {int(parent): int(n) for parent, n in rows.all() if parent is not None}
    ordered = [
        TreeRow(unit, depth, hidden.get(unit.id or 0, 0)) for unit, depth in in_tree_order(listed)
    ]
    return Reach(ordered, levels, await _posters(session, scope, roots))


async def _posters(session: AsyncSession, scope: ReadingScope, roots: list[int]) -> int:
    statement = (
        sa_select(func.count())
        .select_from(EntryPoint)
        .where(col(EntryPoint.campaign_id) == scope.campaign.id)
    )
    if not scope.whole:
        statement = statement.where(col(EntryPoint.unit_id).in_(sa_select(subtree(roots).c.id)))
    return int((await session.execute(statement)).scalar_one())


async def draft_code(*, session: AsyncSession, scope: ReadingScope) -> str | None:
    """A poster code of the campaign to link its drafts by (``/q/GY-…/draft/<document>``):
    a campaign-wide one if there is, else one within the reach; None before any is made."""
    statement = select(EntryPoint.code).where(col(EntryPoint.campaign_id) == scope.campaign.id)
    if not scope.whole:
        inside = sa_select(subtree(_root_ids(scope)).c.id)
        statement = statement.where(
            or_(col(EntryPoint.unit_id).is_(None), col(EntryPoint.unit_id).in_(inside))
        )
    statement = statement.order_by(col(EntryPoint.unit_id).is_not(None), col(EntryPoint.id))
    return (await session.execute(statement.limit(1))).scalars().first()
