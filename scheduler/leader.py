"""Which process runs the sweeps: one leader among the processes sharing a database.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own for as
long as it leads. The server frees the lock when that connection ends, so when the leader dies
(even by ``kill -9``) another process gets it at its next try, at most ``interval`` later. The
leader checks its connection as often and steps down when it is lost: a leader that cannot reach
the database could not sweep anyway, and another one may already have taken over.

On SQLite there is one process, and it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Any 64-bit number naming the job; advisory locks are per database, so one per deployment.
SCHEDULER_LOCK = 0x676F_7079_5343_4844  # "gopySCHD"
# Tries and checks this often: a leader's death is noticed within this bound (≤ 30 s wanted).
INTERVAL = 10.0
# The server frees the lock when it sees the leader's session end. A leader whose host vanishes
# (power cut, network gone) sends nothing: the server sees it through TCP keepalive only, by
# default after two hours. The held connection asks for probes soon instead: seen within
# 5 + 3 × 5 = 20 s, and another process leads at its next try (INTERVAL): ≤ 30 s.
KEEPALIVE = (
    "SET tcp_keepalives_idle = 5",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)

Hook = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class Leadership(Protocol):
    """What the scheduler service needs: run the contest, call the hooks, stop."""

    @property
    def leading(self) -> bool: ...

    async def run(self, on_lead: Hook, on_lose: Hook) -> None: ...

    def stop(self) -> None: ...


class SoleLeader:
    """SQLite: the only process leads from start to stop."""

    def __init__(self) -> None:
        self._leading = False
        self._stopped = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self._leading

    async def run(self, on_lead: Hook, on_lose: Hook) -> None:
        self._leading = True
        await on_lead()
        await self._stopped.wait()
        self._leading = False

    def stop(self) -> None:
        self._stopped.set()


class NeverLeads:
    """A process told not to schedule (``GOPY_SCHEDULER_ENABLED=false``): it delivers the
    outbox like every process, and never runs the sweeps."""

    def __init__(self) -> None:
        self._stopped = asyncio.Event()

    @property
    def leading(self) -> bool:
        return False

    async def run(self, on_lead: Hook, on_lose: Hook) -> None:
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()


class AdvisoryLeader:
    """PostgreSQL: lead while holding ``pg_try_advisory_lock(key)`` on a held connection."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        key: int = SCHEDULER_LOCK,
        interval: float = INTERVAL,
        name: str = "scheduler",
    ) -> None:
        self.engine = engine
        self.key = key
        self.interval = interval
        self.name = name
        self._connection: AsyncConnection | None = None
        self._leading = False
        self._stopped = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self._leading

    def stop(self) -> None:
        self._stopped.set()

    async def run(self, on_lead: Hook, on_lose: Hook) -> None:
        """Try (or check) every ``interval`` until stopped; ``on_lead`` / ``on_lose`` mark
        the changes. Stopping releases the lock, so another process takes over at once."""
        try:
            while not self._stopped.is_set():
                if self._leading:
                    if not await self._alive():
                        self._leading = False
                        log.info("%s: lost the database connection; no longer leading", self.name)
                        await on_lose()
                elif await self._try():
                    self._leading = True
                    log.info("%s: this process leads", self.name)
                    await on_lead()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), timeout=self.interval)
        finally:
            if self._leading:
                self._leading = False
                log.info("%s: stepping down", self.name)
                await on_lose()
            await self._release()

    async def _try(self) -> bool:
        try:
            if self._connection is None:
                self._connection = await self.engine.connect()
                # Never back to the pool (``_drop`` invalidates it): the settings stay here.
                for statement in KEEPALIVE:
                    await self._connection.execute(text(statement))
            got = await self._connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
            # Autocommit would do as well: a session-level lock outlives the transaction, and
            # no transaction is left open on the held connection.
            await self._connection.commit()
            return bool(got)
        except Exception as error:  # the database is away: try again later
            log.warning("%s: could not try for the lead (%s)", self.name, type(error).__name__)
            await self._drop()
            return False

    async def _alive(self) -> bool:
        assert self._connection is not None
        try:
            held = await self._connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted "
                    "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": self.key},
            )
            await self._connection.commit()
            return bool(held)
        except Exception:
            await self._drop()
            return False

    async def _release(self) -> None:
        if self._connection is None:
            return
        with contextlib.suppress(Exception):
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
            )
            await self._connection.commit()
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        # A broken connection must not go back to the pool; a healthy one ends its session,
        # which frees any lock it still holds.
        with contextlib.suppress(Exception):
            await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()


def leader_for(engine: AsyncEngine, *, interval: float = INTERVAL) -> Leadership:
    """The contest that fits the database: an advisory lock on PostgreSQL, else sole."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLeader(engine, interval=interval)
    return SoleLeader()
