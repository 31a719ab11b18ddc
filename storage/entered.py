"""Comments that reached a unit on paper, at a meeting or by e-mail, entered by its officials.

One at a time in chat (``record_comment``) or a whole file at once (``store_imported``). Either
way the comment counts for the official's unit (or a unit below it), keeps no link to any user
of the bot (the sender is not one: a name, if signed, is all that is kept), and is not held to
the citizens' hourly limit: an official enters dozens after a meeting. Duplicates still are
stored once: the same letter (words, photos, section, sender) again within the window in chat,
and the same row of a file imported again (its text, section, sender, unit and day).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comments import (
    Attachment,
    Details,
    Identity,
    Outcome,
    Submitted,
    attach,
    comment_values,
    fingerprint,
    insert_comment,
    is_open,
    new_receipt,
)
from storage.dialect import dialect_insert
from storage.entries import Target
from storage.models import AuthorCategory, Comment, CommentMedium, Person, Stance

# The channel of comments that came in a file: not typed in any messenger.
IMPORTED = "import"


@dataclass(frozen=True, slots=True)
class Received:
    """What an official knows about one comment that reached the unit."""

    unit_id: int
    medium: CommentMedium
    text: str
    category: AuthorCategory | None = None
    stance: Stance | None = None
    name: str | None = None
    phone: str | None = None

    def identity(self) -> Identity:
        if not self.name:
            return Identity()
        return Identity(anonymous=False, name=self.name, phone=self.phone)

    def details(self, entered_by: Person | None) -> Details:
        return Details(
            unit_id=self.unit_id,
            stance=self.stance,
            category=self.category,
            medium=self.medium,
            entered_by_id=entered_by.id if entered_by is not None else None,
        )


async def record_comment(
    *,
    session: AsyncSession,
    target: Target,
    official: Person,
    received: Received,
    attachments: Sequence[Attachment],
    channel: str,
    now: datetime,
    duplicate_window: timedelta,
) -> Submitted:
    """Store what an official recorded in chat, or find the same one recorded just before."""
    if not is_open(target.campaign, now):
        return Submitted(Outcome.CLOSED)
    assert official.id is not None
    print_ = _recorded_print(target, received, attachments)
    earlier = (
        await session.execute(
            select(Comment)
            .where(
                Comment.campaign_id == target.campaign.id,
                Comment.entered_by_id == official.id,
                Comment.fingerprint == print_,
                col(Comment.created_at) >= now - duplicate_window,
            )
            .order_by(col(Comment.created_at).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if earlier is not None:
        return Submitted(Outcome.DUPLICATE, earlier)
    values = comment_values(
        target,
        None,
        None,
        received.text,
        received.identity(),
        channel,
        print_,
        now,
        received.details(official),
    )
    comment = await insert_comment(session, values)
    await attach(session, comment, attachments)
    return Submitted(Outcome.NEW, comment)


def _recorded_print(target: Target, received: Received, attachments: Sequence[Attachment]) -> str:
    """Equal for the same letter entered twice: the same words and photos, and the same draft
    or section, sender, unit, medium, stance and category. «Nhất trí» signed by two people,
    or said of two sections, is two letters to count."""
    about = (
        target.key,
        " ".join((received.name or "").casefold().split()),
        received.unit_id,
        received.medium,
        received.stance or "",
        received.category or "",
    )
    words = fingerprint(received.text, attachments)
    return hashlib.sha256("\x00".join(map(str, (words, *about))).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """One valid row of an import file: what it is about, when it came, what it says."""

    line: int
    target: Target
    received: Received
    day: date


def import_fingerprint(
    text: str, unit_id: int, day: date, target: Target, name: str | None
) -> str:
    """Equal for the same words (case and spacing aside) on the same draft or section, from the
    same sender, received by the same unit the same day: a file imported twice stores each
    comment once, while «Nhất trí» signed by two people, or said of two sections, is two."""
    folded = " ".join(text.casefold().split())
    sender = " ".join((name or "").casefold().split())
    key = f"{folded}\x00unit:{unit_id}\x00{day.isoformat()}\x00{target.key}\x00{sender}"
    return hashlib.sha256(key.encode()).hexdigest()


def _import_print(row: ImportedRow) -> str:
    received = row.received
    return import_fingerprint(received.text, received.unit_id, row.day, row.target, received.name)


def received_at(target: Target, day: date) -> datetime:
    """The moment a comment received on ``day`` is counted at: the start of that local day,
    within the campaign (its first day counts from the opening)."""
    tz = ZoneInfo(target.campaign.timezone)
    start = datetime.combine(day, time(), tzinfo=tz)
    return min(max(start, target.campaign.starts_at), target.campaign.ends_at)


@dataclass(frozen=True, slots=True)
class ImportTally:
    stored: Counter[tuple[int, CommentMedium]]
    already: int  # rows found stored by an earlier import of the same comments


async def store_imported(
    *, session: AsyncSession, rows: Sequence[ImportedRow], entered_by: Person | None
) -> ImportTally:
    """Store valid rows (checked beforehand, all of them), skipping those already stored."""
    stored: Counter[tuple[int, CommentMedium]] = Counter()
    already = 0
    prints = {_import_print(r) for r in rows}
    campaign_ids = {r.target.campaign.id for r in rows}
    known: set[str] = set()
    if prints:
        found = await session.execute(
            select(col(Comment.fingerprint)).where(
                col(Comment.campaign_id).in_(campaign_ids),
                col(Comment.channel) == IMPORTED,
                col(Comment.fingerprint).in_(prints),
            )
        )
        known = set(found.scalars().all())
    fresh: list[dict[str, Any]] = []
    for row in rows:
        received = row.received
        print_ = _import_print(row)
        if print_ in known:
            already += 1
            continue
        known.add(print_)
        fresh.append(
            comment_values(
                row.target,
                None,
                None,
                received.text,
                received.identity(),
                IMPORTED,
                print_,
                received_at(row.target, row.day),
                received.details(entered_by),
            )
        )
        stored[(received.unit_id, received.medium)] += 1
    await _insert_all(session, fresh)
    return ImportTally(stored, already)


# Rows per INSERT: 20 columns each stays well under SQLite's 32,766 parameters.
BATCH = 500


async def _insert_all(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert many comments a batch at a time; the rare row whose receipt code was taken
    meanwhile is drawn a new code and inserted again."""
    pending = rows
    for _attempt in range(5):
        if not pending:
            return
        drawn: set[str] = set()
        for row in pending:
            # Distinct within the batch too: a repeat would hide a row behind its twin.
            while (code := new_receipt()) in drawn:
                pass
            drawn.add(code)
            row["receipt"] = code
        inserted: set[str] = set()
        for start in range(0, len(pending), BATCH):
            statement = (
                dialect_insert(session)(Comment)
                .values(pending[start : start + BATCH])
                .on_conflict_do_nothing()
                .returning(col(Comment.receipt))
            )
            inserted.update((await session.scalars(statement)).all())
        pending = [row for row in pending if row["receipt"] not in inserted]
    if pending:
        raise RuntimeError("could not draw free receipt codes")
