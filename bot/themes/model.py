"""The grouping engine's values: documents in, themes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Doc:
    """A comment to group: ``key`` is the comment's id."""

    key: int
    text: str


@dataclass(frozen=True, slots=True)
class Found:
    """A theme found automatically: its label, member keys and 2–3 representative keys."""

    label: str
    members: tuple[int, ...]
    quotes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Defined:
    """A theme an official named: a label, keywords, example texts (officials' moves first:
    when a theme has very many examples, the first ones are always kept)."""

    key: int
    label: str
    keywords: Sequence[str] = ()
    examples: Sequence[str] = ()
