"""An official's process for the signing race: signs the ward's report once per round, all
rounds released by the test at once.

    python -m tests.integration.signing_worker <db_url> <ward_id> <period_id> <person_id>
        <rounds> <lock_class>

Round r: wait for the PostgreSQL advisory lock (lock_class, r) that the test holds (shared, so
both processes pass together when the test lets it go), then sign with ``seen`` = r. One JSON
line per round: {"round": r, "number": the revision stored, or null when refused}. Any error
escapes: the process exits non-zero with the traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta

from sqlalchemy import text

from services.signing import own_form, sign
from storage.database import create_engine, create_session_factory
from storage.models import Campaign, Period, Person, Unit
from tests.chat import at
from tests.integration.signing_world import render

SIGNED_AT = at("2025-11-13 09:00")


async def main(
    url: str, ward_id: int, period_id: int, person_id: int, rounds: int, lock_class: int
) -> None:
    engine = create_engine(url, pool_size=2, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        async with engine.connect() as gate:
            await gate.execution_options(isolation_level="AUTOCOMMIT")
            for number in range(rounds):
                key = {"c": lock_class, "r": number}
                await gate.execute(text("SELECT pg_advisory_lock_shared(:c, :r)"), key)
                await gate.execute(text("SELECT pg_advisory_unlock_shared(:c, :r)"), key)
                async with sessions() as session:
                    ward = await session.get(Unit, ward_id)
                    period = await session.get(Period, period_id)
                    person = await session.get(Person, person_id)
                    assert ward is not None and period is not None and person is not None
                    campaign = await session.get(Campaign, period.campaign_id)
                    assert campaign is not None
                    signed = await sign(
                        session=session,
                        unit=ward,
                        campaign=campaign,
                        period=period,
                        own={"news_count": number},
                        form=await own_form(session=session, unit=ward, campaign=campaign),
                        person=person,
                        now=SIGNED_AT + timedelta(minutes=number),
                        seen=number,
                        render=render,
                    )
                    await session.commit()
                stored = signed.filed.revision.number if signed is not None else None
                print(json.dumps({"round": number, "number": stored}), flush=True)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    url, *numbers = sys.argv[1:]
    ward, period, person, rounds, lock_class = (int(n) for n in numbers)
    asyncio.run(main(url, ward, period, person, rounds, lock_class))
