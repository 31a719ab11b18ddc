"""What of a campaign an official sees on the desk's campaign page: the units taking part
within their reach (``storage.comment_scope.reading_scope``), level by level, and the posters
made among them.

A city's tree runs to thousands of cells: the tree is listed down to the deepest level that
keeps it under ``TREE_LIMIT`` rows, each row at the cut saying how many units it has below.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CTE, func, or_
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


def _tree(roots: list[int]) -> CTE:
    """The units of ``roots``' subtrees with their parent and level (a recursive CTE)."""
    top = (
        select(col(Unit.id), col(Unit.parent_id), col(Unit.level))
        .where(col(Unit.id).in_(roots))
        .cte("reach", recursive=True)
    )
    below = select(col(Unit.id), col(Unit.parent_id), col(Unit.level)).where(
        col(Unit.parent_id) == top.c.id
    )
    return top.union_all(below)


async def reach_of(*, session: AsyncSession, scope: ReadingScope) -> Reach:
    roots = _root_ids(scope)
    tree = _tree(roots)
    # One walk of the tree, counted by level and parent: a city's 9,000 cells are 30 rows.
    counted = await session.execute(
        sa_select(tree.c.level, tree.c.parent_id, func.count()).group_by(
            tree.c.level, tree.c.parent_id
        )
    )
    per_level: dict[UnitLevel, int] = {}
    per_parent: dict[tuple[UnitLevel, int | None], int] = {}
    for level, parent, n in counted.all():
        per_level[UnitLevel(level)] = per_level.get(UnitLevel(level), 0) + int(n)
        per_parent[UnitLevel(level), parent] = int(n)
    levels = [(level, per_level[level]) for level in UnitLevel if level in per_level]
    shown = [level for level, _n in levels]
    total = 0
    for index, (_level, n) in enumerate(levels):
        total += n
        if total > TREE_LIMIT and index > 0:
            shown = shown[:index]
            break
    listed = await _listed(session, roots, set(shown))
    below = levels[len(shown)][0] if len(shown) < len(levels) else None
    ordered = [
        TreeRow(unit, depth, per_parent.get((below, unit.id), 0) if below else 0)
        for unit, depth in in_tree_order(listed)
    ]
    return Reach(ordered, levels, await _posters(session, scope, roots))


async def _listed(session: AsyncSession, roots: list[int], shown: set[UnitLevel]) -> list[Unit]:
    """The units of ``shown`` levels in the subtrees, walked down a generation at a time:
    a level left out has nothing shown below it (levels only go down)."""
    found: list[Unit] = []
    statement = select(Unit).where(col(Unit.id).in_(roots))
    while True:
        generation = [
            unit
            for unit in (await session.execute(statement)).scalars().all()
            if unit.level in shown
        ]
        if not generation:
            return found
        found.extend(generation)
        ids = [unit.id for unit in generation]
        statement = select(Unit).where(col(Unit.parent_id).in_(ids), col(Unit.level).in_(shown))


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
