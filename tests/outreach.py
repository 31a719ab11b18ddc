"""The scheduler around a test bot: sweeps, delivery with a sleep that moves the frozen clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from scheduler.clock import FrozenClock
from scheduler.delivery import Delivery, Limits
from scheduler.oversight import Outreach
from scheduler.service import Sweeper
from storage.models import Outbox, Period, Person, RoleKind, Unit
from storage.reports import file_report
from tests.conftest import BotApp
from tests.seed import invite


@dataclass
class FakeSleep:
    """Sleeping moves the frozen clock instead of waiting."""

    clock: FrozenClock
    slept: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


@dataclass
class Harness:
    app: BotApp
    sweeper: Sweeper
    delivery: Delivery
    sleep: FakeSleep

    async def sweep_and_send(self) -> list[Any]:
        """Run the due sweeps, deliver, and return what the bot sent meanwhile."""
        start = len(self.app.api.calls)
        await self.sweeper.run_due()
        await self.delivery.drain()
        return [c for c in self.app.api.calls[start:] if c.method == "sendMessage"]

    async def outbox(self) -> list[Outbox]:
        async with self.app.runtime.db.sessions() as session:
            rows = await session.execute(select(Outbox).order_by(col(Outbox.id)))
            return list(rows.scalars().all())


def harness(app: BotApp, **limits: Any) -> Harness:
    outreach: Outreach = app.dp["outreach"]
    sleep = FakeSleep(app.clock)
    delivery = Delivery(
        db=app.runtime.db,
        bots={"telegram": app.bot},
        clock=app.clock,
        limits=Limits(**limits),
        sleep=sleep,
    )
    outreach.wake = delivery.wake
    sweeper = Sweeper(
        db=app.runtime.db,
        clock=app.clock,
        render=outreach.render,
        defaults=outreach.defaults,
    )
    return Harness(app, sweeper, delivery, sleep)


async def join_as(app: BotApp, user_id: int, unit: Unit, role: RoleKind, name: str) -> None:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, unit, role=role)
    await app.chat(user_id, name).say(f"/start i-{code}")


async def file_for(app: BotApp, user_id: int, unit: Unit, *, late: bool = False) -> None:
    """File the unit's report for the period open now (``late``: the unfiled one before it),
    straight through storage."""
    from scheduler.reporting import Assignment, target

    async with app.runtime.db.sessions() as session:
        person = (
            await session.execute(select(Person).where(Person.external_id == str(user_id)))
        ).scalar_one()
        fresh_unit = await session.get(Unit, unit.id)
        assert fresh_unit is not None
        now = app.clock.now()
        found = await target(
            session=session, assignment=Assignment(fresh_unit, app.seed.campaign), now=now
        )
        assert found is not None
        period: Period | None = found.missed if late else found.period
        assert period is not None
        await file_report(
            session=session,
            period=period,
            unit=fresh_unit,
            values={"leadership": "Họp chi bộ", "news_count": 1},
            person=person,
            now=now,
        )
        await session.commit()
