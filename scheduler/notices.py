"""What the scheduler has to say, as data; ``handlers.notices`` puts it into words.

Keeping the words out of the scheduler lets it run without the chat layer (``gopy remind
--dry-run``) and keeps every user-facing string in one catalogue with the handlers' strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from storage.completeness import NoReminder
from storage.models import Purpose, UnitLevel


@dataclass(frozen=True, slots=True)
class Reminder:
    """To those who file a unit's report (a cell's secretary, a ward's officials) when it has
    not been filed (signed) for the period ending at ``deadline_at``."""

    unit_id: int
    unit_name: str
    campaign_id: int
    campaign_title: str
    deadline_at: datetime
    tz: str
    manual: bool = False
    level: UnitLevel = UnitLevel.CELL  # above cells, the unit's officials sign its report
    final: bool = False  # the level's final report («Báo cáo tổng kết»), not a week's

    @property
    def signs(self) -> bool:
        return self.level is not UnitLevel.CELL


@dataclass(frozen=True, slots=True)
class Tally:
    expected: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.on_time - self.late

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.expected + other.expected, self.on_time + other.on_time, self.late + other.late
        )


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    unreachable: bool


@dataclass(frozen=True, slots=True)
class Named:
    """A reporting unit in a list, with its secretaries (none: nobody has joined yet)."""

    name: str
    holders: tuple[Person, ...]
    reason: NoReminder | None = None  # why none of them can be reminded


@dataclass(frozen=True, slots=True)
class Completeness:
    """How the units below ``unit_name`` did for one period (or a whole campaign)."""

    purpose: Purpose  # ESCALATION, DIGEST or FINAL; the live /status view uses DIGEST's shape
    campaign_title: str
    tz: str
    unit_id: int
    unit_name: str
    level: UnitLevel
    period_id: int | None
    deadline_at: datetime | None
    tally: Tally
    missing: tuple[Named, ...] = ()
    late: tuple[Named, ...] = ()
    # Units further down, summed per unit just below the recipient's (a city sees wards).
    groups: tuple[tuple[str, Tally], ...] = ()
    periods: int = 1  # weeks counted (FINAL: the whole campaign)
    live: bool = False  # the /status view: "so far", not "at the deadline"
    campaign_id: int | None = None  # for the consolidated report's button
    final_report: bool = False  # about a level's final report, not a week's


Notice = Reminder | Completeness


class Rendered(NamedTuple):
    text: str
    markup: dict[str, Any] | None


Renderer = Callable[[Notice, str | None], Rendered]
