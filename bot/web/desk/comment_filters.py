"""The comments page's address: its filters as query parameters, read strictly (anything
malformed is ``BadQuery``, a 400), and written back for the links that keep them.

Only the shape is checked here; whether a campaign, document or unit is the official's is
checked against the database by the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from storage.comment_match import MAX_QUERY
from storage.forms import nfc
from storage.keyset import Cursor
from storage.models import CommentMedium, CommentStatus, Stance

E = TypeVar("E", Stance, CommentMedium)
ALL = "all"  # the status filter's «every status»
STATUSES: Mapping[str, tuple[CommentStatus, ...]] = {
    **{s.value: (s,) for s in CommentStatus},
    ALL: tuple(CommentStatus),
}
_ID = re.compile(r"[1-9][0-9]{0,17}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Dates a person can mean; outside them a local midnight may not even exist as a datetime.
FIRST_YEAR, LAST_YEAR = 2000, 2999


class BadQuery(ValueError):
    """A query parameter that no form of the desk makes."""


@dataclass(frozen=True, slots=True)
class Asked:
    """The filters of a comments page as asked, well-formed."""

    campaign: int | None = None
    document: int | None = None
    section: int | None = None
    unit: int | None = None
    stance: Stance | None = None
    status: str = CommentStatus.RECEIVED.value
    medium: CommentMedium | None = None
    since: date | None = None  # local dates, both included
    until: date | None = None
    q: str = ""
    before: Cursor | None = None
    after: Cursor | None = None

    @property
    def statuses(self) -> tuple[CommentStatus, ...]:
        return STATUSES[self.status]

    def window(self, tz: str) -> tuple[datetime | None, datetime | None]:
        """[since, until) in UTC: from the first local day's midnight to the one after the
        last day."""
        zone = ZoneInfo(tz)

        def midnight(day: date) -> datetime:
            return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

        since = midnight(self.since) if self.since is not None else None
        until = midnight(self.until + timedelta(days=1)) if self.until is not None else None
        return since, until

    def query(self, **changes: object) -> dict[str, str | int | None]:
        """The parameters of this page (with ``changes``), for a link: defaults left out."""
        asked = replace(self, **changes)  # type: ignore[arg-type]
        return {
            "campaign": asked.campaign,
            "document": asked.document,
            "section": asked.section,
            "unit": asked.unit,
            "stance": asked.stance.value if asked.stance else None,
            "status": None if asked.status == CommentStatus.RECEIVED else asked.status,
            "medium": asked.medium.value if asked.medium else None,
            "from": asked.since.isoformat() if asked.since else None,
            "to": asked.until.isoformat() if asked.until else None,
            "q": asked.q or None,
            "before": asked.before.token() if asked.before else None,
            "after": asked.after.token() if asked.after else None,
        }

    @property
    def narrowed(self) -> bool:
        """Whether anything but the campaign narrows the list."""
        return self.query(campaign=None, before=None, after=None) != Asked().query()


def read_id(value: str) -> int | None:
    """A row id from an address or a form (empty: None); ``BadQuery`` unless digits."""
    if not value:
        return None
    if _ID.fullmatch(value) is None:
        raise BadQuery("id")
    return int(value)


def _day(value: str) -> date | None:
    if not value:
        return None
    if _DATE.fullmatch(value) is None:
        raise BadQuery("date")
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise BadQuery("date") from error
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadQuery("date")
    return day


def _choice(kind: type[E], value: str) -> E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError as error:
        raise BadQuery(kind.__name__) from error


def _cursor(value: str) -> Cursor | None:
    if not value:
        return None
    cursor = Cursor.parse(value)
    if cursor is None:
        raise BadQuery("cursor")
    return cursor


def _search_text(raw: str) -> str:
    """What was typed in the search box, to search and to show again: control and invisible
    characters (and lone surrogates, which no page can be encoded with) part words as blanks
    do, as ``fold`` parts them in the comments; blanks folded."""
    shown = "".join(ch if ch.isprintable() else " " for ch in nfc(raw[: 4 * MAX_QUERY]))
    return " ".join(shown.split())[:MAX_QUERY]


def read_query(query: Mapping[str, str]) -> Asked:
    """The filters of ``query`` (empty fields count as absent), or ``BadQuery``."""

    def get(name: str) -> str:
        return query.get(name, "").strip()

    status = get("status") or CommentStatus.RECEIVED.value
    if status not in STATUSES:
        raise BadQuery("status")
    asked = Asked(
        campaign=read_id(get("campaign")),
        document=read_id(get("document")),
        section=read_id(get("section")),
        unit=read_id(get("unit")),
        stance=_choice(Stance, get("stance")),
        status=status,
        medium=_choice(CommentMedium, get("medium")),
        since=_day(get("from")),
        until=_day(get("to")),
        q=_search_text(query.get("q", "")),
        before=_cursor(get("before")),
        after=_cursor(get("after")),
    )
    if asked.before is not None and asked.after is not None:
        raise BadQuery("both cursors")
    return asked
