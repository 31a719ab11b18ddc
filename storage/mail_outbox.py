"""The mail outbox: e-mails queued (a signed report to the office above), drained by the sender.

SMTP cannot be exactly-once: a server may accept a message and its answer be lost on the way
back. What holds instead: one row per key (queueing twice queues once); a lease keeps two
senders off one message; nothing is sent again once a success is recorded; and the Message-ID
is drawn once, committed with the first claim, before the first attempt, so a retry after a
lost answer carries the same Message-ID and the receiving side can see it is the same letter.
That is at-least-once, with a duplicate possible only in that lost-answer window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from storage.dialect import insert_ignore, rowcount
from storage.models import MailOutbox, MailStatus

# Between two failed tries of one e-mail: 1 min, 2 min, 4 min … at most an hour.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
ERROR_LENGTH = 255
KEY_LENGTH = 160


@dataclass(frozen=True, slots=True)
class Mail:
    """A claimed e-mail as the sender sees it."""

    id: int
    key: str
    to_address: str
    subject: str
    body: str
    attachment_name: str | None
    attachment: bytes | None
    message_id: str
    created_at: datetime
    attempts: int  # this one included


def report_mail_key(*, revision_id: int, to: str) -> str:
    """The key of the e-mail that carries one signed revision to one address: signing again
    (or twice at once) queues nothing new; a new revision is a new e-mail."""
    address = to.strip().lower()
    key = f"report:{revision_id}:{address}"
    if len(key) <= KEY_LENGTH:
        return key
    return f"report:{revision_id}:{hashlib.sha256(address.encode()).hexdigest()}"


async def queue_mail(
    *,
    session: AsyncSession,
    key: str,
    to: str,
    subject: str,
    body: str,
    attachment_name: str | None,
    attachment: bytes | None,
    now: datetime,
    unit_id: int | None = None,
    revision_id: int | None = None,
) -> bool:
    """Queue an e-mail under ``key``; False if that key was queued before (by anyone)."""
    result = await session.execute(
        insert_ignore(
            session,
            MailOutbox.__table__,  # type: ignore[attr-defined]
            key=key,
            to_address=to.strip(),
            subject=subject,
            body=body,
            attachment_name=attachment_name,
            attachment=attachment,
            unit_id=unit_id,
            revision_id=revision_id,
            created_at=now,
            not_before=now,
            status=MailStatus.PENDING,
            attempts=0,
        )
    )
    return rowcount(result) == 1


def _free(now: datetime) -> list[Any]:
    return [
        col(MailOutbox.status) == MailStatus.PENDING,
        or_(col(MailOutbox.lease_until).is_(None), col(MailOutbox.lease_until) <= now),
    ]


async def claim_due(
    *, session: AsyncSession, now: datetime, until: datetime, domain: str, limit: int = 1
) -> list[Mail]:
    """Hold up to ``limit`` e-mails that may go now until ``until``, counting a try each, and
    give each its Message-ID if it has none yet. The caller commits before sending.

    One UPDATE picks and holds: on PostgreSQL its sub-select locks with SKIP LOCKED, so two
    senders take different rows; on SQLite the statement takes the write lock first (a SELECT
    first would make a reader that cannot become a writer once another has written).
    """
    pick = (
        select(col(MailOutbox.id))
        .where(*_free(now), col(MailOutbox.not_before) <= now)
        .order_by(col(MailOutbox.not_before), col(MailOutbox.id))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # In a materialized CTE: a locking sub-select inside IN may be run again as the
        # UPDATE goes, and then skips the rows just locked and picks more than ``limit``.
        picked = pick.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        pick = select(picked.c.id)
    result = await session.execute(
        update(MailOutbox)
        # The outer condition again: PostgreSQL re-checks it on a row another sender changed.
        .where(col(MailOutbox.id).in_(pick), *_free(now))
        .values(lease_until=until, attempts=col(MailOutbox.attempts) + 1)
        .returning(col(MailOutbox.id))
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(mail_id for mail_id in result.scalars().all() if mail_id is not None)
    if not claimed:
        return []
    for mail_id in claimed:
        # Drawn once, before the first attempt: a retry keeps the first attempt's Message-ID.
        await session.execute(
            update(MailOutbox)
            .where(col(MailOutbox.id) == mail_id, col(MailOutbox.message_id).is_(None))
            .values(message_id=make_msgid(domain=domain))
        )
    rows = await session.execute(
        select(MailOutbox)
        .where(col(MailOutbox.id).in_(claimed))
        .order_by(col(MailOutbox.id))
        .execution_options(populate_existing=True)
    )
    return [_mail(row) for row in rows.scalars().all()]


def _mail(row: MailOutbox) -> Mail:
    assert row.id is not None and row.message_id is not None
    return Mail(
        row.id,
        row.key,
        row.to_address,
        row.subject,
        row.body,
        row.attachment_name,
        row.attachment,
        row.message_id,
        row.created_at,
        row.attempts,
    )


async def mark_sent(*, session: AsyncSession, mail_id: int, now: datetime) -> None:
    await session.execute(
        update(MailOutbox)
        .where(col(MailOutbox.id) == mail_id)
        .values(status=MailStatus.SENT, sent_at=now, lease_until=None, last_error=None)
    )


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try."""
    # The exponent is bounded: past an hour it no longer matters, and 2**99 minutes would
    # not fit in a timedelta.
    delay: timedelta = BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 10)
    return min(delay, BACKOFF_MAX)


async def mark_retry(
    *, session: AsyncSession, mail_id: int, now: datetime, attempts: int, error: str
) -> datetime:
    """Back in the queue after a transient failure; returns when it may go again. A row that
    another sender has meanwhile sent (its lease had run out) stays sent."""
    moment = now + backoff(attempts)
    await session.execute(
        update(MailOutbox)
        .where(col(MailOutbox.id) == mail_id, col(MailOutbox.status) == MailStatus.PENDING)
        .values(not_before=moment, lease_until=None, last_error=error[:ERROR_LENGTH])
    )
    return moment


async def mark_failed(*, session: AsyncSession, mail_id: int, error: str) -> None:
    """Refused for good (or out of tries): kept with the reason, never sent again by itself."""
    await session.execute(
        update(MailOutbox)
        .where(col(MailOutbox.id) == mail_id, col(MailOutbox.status) == MailStatus.PENDING)
        .values(status=MailStatus.FAILED, lease_until=None, last_error=error[:ERROR_LENGTH])
    )


async def next_due(*, session: AsyncSession, now: datetime) -> datetime | None:
    """When the next pending e-mail may go (never before ``now``), if any is pending."""
    result = await session.execute(
        select(col(MailOutbox.not_before), col(MailOutbox.lease_until)).where(
            col(MailOutbox.status) == MailStatus.PENDING
        )
    )
    moments = [max(nb, lease) if lease else nb for nb, lease in result.all()]
    return max(min(moments), now) if moments else None


async def recent_mails(*, session: AsyncSession, limit: int = 50) -> list[MailOutbox]:
    """The latest e-mails, newest first, without their attachments' bytes."""
    result = await session.execute(
        select(MailOutbox)
        .options(defer(MailOutbox.attachment))  # type: ignore[arg-type]
        .order_by(col(MailOutbox.id).desc())
        .limit(limit)
    )
    return list(result.scalars().all())


async def retry_mail(*, session: AsyncSession, mail_id: int, now: datetime) -> bool:
    """A failed e-mail goes back in the queue now, with fresh tries and its Message-ID; False
    unless it had failed (a sent one is never sent again)."""
    result = await session.execute(
        update(MailOutbox)
        .where(col(MailOutbox.id) == mail_id, col(MailOutbox.status) == MailStatus.FAILED)
        .values(status=MailStatus.PENDING, not_before=now, attempts=0, lease_until=None)
    )
    return rowcount(result) == 1


async def mails_of_revisions(
    *, session: AsyncSession, revision_ids: Sequence[int]
) -> dict[int, list[MailOutbox]]:
    """The e-mails that carry each signed revision upward, oldest first, without their
    attachments' bytes."""
    if not revision_ids:
        return {}
    result = await session.execute(
        select(MailOutbox)
        .options(defer(MailOutbox.attachment))  # type: ignore[arg-type]
        .where(col(MailOutbox.revision_id).in_(sorted(set(revision_ids))))
        .order_by(col(MailOutbox.id))
    )
    found: dict[int, list[MailOutbox]] = {}
    for mail in result.scalars().all():
        assert mail.revision_id is not None
        found.setdefault(mail.revision_id, []).append(mail)
    return found
