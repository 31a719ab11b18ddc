"""Wrong invite codes sent at once by one person (polling handles a batch of updates as
concurrent tasks) are throttled like the same codes one after the other: five looked up."""

from __future__ import annotations

import asyncio

import pytest

from storage.database import create_engine, create_session_factory
from storage.invites import RedeemOutcome, redeem_invite
from storage.models import Person
from storage.people import get_or_create_person
from tests.chat import at
from tests.databases import truncate_postgres
from tests.seed import TEST_KEY

NOW = at("2025-11-10 09:00")
WRONG = [f"ABCDEFG{a}{b}{c}" for a in "234" for b in "5678" for c in "9X"][:20]


@pytest.mark.postgres
async def test_twenty_wrong_codes_at_once_look_up_five(postgres_ready: str) -> None:
    await truncate_postgres(postgres_ready)
    engine = create_engine(postgres_ready, pool_size=20, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            person = await get_or_create_person(
                session=session,
                channel="telegram",
                external_id="4242",
                full_name="Đoán Mã",
                now=NOW,
            )
            await session.commit()
            person_id = person.id

        async def attempt(code: str) -> RedeemOutcome:
            async with sessions() as session:
                found = await session.get(Person, person_id)
                assert found is not None
                result = await redeem_invite(
                    session=session, code=code, person=found, key=TEST_KEY, now=NOW
                )
                await session.commit()
                return result.outcome

        outcomes = await asyncio.gather(*(attempt(code) for code in WRONG))
        assert outcomes.count(RedeemOutcome.UNKNOWN) == 5, outcomes
        assert outcomes.count(RedeemOutcome.THROTTLED) == 15, outcomes
    finally:
        await engine.dispose()
