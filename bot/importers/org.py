"""Import the party hierarchy (city → ward → cell) from a YAML file, upserting units by code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.importers.org_letter import Email, LetterSpec, apply_letter
from bot.importers.yaml_lines import (
    LineDict,
    Loc,
    load_yaml,
    locate,
    problem_at,
    validate,
)
from storage.models import Unit, UnitLevel

# Not dots alone: "." and ".." end up in addresses (a draft's /q/GY-…/draft/<code>), where
# they mean "here" and "up".
_CODE = re.compile(r"^(?!\.+$)[A-Za-z0-9_.-]{1,64}$")


def _check_code(value: str) -> str:
    if not _CODE.match(value):
        raise ValueError("use 1 to 64 letters A-Z, digits, '.', '_' or '-', not dots alone")
    return value


# A code people type in commands and print on posters: plain ASCII, no spaces.
Code = Annotated[str, AfterValidator(_check_code)]

# Higher rank is lower in the hierarchy; a child's rank must be greater than its parent's.
# Every level (the enum's order is the hierarchy's): a district once had none, and an org
# file naming one failed with a KeyError instead of a line to fix.
RANK = {level: rank for rank, level in enumerate(UnitLevel)}
ORDER = " > ".join(level.value for level in UnitLevel)


class UnitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    code: Code
    name: str = Field(min_length=1, max_length=255)
    level: UnitLevel
    place: str | None = Field(default=None, min_length=1, max_length=128)
    parent: Code | None = None
    # How the unit writes its letters, and where its signed reports go (``org_letter``).
    letter: LetterSpec | None = None
    report_email: Email | None = None
    children: list[UnitSpec] = Field(default_factory=list)


class OrgFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    units: list[UnitSpec] = Field(min_length=1)


Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class Placed:
    """One unit of the file as stored, where the file has it, and what the import did."""

    unit: Unit
    loc: Loc  # ("units", 0, "children", 1): for ``problem_at``
    outcome: Outcome


@dataclass
class OrgSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The file's units as stored, in file order (parents before their nested children).
    units: list[Unit] = field(default_factory=list, repr=False)
    # The same units with their place in the file and outcome (``bot.importers.scoped``).
    placed: list[Placed] = field(default_factory=list, repr=False)


@dataclass(frozen=True, slots=True)
class _Entry:
    spec: UnitSpec
    loc: Loc
    parent: str | None  # the parent's code, from nesting or from ``parent:``


def _walk(specs: list[UnitSpec], loc: Loc, parent: str | None) -> Iterator[_Entry]:
    for i, spec in enumerate(specs):
        here = (*loc, i)
        yield _Entry(spec, here, parent if parent is not None else spec.parent)
        yield from _walk(spec.children, (*here, "children"), spec.code)


def _check_nesting(entries: list[_Entry], raw: LineDict, source: str) -> None:
    for entry in entries:
        nested = len(entry.loc) > 2
        if nested and entry.spec.parent is not None and entry.spec.parent != entry.parent:
            raise problem_at(
                raw,
                (*entry.loc, "parent"),
                f"'{entry.spec.parent}' contradicts the nesting under '{entry.parent}'",
                source=source,
            )


async def _existing(session: AsyncSession, codes: set[str]) -> dict[str, Unit]:
    if not codes:
        return {}
    result = await session.execute(select(Unit).where(col(Unit.code).in_(codes)))
    return {unit.code: unit for unit in result.scalars().all()}


def _below(child: UnitLevel, parent: UnitLevel) -> bool:
    return RANK[child] > RANK[parent]


def _check_below(
    entry: _Entry, parent_level: UnitLevel, parent_code: str, raw: LineDict, source: str
) -> None:
    """A unit must sit below its parent: city > ward > cell."""
    if not _below(entry.spec.level, parent_level):
        raise problem_at(
            raw,
            (*entry.loc, "level"),
            f"a {entry.spec.level.value} cannot belong to a {parent_level.value} "
            f"('{parent_code}'); the order is {ORDER}",
            source=source,
        )


async def _check(
    session: AsyncSession, entries: list[_Entry], raw: LineDict, source: str
) -> dict[str, Unit]:
    """Every rule the file must obey, checked before anything is written; the stored units."""
    first: dict[str, _Entry] = {}
    for entry in entries:
        code = entry.spec.code
        if code in first:
            line, _ = locate(raw, (*first[code].loc, "code"))
            raise problem_at(
                raw,
                (*entry.loc, "code"),
                f"'{code}' appears twice (first on line {line})",
                source=source,
            )
        first[code] = entry
    _check_nesting(entries, raw, source)

    wanted = set(first) | {e.parent for e in entries if e.parent is not None}
    stored = await _existing(session, wanted)
    levels = {code: e.spec.level for code, e in first.items()}
    for entry in entries:
        if entry.parent is None:
            continue
        if entry.parent in levels:
            parent_level = levels[entry.parent]
        elif entry.parent in stored:
            parent_level = stored[entry.parent].level
        else:
            raise problem_at(
                raw, (*entry.loc, "parent"), f"unknown unit '{entry.parent}'", source=source
            )
        _check_below(entry, parent_level, str(entry.parent), raw, source)
    await _check_stored_links(session, entries, stored, raw, source)
    return stored


async def _check_stored_links(
    session: AsyncSession,
    entries: list[_Entry],
    stored: dict[str, Unit],
    raw: LineDict,
    source: str,
) -> None:
    """Links the file keeps from the database must still run from a higher to a lower level.

    A top-level unit without ``parent:`` keeps its stored parent, and a unit keeps the stored
    children the file does not mention; a level change may break either link.
    """
    levels = {e.spec.code: e.spec.level for e in entries}
    kept = {
        e.spec.code: stored[e.spec.code].parent_id
        for e in entries
        if e.parent is None and e.spec.code in stored
    }
    parent_ids = [pid for pid in kept.values() if pid is not None]
    if parent_ids:
        result = await session.execute(select(Unit).where(col(Unit.id).in_(parent_ids)))
        parents = {u.id: u for u in result.scalars().all()}
        for entry in entries:
            parent = parents.get(kept.get(entry.spec.code))
            if parent is None:
                continue
            parent_level = levels.get(parent.code, parent.level)
            _check_below(entry, parent_level, parent.code, raw, source)
    changed = {
        stored[e.spec.code].id: e
        for e in entries
        if e.spec.code in stored and stored[e.spec.code].level is not e.spec.level
    }
    if not changed:
        return
    result = await session.execute(select(Unit).where(col(Unit.parent_id).in_(list(changed))))
    for child in result.scalars().all():
        entry = changed[child.parent_id]
        # Children in the file were checked against their parent above or in ``_check``.
        if child.code in levels or _below(child.level, entry.spec.level):
            continue
        raise problem_at(
            raw,
            (*entry.loc, "level"),
            f"'{entry.spec.code}' already has the {child.level.value} '{child.code}' below it",
            source=source,
        )


def _store(
    session: AsyncSession, entry: _Entry, by_code: dict[str, Unit], summary: OrgSummary
) -> Outcome:
    spec = entry.spec
    parent_id = by_code[entry.parent].id if entry.parent is not None else None
    unit = by_code.get(spec.code)
    if unit is None:
        unit = Unit(
            code=spec.code, name=spec.name, level=spec.level, place=spec.place, parent_id=parent_id
        )
        apply_letter(unit, spec.letter, spec.report_email, spec.model_fields_set)
        session.add(unit)
        by_code[spec.code] = unit
        summary.created += 1
        return "created"
    # A top-level unit without ``parent:`` keeps the parent it has: a file holding one ward only
    # must not cut it loose from its city.
    new_parent = parent_id if entry.parent is not None else unit.parent_id
    new = (spec.name, spec.level, spec.place, new_parent)
    lettered = apply_letter(unit, spec.letter, spec.report_email, spec.model_fields_set)
    if (unit.name, unit.level, unit.place, unit.parent_id) == new and not lettered:
        summary.unchanged += 1
        return "unchanged"
    unit.name, unit.level, unit.place, unit.parent_id = new
    session.add(unit)
    summary.updated += 1
    return "updated"


async def import_org(*, session: AsyncSession, path: Path) -> OrgSummary:
    """Create or update the units of an org file; nothing is written if any problem is found.

    The caller commits; this only flushes, so a failed import leaves the session clean.
    """
    return await import_org_data(session=session, raw=load_yaml(path), source=path.name)


async def import_org_data(*, session: AsyncSession, raw: LineDict, source: str) -> OrgSummary:
    """``import_org`` of a file already parsed (``parse_yaml``: an upload has no path)."""
    org = validate(OrgFile, raw, source=source)
    entries = list(_walk(org.units, ("units",), None))
    stored = await _check(session, entries, raw, source)

    summary = OrgSummary()
    by_code: dict[str, Unit] = dict(stored)
    outcomes: dict[str, Outcome] = {}
    # Parents rank above their children: flushing rank by rank gives every parent its id first.
    for rank in sorted(set(RANK.values())):
        for entry in entries:
            if RANK[entry.spec.level] == rank:
                outcomes[entry.spec.code] = _store(session, entry, by_code, summary)
        await session.flush()
    summary.units = [by_code[e.spec.code] for e in entries]
    summary.placed = [Placed(by_code[e.spec.code], e.loc, outcomes[e.spec.code]) for e in entries]
    return summary
