"""The rules between a campaign's levels: who may have a deadline, in which order, and when
each level's final report may be due. Checked before anything is written; each problem names
the line of the level, or of its ``final_report``, in the file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.importers.yaml_lines import problem_at
from scheduler.calendar import WeeklyRule
from scheduler.final import final_due_problem
from storage.completeness import subtree
from storage.models import Unit, UnitLevel

_ORDER = tuple(UnitLevel)  # highest first
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PLURAL = {
    UnitLevel.PROVINCE: "provinces",
    UnitLevel.CITY: "cities",
    UnitLevel.DISTRICT: "districts",
    UnitLevel.WARD: "wards",
    UnitLevel.CELL: "cells",
}


@dataclass(frozen=True, slots=True)
class LevelRule:
    """One level's rules as the file gives them (``due`` local unless it has an offset)."""

    level: UnitLevel
    weekday: int
    time: str
    due: datetime | None
    has_form: bool


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _utc(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def lowest_first(levels: list[LevelRule]) -> list[LevelRule]:
    return sorted(levels, key=lambda rule: _ORDER.index(rule.level), reverse=True)


def misordered(levels: list[LevelRule]) -> tuple[LevelRule, LevelRule] | None:
    """The first (child, parent) pair of declared levels whose parent's weekly deadline does not
    come after the child's within a Monday-to-Sunday week, or None.

    Weeks are ISO weeks as everywhere else (``gopy export --week 2025-W46``): the ward's report
    of a week sums its cells' reports of the same week, so it must be due after them.
    """
    ordered = lowest_first(levels)
    for child, parent in pairwise(ordered):
        if (parent.weekday, parent.time) <= (child.weekday, child.time):
            return child, parent
    return None


async def check_levels(
    *,
    session: AsyncSession,
    unit: Unit,
    rules: list[LevelRule],
    timezone: str,
    starts: datetime,
    ends: datetime,
    raw: Mapping[str, Any],
    source: str,
) -> dict[UnitLevel, datetime]:
    """Every rule between the levels; the final due dates (UTC) of the levels that have one."""
    zone = ZoneInfo(timezone)

    def at(level: UnitLevel, *rest: str) -> tuple[str, ...]:
        return ("deadlines", level.value, *rest)

    for rule in rules:
        if _ORDER.index(rule.level) < _ORDER.index(unit.level):
            raise problem_at(
                raw,
                at(rule.level),
                f"a campaign of a {unit.level.value} cannot set a deadline for a "
                f"{rule.level.value}",
                source=source,
            )
        if rule.level is UnitLevel.CELL and rule.due is not None:
            raise problem_at(
                raw,
                at(rule.level, "final_report"),
                "cells have no final report: their weekly reports are summed by the final "
                "report of the level above (set final_report on the ward)",
                source=source,
            )
        if rule.level is UnitLevel.CELL and rule.has_form:
            raise problem_at(
                raw,
                at(rule.level, "form"),
                "cells answer the campaign's form: write it under the top-level form:",
                source=source,
            )
    wrong = misordered(rules)
    if wrong is not None:
        child, parent = wrong
        raise problem_at(
            raw,
            at(parent.level),
            f"the {parent.level.value}'s deadline ({_DAYS[parent.weekday]} {parent.time}) "
            f"must come after the {PLURAL[child.level]}' ({_DAYS[child.weekday]} "
            f"{child.time}) in the same week, Monday to Sunday: the "
            f"{parent.level.value} sums what they filed",
            source=source,
        )
    dues: dict[UnitLevel, datetime] = {}
    previous: LevelRule | None = None
    for rule in lowest_first(rules):
        if rule.due is None:
            continue
        due = _utc(rule.due, zone)
        weekly = WeeklyRule.parse(rule.weekday, rule.time, timezone)
        problem = final_due_problem(due, weekly, starts_at=starts, ends_at=ends)
        if problem is not None:
            kind, limit = problem
            message = (
                f"the {rule.level.value}'s final report cannot be due before its last weekly "
                f"deadline ({_local(limit, zone)})"
                if kind == "early"
                else f"the {rule.level.value}'s final report must be due within "
                f"{(limit - ends) // timedelta(days=1)} days of the campaign's end "
                f"(by {_local(limit, zone)})"
            )
            raise problem_at(raw, at(rule.level, "final_report", "due"), message, source=source)
        if previous is not None and previous.level in dues and due < dues[previous.level]:
            raise problem_at(
                raw,
                at(rule.level, "final_report", "due"),
                f"the {rule.level.value}'s final report cannot be due before the "
                f"{PLURAL[previous.level]}' ({_local(dues[previous.level], zone)}): it sums "
                "theirs",
                source=source,
            )
        dues[rule.level] = due
        previous = rule
    await _check_units_exist(session, unit, rules, raw, source)
    return dues


async def _check_units_exist(
    session: AsyncSession, unit: Unit, rules: list[LevelRule], raw: Mapping[str, Any], source: str
) -> None:
    """A level with no unit under the campaign's unit would be reminded and escalated for
    nobody, silently: most likely a level written for another org, or units not imported."""
    assert unit.id is not None
    tree = subtree(unit.id)
    result = await session.execute(
        select(col(Unit.level), func.count())
        .join(tree, tree.c.id == col(Unit.id))
        .group_by(col(Unit.level))
    )
    present = {UnitLevel(level) for level, _count in result.all()}
    for rule in rules:
        if rule.level not in present:
            raise problem_at(
                raw,
                ("deadlines", rule.level.value),
                f"there is no {rule.level.value} under {unit.code}: import the units first, "
                "or leave this level out",
                source=source,
            )
