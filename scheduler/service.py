"""The scheduler in the process: APScheduler jobs derived from the campaigns, and the sweeps
they run.

Every job is a wake-up call with the key of its sweep as id; whichever fires, the sweeper runs
every sweep whose time has come and that has not run yet (``scheduler.plan.due``). The same
call at start-up catches up with what was missed while the bot was down, and the jobs are
derived again every few minutes, so a campaign imported by another process is picked up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.clock import Clock
from scheduler.delivery import Delivery
from scheduler.mail_delivery import MailDelivery
from scheduler.notices import Renderer
from scheduler.plan import CampaignRules, Sweep, due, sweeps
from scheduler.sweeps import Defaults, letters_for, rules_of, unfiled_for
from scheduler.themes import EVERY as THEMES_EVERY
from scheduler.themes import update_themes
from storage.campaigns import campaigns_live
from storage.completeness import UnitState
from storage.database import Database
from storage.models import Campaign
from storage.outbox import Letter, enqueue
from storage.sweep_runs import ran, record

log = logging.getLogger(__name__)

# How far back a start-up looks for missed sweeps, and how far ahead jobs are set.
LOOKBACK = timedelta(days=8)
HORIZON = timedelta(days=2)
RESYNC = timedelta(minutes=5)
RESYNC_JOB = "resync"
CATCH_UP_JOB = "catch-up"
THEMES_JOB = "themes"
# How long a stop waits for a sweep or a send to finish before cancelling it.
STOP_GRACE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Outcome:
    sweep: Sweep
    campaign: Campaign
    letters: list[Letter]
    queued: int
    # A dry run's reminder sweep: every unit that has not filed, reachable or not.
    unfiled: list[UnitState] = field(default_factory=list)


class Sweeper:
    """Finds the sweeps that are due and runs each once."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        render: Renderer,
        defaults: Defaults,
    ) -> None:
        self.db = db
        self.clock = clock
        self.render = render
        self.defaults = defaults

    async def plan(
        self, since: datetime, until: datetime
    ) -> list[tuple[Sweep, Campaign, CampaignRules]]:
        async with self.db.sessions() as session:
            found: list[tuple[Sweep, Campaign, CampaignRules]] = []
            for campaign in await campaigns_live(session=session, since=since, until=until):
                rules = await rules_of(session=session, campaign=campaign, defaults=self.defaults)
                found += [(s, campaign, rules) for s in sweeps(rules, since, until)]
        return sorted(found, key=lambda item: item[0])

    async def run_due(
        self, *, now: datetime | None = None, dry_run: bool = False
    ) -> list[Outcome]:
        """Run each due sweep once (queueing its letters); ``dry_run`` writes nothing."""
        now = now or self.clock.now()
        planned = await self.plan(now - LOOKBACK, now)
        by_key = {sweep.key: (campaign, rules) for sweep, campaign, rules in planned}
        outcomes: list[Outcome] = []
        async with self.db.unit_of_work() as session:
            done = await ran(session=session, keys=by_key)
            to_run, dropped = due([s for s, _, _ in planned], now, done)
            for sweep in to_run:
                campaign, rules = by_key[sweep.key]
                try:
                    letters = await letters_for(
                        session=session,
                        sweep=sweep,
                        campaign=campaign,
                        rules=rules,
                        now=now,
                        render=self.render,
                    )
                    queued = 0
                    unfiled = (
                        await unfiled_for(
                            session=session, sweep=sweep, campaign=campaign, rules=rules
                        )
                        if dry_run
                        else []
                    )
                    if not dry_run:
                        queued = await enqueue(session=session, letters=letters, now=now)
                        await record(session=session, key=sweep.key, now=now, queued=queued)
                        await session.commit()
                        log.info("sweep %s: %d queued of %d", sweep.key, queued, len(letters))
                except Exception:
                    # One bad campaign must not hold up the others; unrecorded, it is tried
                    # again at the next tick for as long as it is useful.
                    await session.rollback()
                    log.exception("sweep %s failed", sweep.key)
                    continue
                outcomes.append(Outcome(sweep, campaign, letters, queued, unfiled))
            if dry_run:
                await session.rollback()
                return outcomes
            for sweep in dropped:
                await record(session=session, key=sweep.key, now=now, queued=0, skipped=True)
                log.info("sweep %s: missed and no longer useful, dropped", sweep.key)
            await session.commit()
        return outcomes


class SchedulerService:
    """APScheduler (3.x) in the bot's event loop, and the delivery loops beside it: chat
    messages, and e-mails when SMTP is configured."""

    def __init__(
        self, sweeper: Sweeper, delivery: Delivery | None, mail: MailDelivery | None = None
    ) -> None:
        self.sweeper = sweeper
        self.delivery = delivery
        self.mail = mail
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                # A job late because the loop was busy still runs; the sweeper decides whether
                # what it would do is still useful.
                "misfire_grace_time": int(LOOKBACK.total_seconds()),
                "max_instances": 1,
            },
        )
        self._delivery_task: asyncio.Task[None] | None = None
        self._mail_task: asyncio.Task[None] | None = None
        # APScheduler does not cancel a running coroutine job on shutdown; stop() does.
        self._running: set[asyncio.Task[object]] = set()
        self._stopped = False

    async def start(self) -> None:
        self.scheduler.start()
        # Catch up with what was missed while the bot was down, without holding up its start.
        self.scheduler.add_job(self.tick, id=CATCH_UP_JOB)
        self.scheduler.add_job(
            self.resync, IntervalTrigger(seconds=RESYNC.total_seconds()), id=RESYNC_JOB
        )
        self.scheduler.add_job(
            self.themes, IntervalTrigger(seconds=THEMES_EVERY.total_seconds()), id=THEMES_JOB
        )
        await self.sync()
        if self.delivery is not None:
            self._delivery_task = asyncio.create_task(self.delivery.run(), name="outbox")
        if self.mail is not None:
            self._mail_task = asyncio.create_task(self.mail.run(), name="mail")

    async def stop(self) -> None:
        """Let running jobs and the messages on their way finish (for ``STOP_GRACE`` at most),
        then cancel what is left."""
        self._stopped = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.delivery is not None:
            self.delivery.stop()
        if self.mail is not None:
            self.mail.stop()
        tasks: list[asyncio.Task[object]] = [*self._running]
        if self._delivery_task is not None:
            tasks.append(self._delivery_task)
        if self._mail_task is not None:
            tasks.append(self._mail_task)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE.total_seconds())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def tick(self) -> None:
        """Job: run the due sweeps, then wake the delivery loop if anything was queued."""
        await self._guarded(self._tick)

    async def _tick(self) -> None:
        outcomes = await self.sweeper.run_due()
        if self.delivery is not None and any(o.queued for o in outcomes):
            self.delivery.wake()

    async def themes(self) -> None:
        """Job: new comments into their groups of opinions; sections grouped again nightly."""
        await self._guarded(self._themes)

    async def _themes(self) -> None:
        async with self.sweeper.db.unit_of_work() as session:
            await update_themes(session=session, now=self.sweeper.clock.now())

    async def resync(self) -> None:
        """Job: derive the jobs again (a campaign may have changed in another process)."""
        await self._guarded(self.sync)

    async def _guarded(self, job: Callable[[], Awaitable[object]]) -> None:
        """Run a job so that stop() can cancel it and its failure only gets logged."""
        if self._stopped:  # a job APScheduler handed out just before shutdown
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job()
        except asyncio.CancelledError:
            # Only stop() cancels a job; it ends quietly (a sweep's letters and its record
            # commit together, so a rerun finishes it).
            return
        except Exception:
            log.exception("scheduler job failed; the next job or resync tries again")
        finally:
            if task is not None:
                self._running.discard(task)

    async def sync(self) -> list[Sweep]:
        """Set one job per sweep in the next ``HORIZON``; drop jobs of sweeps no longer planned."""
        now = self.sweeper.clock.now()
        planned = [s for s, _, _ in await self.sweeper.plan(now, now + HORIZON)]
        wanted = {s.key for s in planned}
        for job in self.scheduler.get_jobs():
            if job.id not in (RESYNC_JOB, CATCH_UP_JOB, THEMES_JOB) and job.id not in wanted:
                job.remove()
        for sweep in planned:
            self.scheduler.add_job(
                self.tick,
                DateTrigger(run_date=sweep.fire_at),
                id=sweep.key,
                name=f"{sweep.kind.value} {sweep.level}".strip(),
                replace_existing=True,
            )
        return planned
