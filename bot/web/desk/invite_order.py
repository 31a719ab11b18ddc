"""The desk's «make invites» form read into an order, or the one thing wrong with it.

Whatever a browser (or anyone) sends: a role and a mode from their lists, a count of 1–50
and a number of days of 1–365 (blank: the server's default), in ASCII digits only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from storage.models import InviteMode, RoleKind

MAX_COUNT = 50  # one sheet of cards per ward's cells; more is a script's job (gopy invite)
MAX_DAYS = 365  # as ``gopy invite create --days`` and GOPY_INVITE_TTL_DAYS


@dataclass(frozen=True, slots=True)
class InviteOrder:
    role: RoleKind
    mode: InviteMode
    count: int
    days: int


class OrderProblem(StrEnum):
    ROLE = "role"
    MODE = "mode"
    COUNT = "count"
    DAYS = "days"


def _number(raw: str, low: int, high: int) -> int | None:
    text = raw.strip()
    # At most 3 digits: no value in range needs more, and int() of a long string is slow.
    if not 1 <= len(text) <= 3 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def read_order(fields: Mapping[str, str], *, default_days: int) -> InviteOrder | OrderProblem:
    try:
        role = RoleKind(fields.get("role", ""))
    except ValueError:
        return OrderProblem.ROLE
    try:
        mode = InviteMode(fields.get("mode", InviteMode.ADD.value))
    except ValueError:
        return OrderProblem.MODE
    count = _number(fields.get("count", "1"), 1, MAX_COUNT)
    if count is None:
        return OrderProblem.COUNT
    raw_days = fields.get("days", "")
    days = default_days if not raw_days.strip() else _number(raw_days, 1, MAX_DAYS)
    if days is None:
        return OrderProblem.DAYS
    return InviteOrder(role, mode, count, days)
