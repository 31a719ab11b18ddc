"""Pages of comments newest first, by keyset: a page ends at its last row's time and id (a
``Cursor`` an address can carry), and the next is read from there, so comments arriving
meanwhile never shift a page and a page deep down costs what the first does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from storage.models import Comment


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends: the time and id of its last (or first) row."""

    created_at: datetime
    id: int

    def token(self) -> str:
        since = self.created_at - _EPOCH  # in whole numbers: a float loses microseconds
        micros = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
        return f"{micros}_{self.id}"

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        """``token()``'s inverse; None for anything else (a hand-edited address)."""
        micros, sep, ident = token.partition("_")
        if not sep or not _digits(micros, 17) or not _digits(ident, 19):
            return None
        try:
            at = datetime.fromtimestamp(int(micros) // 1_000_000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        at = at.replace(microsecond=int(micros) % 1_000_000)
        number = int(ident)
        return cls(at, number) if 0 < number < 2**63 else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _digits(text: str, most: int) -> bool:
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def older_than(cursor: Cursor) -> ColumnElement[bool]:
    # ``created_at <= t`` alone is what an index on the time can seek to.
    at = col(Comment.created_at)
    return and_(at <= cursor.created_at, or_(at < cursor.created_at, col(Comment.id) < cursor.id))


def newer_than(cursor: Cursor) -> ColumnElement[bool]:
    at = col(Comment.created_at)
    return and_(at >= cursor.created_at, or_(at > cursor.created_at, col(Comment.id) > cursor.id))


@dataclass(frozen=True, slots=True)
class Way:
    """Which way a page goes from its cursor: back in time (``before``, or the first page),
    or forward (``after``: the page before, read oldest first and turned round)."""

    before: Cursor | None = None
    after: Cursor | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        if self.after is not None:
            return [newer_than(self.after)]
        return [older_than(self.before)] if self.before is not None else []

    def order(self, at: Any, ident: Any) -> tuple[Any, Any]:
        return (at, ident) if self.after is not None else (at.desc(), ident.desc())
