"""Draining the outbox within the messenger's limits.

Telegram allows about 30 messages a second in all and one a second per chat; above that it
answers 429 with ``retry_after``. A bot built by the composition root carries its limiter
(bot.throttle), shared with the direct replies: the loop then sends as outbox traffic, which
takes only the slots replies leave (a reply never waits behind a 5,000-reminder backlog), and
keeps only its own rule of one message per chat per batch. A bot without one (a test's) is
paced here: even spacing at the configured rate, ``per_chat_seconds`` per chat, and on a 429
everything stops for as long as it is told. Each message is claimed (a lease) and committed
before it is sent and marked sent right after: a crash repeats at most the messages that were
on their way. Every process runs this loop; on PostgreSQL each takes its own batch
(``storage.outbox.next_batch``), so several processes drain one outbox side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.throttle.middleware import NoHeadroom, background_traffic, throttle_of
from scheduler.clock import Clock
from scheduler.quiet import QuietHours
from storage.database import Database
from storage.outbox import (
    Parcel,
    claim,
    give_up,
    mark_sent,
    mark_unreachable,
    next_batch,
    next_due,
    postpone,
    release,
    retry_at,
    void_obsolete,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Between two failed tries of one message: 30 s, 1 min, 2 min … at most an hour.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# With nothing due, look again this often (a new message also wakes the loop at once).
IDLE_POLL = timedelta(seconds=30)
# Messages taken at a time: on PostgreSQL held together, so sent well within their lease.
BATCH = 200


@dataclass(frozen=True, slots=True)
class Limits:
    rate: float = 25.0
    per_chat_seconds: float = 1.0
    max_attempts: int = 6
    concurrency: int = 4
    lease: timedelta = timedelta(seconds=60)


@dataclass(slots=True)
class Tally:
    sent: int = 0
    throttled: int = 0  # 429s received
    retried: int = 0
    failed: int = 0
    unreachable: int = 0


class Pace:
    """Even spacing at ``rate`` overall; at least ``per_chat`` between two messages to a chat."""

    def __init__(self, clock: Clock, sleep: Sleep, rate: float, per_chat: float) -> None:
        self.clock = clock
        self.sleep = sleep
        self.gap = timedelta(seconds=1 / rate)
        self.per_chat = timedelta(seconds=per_chat)
        self.next_slot = clock.now()
        self.last: dict[tuple[str, str], datetime] = {}

    def chat_ready_at(self, chat: tuple[str, str]) -> datetime | None:
        last = self.last.get(chat)
        return last + self.per_chat if last is not None else None

    async def take(self, chat: tuple[str, str]) -> None:
        """Wait for the next free slot, then book it (and the chat) for one message."""
        while True:
            now = self.clock.now()
            wait = self.next_slot - now
            if wait <= timedelta(0):
                break
            await self.sleep(wait.total_seconds())
        now = self.clock.now()
        self.next_slot = max(self.next_slot, now) + self.gap
        self.last[chat] = now
        if len(self.last) > 50_000:  # forget chats long past their gap
            self.last = {k: v for k, v in self.last.items() if v + self.per_chat > now}

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing goes out until it allows again."""
        self.next_slot = max(self.next_slot, self.clock.now() + timedelta(seconds=seconds))


@lru_cache(maxsize=64)
def _quiet(text: str) -> QuietHours | None:
    return QuietHours.parse(text)


def quiet_until(parcel: Parcel, now: datetime) -> datetime | None:
    """When the recipient's quiet hours end, if ``now`` falls in them."""
    if not parcel.quiet_hours or not parcel.timezone:
        return None
    quiet = _quiet(parcel.quiet_hours)
    tz = ZoneInfo(parcel.timezone)
    if quiet is None or not quiet.contains(now, tz):
        return None
    return quiet.release(now, tz)


def chat_id_of(raw: str) -> int | str:
    """Telegram ids are integers; other channels (Zalo) use strings."""
    return int(raw) if raw.lstrip("-").isdigit() else raw


class Delivery:
    """The loop that drains the outbox through the bots of each channel."""

    def __init__(
        self,
        *,
        db: Database,
        bots: Mapping[str, Bot],
        clock: Clock,
        limits: Limits,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.db = db
        self.bots = dict(bots)
        self.clock = clock
        self.limits = limits
        self.sleep = sleep
        self.pace = Pace(clock, sleep, limits.rate, limits.per_chat_seconds)
        self.tally = Tally()
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(limits.concurrency)
        self._stopping = False

    @property
    def batch_size(self) -> int:
        """A batch goes out within half its lease at the configured rate."""
        within = self.limits.rate * self.limits.lease.total_seconds() / 2
        return max(self.limits.concurrency, min(BATCH, int(within)))

    @property
    def channels(self) -> list[str]:
        return sorted(self.bots)

    def wake(self) -> None:
        """New messages were queued: look now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the messages on their way, then return from ``run``. Cancelling instead could
        cut a database call short, and the driver's clean-up of that connection can outlive
        the engine."""
        self._stopping = True
        self._wake.set()

    async def drain(self) -> Tally:
        """Send everything that may go now; return when nothing more may (yet)."""
        while not self._stopping:
            now = self.clock.now()
            async with self.db.unit_of_work() as session:
                await void_obsolete(session=session, now=now)
            async with self.db.unit_of_work() as session:
                # On PostgreSQL the batch is held for this sender (SKIP LOCKED): senders of
                # other processes take the next rows.
                batch = await next_batch(
                    session=session,
                    now=now,
                    channels=self.channels,
                    until=now + self.limits.lease,
                    limit=self.batch_size,
                )
            if not batch:
                return self.tally
            if not await self._send_batch(batch):
                return self.tally
        return self.tally

    async def _send_batch(self, batch: list[Parcel]) -> bool:
        """Send what the per-chat gap allows; False when nothing could be done."""
        tasks: list[asyncio.Task[None]] = []
        waiting: list[datetime] = []
        booked: set[tuple[str, str]] = set()
        unsent: list[int] = []
        postponed = False
        for index, parcel in enumerate(batch):
            if self._stopping:
                unsent += [p.id for p in batch[index:] if p.lease is not None]
                break
            later = quiet_until(parcel, self.clock.now())
            if later is not None:  # a retry or a long queue ran into the night: no slot used
                await self._postpone(parcel, later)
                postponed = True
                continue
            chat = (parcel.channel, parcel.chat_id)
            paced = self._paced(parcel.channel)
            ready = self.pace.chat_ready_at(chat) if paced else None
            if chat in booked or (ready is not None and ready > self.clock.now()):
                waiting.append(ready or self.clock.now())
                if parcel.lease is not None:
                    unsent.append(parcel.id)
                continue
            booked.add(chat)
            await self._slots.acquire()
            if paced:
                await self.pace.take(chat)
            tasks.append(asyncio.create_task(self._deliver(parcel)))
        if unsent:  # held with the batch, but their chat must wait: free for any sender
            held = next(p.lease for p in batch if p.lease is not None)
            await self._write(lambda s: release(session=s, parcel_ids=unsent, held=held))
        if tasks:
            await asyncio.gather(*tasks)
            return True
        if waiting:
            delay = (min(waiting) - self.clock.now()).total_seconds()
            await self.sleep(max(delay, 0.001))
            return True
        return postponed

    def _paced(self, channel: str) -> bool:
        """Whether this loop spaces the channel's messages itself (its bot has no limiter)."""
        return throttle_of(self.bots[channel]) is None

    async def _postpone(self, parcel: Parcel, moment: datetime) -> None:
        await self._write(
            lambda s: postpone(session=s, parcel_id=parcel.id, moment=moment, held=parcel.lease)
        )

    async def _deliver(self, parcel: Parcel) -> None:
        try:
            await self._deliver_one(parcel)
        finally:
            self._slots.release()

    async def _deliver_one(self, parcel: Parcel) -> None:
        now = self.clock.now()
        async with self.db.unit_of_work() as session:
            claimed = await claim(
                session=session,
                parcel_id=parcel.id,
                now=now,
                until=now + self.limits.lease,
                held=parcel.lease,
            )
        if not claimed:
            return  # another sender has it, or it is done
        try:
            await self._send(parcel)
        except TelegramRetryAfter as error:
            self.pace.pause(error.retry_after)
            self.tally.throttled += 1
            metrics.THROTTLED.labels(parcel.channel).inc()
            log.warning("outbox: told to wait %s s (429)", error.retry_after)
            moment = self.clock.now() + timedelta(seconds=error.retry_after)
            await self._write(
                lambda s: retry_at(
                    session=s, parcel_id=parcel.id, moment=moment, error="429", counted=False
                )
            )
        except NoHeadroom as busy:
            # Replies took every slot: back in the queue, not counted as a try.
            log.info("outbox %d: no free slot (%s); back in the queue", parcel.id, busy)
            later = self.clock.now() + timedelta(seconds=busy.seconds)
            await self._write(
                lambda s: retry_at(
                    session=s, parcel_id=parcel.id, moment=later, error="busy", counted=False
                )
            )
        except TelegramForbiddenError as error:
            self.tally.unreachable += 1
            metrics.DELIVERIES.labels(parcel.channel, "unreachable").inc()
            log.info("outbox %d: recipient blocked the bot", parcel.id)
            await self._unreachable(parcel, f"blocked: {error.message}")
        except (TelegramBadRequest, TelegramNotFound) as error:
            self.tally.failed += 1
            metrics.DELIVERIES.labels(parcel.channel, "failed").inc()
            log.warning("outbox %d refused: %s", parcel.id, error.message)
            refused = f"refused: {error.message}"
            await self._write(lambda s: give_up(session=s, parcel_id=parcel.id, error=refused))
        except Exception as error:  # server errors, network, timeouts: try again later
            await self._failed_try(parcel, error)
        else:
            self.tally.sent += 1
            metrics.DELIVERIES.labels(parcel.channel, "sent").inc()
            sent_at = self.clock.now()
            await self._write(lambda s: mark_sent(session=s, parcel_id=parcel.id, now=sent_at))

    async def _send(self, parcel: Parcel) -> None:
        bot = self.bots[parcel.channel]
        markup = InlineKeyboardMarkup.model_validate(parcel.markup) if parcel.markup else None
        with background_traffic():
            await bot.send_message(
                chat_id=chat_id_of(parcel.chat_id), text=parcel.text, reply_markup=markup
            )

    async def _failed_try(self, parcel: Parcel, error: Exception) -> None:
        tries = parcel.attempts + 1
        reason = f"{type(error).__name__}: {error}"[:200]
        if tries >= self.limits.max_attempts:
            self.tally.failed += 1
            metrics.DELIVERIES.labels(parcel.channel, "failed").inc()
            log.warning("outbox %d: giving up after %d tries (%s)", parcel.id, tries, reason)
            final = f"gave up after {tries} tries: {reason}"
            await self._write(lambda s: give_up(session=s, parcel_id=parcel.id, error=final))
            return
        self.tally.retried += 1
        metrics.DELIVERIES.labels(parcel.channel, "retried").inc()
        delay = min(BACKOFF_FIRST * 2 ** (tries - 1), BACKOFF_MAX)
        log.info("outbox %d: try %d failed (%s); again in %s", parcel.id, tries, reason, delay)
        moment = self.clock.now() + delay
        await self._write(
            lambda s: retry_at(session=s, parcel_id=parcel.id, moment=moment, error=reason)
        )

    async def _unreachable(self, parcel: Parcel, reason: str) -> None:
        now = self.clock.now()

        async def change(session: AsyncSession) -> None:
            await give_up(session=session, parcel_id=parcel.id, error=reason)
            await mark_unreachable(session=session, person_id=parcel.person_id, now=now)

        await self._write(change)

    async def _write(self, change: Callable[[AsyncSession], Awaitable[None]]) -> None:
        async with self.db.unit_of_work() as session:
            await change(session)

    async def next_wake(self) -> datetime | None:
        async with self.db.sessions() as session:
            return await next_due(session=session, now=self.clock.now(), channels=self.channels)

    async def run(self) -> None:
        """Drain until stopped: now, whenever woken, and when the next message comes due."""
        while not self._stopping:
            # Cleared before the round, not after it: a bell rung meanwhile (a letter queued, a
            # stop) is heard at once instead of after the idle poll.
            self._wake.clear()
            try:
                await self.drain()
                due = await self.next_wake()
            except Exception:
                log.exception("outbox: delivery round failed; trying again shortly")
                due = None
            now = self.clock.now()
            wait = IDLE_POLL if due is None else min(max(due - now, timedelta(0)), IDLE_POLL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait.total_seconds())
