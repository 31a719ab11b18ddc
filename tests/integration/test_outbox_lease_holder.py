"""Giving back rows held with a batch touches only the rows this sender still holds.

# review: a sender slow to reach a row of its batch (a 429 pause, a full set of slots) can
# find its lease expired and the row taken by another sender. Giving it back then (its chat
# must wait; quiet hours) used to clear the other sender's lease, so a third sender took the
# row while the second was sending it: the message went twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from storage.database import create_engine, create_session_factory
from storage.models import Outbox
from storage.outbox import next_batch, postpone, release
from tests.databases import truncate_postgres
from tests.integration.test_outbox_crash import seed_outbox

pytestmark = pytest.mark.postgres
LEASE = timedelta(seconds=60)


@pytest.fixture
async def pg_url(postgres_ready: str) -> str:
    await truncate_postgres(postgres_ready)
    return postgres_ready


@pytest.mark.parametrize("give_back", ["release", "postpone"])
async def test_a_late_sender_does_not_free_a_row_another_now_holds(
    pg_url: str, give_back: str
) -> None:
    start = datetime.now(UTC)
    await seed_outbox(pg_url, 1, start)
    engine = create_engine(pg_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            first = await next_batch(
                session=session, now=start, channels=["telegram"], until=start + LEASE
            )
            await session.commit()
        # The first sender is slow: its lease runs out and a second sender takes the row.
        later = start + LEASE + timedelta(seconds=1)
        async with sessions() as session:
            second = await next_batch(
                session=session, now=later, channels=["telegram"], until=later + LEASE
            )
            await session.commit()
        assert [p.id for p in second] == [p.id for p in first]
        parcel = first[0]
        assert parcel.lease is not None
        # Now the first sender gives the row back (its chat must wait, or quiet hours).
        async with sessions() as session:
            if give_back == "release":
                await release(session=session, parcel_ids=[parcel.id], held=parcel.lease)
            else:
                await postpone(
                    session=session,
                    parcel_id=parcel.id,
                    moment=later,
                    held=parcel.lease,
                )
            await session.commit()
        async with sessions() as session:
            lease = await session.scalar(
                select(col(Outbox.lease_until)).where(col(Outbox.id) == parcel.id)
            )
            third = await next_batch(
                session=session,
                now=later + timedelta(seconds=1),
                channels=["telegram"],
                until=later + LEASE,
            )
            await session.commit()
        assert lease == later + LEASE  # still the second sender's
        assert third == []  # nobody else may send it meanwhile
    finally:
        await engine.dispose()
