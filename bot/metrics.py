"""Prometheus metrics: the registry, every ``gopy_*`` name, and the page ``/metrics`` serves.

Counters and histograms are changed where their event happens (an outer dispatcher middleware
for updates, the delivery loop, the sweeper, the report form); the outbox's depth is read from
the database when Prometheus asks (``OutboxProbe``), at most once per ``PROBE_SECONDS``.
The metrics are module-level on purpose, the one thing here built at import: an event happens
once per process whatever builds it, and the multiprocess mode keys its files by name.

Several processes: each process counts its own. ``gopy run`` and ``gopy scheduler`` each serve
``/metrics`` on their own port, and Prometheus scrapes each (its ``instance`` label tells them
apart; compose.yaml runs each worker as its own service). When several processes answer on one
port (``gopy run --workers N``), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder shared by
them: prometheus-client then keeps the values in files there and ``/metrics`` adds up all of
the processes' (its multiprocess mode; the folder must be emptied before they start).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # the scheduler and a multiprocess scrape need no aiogram to count
    from aiogram import Dispatcher
    from aiogram.types import TelegramObject

REGISTRY = CollectorRegistry()
CONTENT_TYPE = CONTENT_TYPE_LATEST
# The outbox's depth is one indexed query; a scrape every few seconds reads it at most this often.
PROBE_SECONDS = 10.0

UPDATES = Counter(
    "gopy_updates_total",
    "Updates handled, by kind (message, callback_query…) and channel.",
    ["kind", "channel"],
    registry=REGISTRY,
)
UPDATE_ERRORS = Counter(
    "gopy_update_errors_total",
    "Updates whose handling raised, by kind and channel.",
    ["kind", "channel"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "gopy_update_seconds",
    "Time to handle one update, from the dispatcher to the handler's end, by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "gopy_outbox_deliveries_total",
    "Queued messages (reminders, escalations, digests, replies) by outcome: sent, retried, "
    "failed, unreachable.",
    ["channel", "result"],
    registry=REGISTRY,
)
THROTTLED = Counter(
    "gopy_throttled_total",
    "429 Too Many Requests received from a messenger.",
    ["channel"],
    registry=REGISTRY,
)
QUEUED = Counter(
    "gopy_sweep_queued_total",
    "Messages queued by sweeps, by kind of sweep (reminder, escalation, digest…).",
    ["kind"],
    registry=REGISTRY,
)
REPORTS_FILED = Counter(
    "gopy_reports_filed_total",
    "Reports stored: filed by a cell's form, or signed by the unit above.",
    ["kind"],
    registry=REGISTRY,
)


def multiprocess() -> bool:
    """Whether several processes share their metrics through files (PROMETHEUS_MULTIPROC_DIR)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


@dataclass(frozen=True, slots=True)
class Depth:
    """The outbox's pending messages and when the oldest was queued (None when empty)."""

    pending: int
    oldest: datetime | None


class OutboxProbe(Collector):
    """The outbox's depth and the age of its oldest pending message, read at scrape time."""

    def __init__(
        self,
        read: Callable[[], Awaitable[Depth]],
        now: Callable[[], datetime],
        *,
        every: float = PROBE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.read = read
        self.now = now
        self.every = every
        self.monotonic = monotonic
        self._depth: Depth | None = None
        self._read_at = float("-inf")

    async def refresh(self) -> None:
        """Read the depth again unless the last reading is younger than ``every`` seconds."""
        if self.monotonic() - self._read_at < self.every:
            return
        self._depth = await self.read()
        self._read_at = self.monotonic()

    def collect(self) -> Iterator[Metric]:
        depth = self._depth
        if depth is None:
            return
        pending = GaugeMetricFamily(
            "gopy_outbox_pending", "Messages waiting in the outbox (all processes)."
        )
        pending.add_metric([], depth.pending)
        age = GaugeMetricFamily(
            "gopy_outbox_oldest_pending_seconds",
            "How long the oldest pending message has waited; 0 when none waits.",
        )
        age.add_metric([], _seconds_since(depth.oldest, self.now()))
        yield pending
        yield age


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment is not None else 0.0


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text Prometheus reads: this process's metrics (or all processes' in multiprocess
    mode), and ``extra`` collectors read now."""
    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Forward(Collector):
    """Another registry's metrics, so a scrape adds collectors without touching ``REGISTRY``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        return iter(self.registry.collect())


Handler = Callable[["TelegramObject", dict[str, Any]], Awaitable[Any]]


@functools.cache
def _series(kind: str, channel: str) -> tuple[Counter, Counter, Histogram]:
    """The update metrics of one (kind, channel): ``labels()`` costs more than the count
    itself, and an update's kinds and channels are a handful."""
    return (
        UPDATES.labels(kind, channel),
        UPDATE_ERRORS.labels(kind, channel),
        UPDATE_SECONDS.labels(kind),
    )


def _kind(event: TelegramObject) -> str:
    """An Update names its content (message, callback_query…); anything else, its class."""
    try:
        kind = getattr(event, "event_type", None)
    except LookupError:  # UpdateTypeLookupError: no field aiogram knows; it skips the update
        return "unknown"
    return str(kind or type(event).__name__)


async def _observe(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    """Count and time one update: its whole handling, FSM lock, sessions and error included."""
    kind = _kind(event)
    # handlers.middlewares.channel_of, read here so the scheduler can import this module alone.
    channel = str(getattr(getattr(data.get("bot"), "session", None), "channel", "telegram"))
    handled, failed, seconds = _series(kind, channel)
    started = time.perf_counter()
    try:
        return await handler(event, data)
    except Exception:
        failed.inc()
        raise
    finally:
        seconds.observe(time.perf_counter() - started)
        handled.inc()


def observe_updates(dp: Dispatcher) -> None:
    """Count and time every update ``dp`` handles, from just inside aiogram's errors middleware.

    The Dispatcher registers its own outer middlewares when built (errors, user context, FSM):
    ``_observe`` goes before all but the errors one, so an update failing in the FSM's (Redis
    down) counts as failed and the wait for the chat's lock is timed, while an error a handler
    raised still passes through it before the error handlers answer it.
    """
    from aiogram.dispatcher.middlewares.error import ErrorsMiddleware

    outer = dp.update.outer_middleware
    after = [m for m in outer if not isinstance(m, ErrorsMiddleware)]
    for middleware in after:
        outer.unregister(middleware)
    outer.register(_observe)
    for middleware in after:
        outer.register(middleware)
