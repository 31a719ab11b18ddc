"""Where a citizen lives, as they tell it: the wards a campaign-wide code asks about, and
finding one from part of its name, accent- and case-insensitively («ngoc ha» finds Ngọc Hà).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Campaign, Unit, UnitLevel

# More than this many wards are not offered as buttons: the person types part of the name.
MAX_CHOICES = 8
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``text`` without accents, case or punctuation, words single-spaced: «Ngọc  Hà» → «ngoc ha».

    NFD splits each letter from its marks (whatever form the keyboard sent); «đ» has no
    decomposition and is mapped by hand.
    """
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )
    bare = bare.casefold().replace("đ", "d")
    return " ".join(_NOT_WORD.sub(" ", bare).split())


def place_name(unit: Unit) -> str:
    """The name a resident knows: the place («Ngọc Hà»), else the unit's name."""
    return unit.place or unit.name


def find_places(query: str, units: Iterable[Unit]) -> list[Unit]:
    """The units whose place or name matches ``query``, best first.

    A name equal to the query wins alone («ngoc ha» is Ngọc Hà, not also Ngọc Hà Tây); else
    every name with a word starting the query («ngoc» finds Ngọc Hà and Ngọc Khánh, «ha» does
    not find Ngọc Khánh through «Khánh»'s letters).
    """
    wanted = fold(query)
    if not wanted:
        return []
    exact: list[Unit] = []
    starting: list[Unit] = []
    for unit in units:
        names = [fold(n) for n in (unit.place or "", unit.name) if n]
        if wanted in names:
            exact.append(unit)
        elif any(f" {name}".find(f" {wanted}") >= 0 for name in names):
            starting.append(unit)
    found = exact or starting
    return sorted(found, key=lambda u: fold(place_name(u)))


@dataclass(frozen=True, slots=True)
class Places:
    """What a campaign-wide code asks about: ``choices`` to tap (the campaign unit's children
    that are not cells, when few), ``known`` every unit below it that is not a cell (typing
    finds a ward under a district too). Both empty: a ward's campaign, nothing to ask."""

    choices: list[Unit]
    known: list[Unit]

    def get(self, unit_id: int) -> Unit | None:
        return next((u for u in self.known if u.id == unit_id), None)


async def campaign_places(*, session: AsyncSession, campaign: Campaign) -> Places:
    """The places below ``campaign``'s unit a resident may say they live in.

    Units above cells are a few hundred in a city (cells are thousands): one query for them,
    the tree walked here.
    """
    result = await session.execute(select(Unit).where(col(Unit.level) != UnitLevel.CELL))
    units = list(result.scalars().all())
    below = _subtree(units, campaign.unit_id)
    children = [u for u in below if u.parent_id == campaign.unit_id]
    by_name = sorted(children, key=lambda u: fold(place_name(u)))
    return Places(choices=by_name, known=below)


def _subtree(units: Sequence[Unit], root_id: int) -> list[Unit]:
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    found: list[Unit] = []
    stack = list(children.get(root_id, []))
    while stack:
        unit = stack.pop()
        found.append(unit)
        stack.extend(children.get(unit.id, []))
    return found
