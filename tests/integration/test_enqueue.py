"""Queueing letters: what goes in past the ORM reads back as the ORM would have stored it, and
a key already queued is queued once (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Outbox, OutboxStatus, Person, Purpose
from storage.outbox import Letter, enqueue

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)


async def people(session: AsyncSession, count: int) -> list[tuple[int, str]]:
    await session.execute(
        insert(Person),
        [
            {"channel": "telegram", "external_id": str(9000 + i), "full_name": f"Bí thư {i}"}
            | {"created_at": NOW}
            for i in range(count)
        ],
    )
    rows = await session.execute(
        select(col(Person.id), col(Person.external_id)).order_by(col(Person.id))
    )
    return [(person_id, chat_id) for person_id, chat_id in rows.all() if person_id is not None]


def letter(person_id: int, chat_id: str, number: int, **changes: object) -> Letter:
    values: dict[str, object] = {
        "key": f"test:{number}",
        "purpose": Purpose.REMINDER,
        "person_id": person_id,
        "channel": "telegram",
        "chat_id": chat_id,
        "text": f"⏰ Nhắc <b>Chi bộ {number}</b> & «Góp ý» {{unit}}",
        "markup": {"inline_keyboard": [[{"text": "📝", "callback_data": f"tg:{number}:1"}]]},
        "not_before": NOW + timedelta(hours=5),
        "expires_at": NOW + timedelta(days=1),
        "quiet_hours": "21:00-07:00",
        "timezone": "Asia/Ho_Chi_Minh",
    } | changes
    return Letter(**values)  # type: ignore[arg-type]


async def test_letters_read_back_as_queued_and_a_key_goes_in_once(session: AsyncSession) -> None:
    found = await people(session, 4)
    # Values shared by all letters (given once) and values that differ (one per row), a
    # JSON markup and none, an expiry and none, a datetime in another zone.
    letters = [
        letter(*found[0], 1),
        letter(*found[1], 2, markup=None, expires_at=None, quiet_hours=None, timezone=None),
        letter(
            *found[2],
            3,
            purpose=Purpose.MANUAL,
            not_before=NOW.astimezone(UTC) + timedelta(hours=1),
        ),
        letter(*found[2], 3, text="the same key twice in one batch"),
    ]
    assert await enqueue(session=session, letters=letters, now=NOW) == 3
    rows = (await session.execute(select(Outbox).order_by(col(Outbox.key)))).scalars().all()
    assert [row.key for row in rows] == ["test:1", "test:2", "test:3"]
    for row, sent in zip(rows, letters[:3], strict=True):
        assert (row.purpose, row.person_id, row.channel, row.chat_id, row.text) == (
            sent.purpose,
            sent.person_id,
            sent.channel,
            sent.chat_id,
            sent.text,
        )
        assert (row.markup, row.not_before, row.expires_at) == (
            sent.markup,
            sent.not_before,
            sent.expires_at,
        )
        assert (row.quiet_hours, row.timezone) == (sent.quiet_hours, sent.timezone)
        assert (row.created_at, row.status, row.attempts) == (NOW, OutboxStatus.PENDING, 0)
        assert row.lease_until is None and row.sent_at is None
    # Queued by the delivery loop's own query: the datetimes compare in SQL as the ORM's do.
    due = await session.execute(
        select(col(Outbox.key)).where(col(Outbox.not_before) <= NOW + timedelta(hours=2))
    )
    assert due.scalars().all() == ["test:3"]

    again = [letter(*found[0], 1), letter(*found[3], 4), letter(*found[1], 2)]
    assert await enqueue(session=session, letters=again, now=NOW) == 1
    assert await enqueue(session=session, letters=[letter(*found[3], 4)], now=NOW) == 0
    assert await enqueue(session=session, letters=[], now=NOW) == 0
    keys = await session.execute(select(col(Outbox.key)).order_by(col(Outbox.key)))
    assert keys.scalars().all() == ["test:1", "test:2", "test:3", "test:4"]
