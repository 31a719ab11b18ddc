"""What an official asks to print, as the posters form sends it (a query string): the campaign,
what the posters are about, whose codes, the paper. Read strictly: anything else is a
``BadChoice`` (a 400), never an error further in.

- ``campaign``: the campaign's id
- ``t``: ``c`` (the consultation as a whole), ``d<id>`` (a document), ``s<id>`` (a section),
  ``a<id>`` (every section of document ``id``)
- ``u``: a unit's id (its own code); ``l``: a level (every unit of it within reach);
  ``wide=1``: the campaign-wide code
- ``report=1``: the secretaries' quick-report poster too; ``size``: ``a5`` (default) or ``a4``
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode

from bot.web.desk.path_ids import MAX_ID, db_id
from storage.models import UnitLevel

PaperSize = Literal["a5", "a4"]
# One name's values in a query: far beyond a ward's cells, far below what would cost.
MAX_VALUES = 10_000
_TARGET = re.compile(r"c|[dsa][1-9][0-9]{0,9}")
_NAMES = ("campaign", "t", "u", "l", "wide", "report", "size")
_T = TypeVar("_T")


class BadChoice(ValueError):
    """The query is not one the form sends."""


class Values(Protocol):
    """A query's values by name (``aiohttp``'s ``request.query``, a ``MultiDict``)."""

    def getall(self, key: str, default: list[str]) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Choice:
    campaign_id: int
    targets: tuple[str, ...]  # as ``t``, each once, in the order given
    units: tuple[int, ...]
    levels: tuple[UnitLevel, ...]
    campaign_wide: bool = False
    report: bool = False
    size: PaperSize = "a5"

    def pairs(self) -> list[tuple[str, str]]:
        """The query that reads back as this choice (``read_choice``)."""
        found = [("campaign", str(self.campaign_id))]
        found += [("t", t) for t in self.targets]
        found += [("u", str(u)) for u in self.units]
        found += [("l", level.value) for level in self.levels]
        if self.campaign_wide:
            found.append(("wide", "1"))
        if self.report:
            found.append(("report", "1"))
        found.append(("size", self.size))
        return found

    def query(self) -> str:
        return urlencode(self.pairs())

    def ids(self, kind: str) -> list[int]:
        """The ids of the targets of ``kind`` (``d``, ``s`` or ``a``)."""
        return [int(t[1:]) for t in self.targets if t[0] == kind]


def read_choice(values: Values) -> Choice:
    """The choice in ``values``; ``BadChoice`` if any value is not one the form sends."""
    campaign = _one(values, "campaign")
    campaign_id = db_id(campaign or "")
    if campaign_id is None:
        raise BadChoice("campaign")
    targets = _many(values, "t")
    for target in targets:
        if not _TARGET.fullmatch(target) or (target != "c" and int(target[1:]) > MAX_ID):
            raise BadChoice("target")
    units = []
    for raw in _many(values, "u"):
        unit = db_id(raw)
        if unit is None:
            raise BadChoice("unit")
        units.append(unit)
    levels = []
    for raw in _many(values, "l"):
        try:
            levels.append(UnitLevel(raw))
        except ValueError:
            raise BadChoice("level") from None
    size = _one(values, "size") or "a5"
    if size not in ("a5", "a4"):
        raise BadChoice("size")
    return Choice(
        campaign_id=campaign_id,
        targets=tuple(_unique(targets)),
        units=tuple(_unique(units)),
        levels=tuple(_unique(levels)),
        campaign_wide=_flag(values, "wide"),
        report=_flag(values, "report"),
        size="a4" if size == "a4" else "a5",
    )


def choice_from_text(text: str) -> Choice:
    """A choice carried as one form field (the print button's): its query string."""
    try:
        pairs = parse_qsl(text, strict_parsing=True, max_num_fields=7 * MAX_VALUES)
    except ValueError:
        raise BadChoice("query") from None
    return read_choice(_Pairs(pairs))


def has_choice(values: Values) -> bool:
    """Whether the query chooses anything (else the form is shown empty)."""
    return any(values.getall(name, []) for name in _NAMES if name != "campaign")


class _Pairs:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def getall(self, key: str, default: list[str]) -> list[str]:
        found = [value for name, value in self._pairs if name == key]
        return found or default


def _many(values: Values, name: str) -> list[str]:
    found = values.getall(name, [])
    if len(found) > MAX_VALUES:
        raise BadChoice(name)
    return found


def _one(values: Values, name: str) -> str | None:
    found = values.getall(name, [])
    if len(found) > 1:
        raise BadChoice(name)
    return found[0] if found else None


def _flag(values: Values, name: str) -> bool:
    value = _one(values, name)
    if value not in (None, "1"):
        raise BadChoice(name)
    return value == "1"


def _unique(items: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(items))
