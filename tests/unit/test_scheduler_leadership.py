"""The scheduler service runs its jobs only while its process leads; delivery runs anyway."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, cast

from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING

from scheduler.clock import FrozenClock
from scheduler.leader import Hook
from scheduler.plan import CampaignRules, Sweep
from scheduler.service import Outcome, SchedulerService, Sweeper
from storage.models import Campaign
from tests.chat import at

TIMEOUT = 10.0


class Contest:
    """A leadership the test hands out and takes back."""

    def __init__(self) -> None:
        self.lead: Hook | None = None
        self.lose: Hook | None = None
        self._leading = False
        self._stopped = asyncio.Event()
        self.ready = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self._leading

    async def run(self, on_lead: Hook, on_lose: Hook) -> None:
        self.lead, self.lose = on_lead, on_lose
        self.ready.set()
        await self._stopped.wait()
        if self._leading:
            self._leading = False
            await on_lose()

    async def win(self) -> None:
        assert self.lead is not None
        self._leading = True
        await self.lead()

    async def lose_it(self) -> None:
        assert self.lose is not None
        self._leading = False
        await self.lose()

    def stop(self) -> None:
        self._stopped.set()


class CountingSweeper(Sweeper):
    """No database: counts the sweeps and can hold one mid-way."""

    def __init__(self) -> None:
        super().__init__(
            db=cast(Any, None),
            clock=FrozenClock(at("2025-11-10 09:00")),
            render=cast(Any, None),
            defaults=cast(Any, None),
        )
        self.runs = 0
        self.hold = asyncio.Event()
        self.held = asyncio.Event()
        self.cancelled = False

    async def plan(
        self, since: datetime, until: datetime
    ) -> list[tuple[Sweep, Campaign, CampaignRules]]:
        return []

    async def run_due(
        self, *, now: datetime | None = None, dry_run: bool = False
    ) -> list[Outcome]:
        self.runs += 1
        self.held.set()
        try:
            await self.hold.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return []


async def test_jobs_wait_for_the_lead_and_stop_with_it() -> None:
    sweeper, contest = CountingSweeper(), Contest()
    service = SchedulerService(sweeper, None, leader=contest)
    await asyncio.wait_for(service.start(), TIMEOUT)  # does not wait for the lead
    try:
        await asyncio.wait_for(contest.ready.wait(), TIMEOUT)
        assert service.scheduler.state == STATE_PAUSED
        await asyncio.sleep(0.2)  # a paused scheduler's catch-up would have run by now
        assert sweeper.runs == 0

        await contest.win()
        assert service.scheduler.state == STATE_RUNNING
        await asyncio.wait_for(sweeper.held.wait(), TIMEOUT)  # the catch-up sweep runs
        assert sweeper.runs == 1

        await contest.lose_it()  # mid-sweep: it is cancelled, the jobs paused
        assert sweeper.cancelled
        assert service.scheduler.state == STATE_PAUSED
    finally:
        await asyncio.wait_for(service.stop(), TIMEOUT)


async def test_stop_lets_the_running_sweep_finish_before_giving_up_the_lead() -> None:
    sweeper, contest = CountingSweeper(), Contest()
    service = SchedulerService(sweeper, None, leader=contest)
    await service.start()
    await asyncio.wait_for(contest.ready.wait(), TIMEOUT)
    await contest.win()
    await asyncio.wait_for(sweeper.held.wait(), TIMEOUT)
    stopping = asyncio.create_task(service.stop())
    await asyncio.sleep(0.1)
    assert contest.leading and not stopping.done()  # the sweep still runs: still leading
    sweeper.hold.set()
    await asyncio.wait_for(stopping, TIMEOUT)
    assert [contest.leading, sweeper.cancelled] == [False, False]  # finished, then let go
