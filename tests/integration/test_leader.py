"""One scheduler leader among processes on PostgreSQL: an advisory lock on a held connection;
when the leader's connection ends another contender leads within its interval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.leader import AdvisoryLeader, SoleLeader, leader_for
from storage.database import create_engine

pytestmark = pytest.mark.postgres
INTERVAL = 0.05
DEADLINE = 10.0  # generous on a loaded machine; a pass takes a fraction of a second
KEY = 771_001


# The first contender tries at once, then not again for the test's length: it stands for a
# leader that has died (a live one that lost its connection could win the lock back, fairly,
# before the other: see test_leader_steps_down_when_its_connection_is_lost).
FROZEN = 3600.0


class Contender:
    """A leader on its own engine (as in its own process), recording the changes."""

    def __init__(self, url: str, name: str, interval: float = INTERVAL) -> None:
        self.engine: AsyncEngine = create_engine(url)
        self.leader = AdvisoryLeader(self.engine, key=KEY, interval=interval, name=name)
        self.changes: list[str] = []
        self.task: asyncio.Task[None] | None = None

    async def _lead(self) -> None:
        self.changes.append("lead")

    async def _lose(self) -> None:
        self.changes.append("lose")

    def start(self) -> None:
        self.task = asyncio.create_task(self.leader.run(self._lead, self._lose))

    async def close(self) -> None:
        self.leader.stop()
        if self.task is not None:
            await asyncio.wait_for(self.task, DEADLINE)
        await self.engine.dispose()


async def until(condition: object, what: str) -> float:
    """Poll ``condition`` (a callable) until true; the seconds it took, or fail at DEADLINE."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():  # type: ignore[operator]
        if loop.time() - start > DEADLINE:
            pytest.fail(f"not within {DEADLINE} s: {what}")
        await asyncio.sleep(INTERVAL / 5)
    return loop.time() - start


@pytest.fixture
async def pair(postgres_ready: str) -> AsyncIterator[tuple[Contender, Contender]]:
    first = Contender(postgres_ready, "first", interval=FROZEN)
    second = Contender(postgres_ready, "second")
    first.start()
    await until(lambda: first.leader.leading, "the first contender leads")
    second.start()
    yield first, second
    await first.close()
    await second.close()


async def _holder(url: str) -> int:
    """The backend holding the lock, asked on a connection of the test's own."""
    admin = create_engine(url)
    try:
        async with admin.connect() as conn:
            pid = await conn.scalar(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = 0 AND objid = :key AND objsubid = 1"
                ),
                {"key": KEY},
            )
    finally:
        await admin.dispose()
    assert pid is not None
    return int(pid)


async def test_one_leads_the_other_waits(pair: tuple[Contender, Contender]) -> None:
    first, second = pair
    # The second has tried several times meanwhile, and still waits.
    await until(lambda: second.leader._connection is not None, "the second tries")
    await asyncio.sleep(INTERVAL * 4)  # several tries of the second: none may win
    assert first.leader.leading and not second.leader.leading
    assert second.changes == []


async def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await conn.commit()
    finally:
        await admin.dispose()


async def test_terminated_backend_hands_over(
    pair: tuple[Contender, Contender], postgres_ready: str
) -> None:
    _first, second = pair
    await _terminate(postgres_ready, await _holder(postgres_ready))
    await until(lambda: second.leader.leading, "the second takes over")
    assert second.changes == ["lead"]


async def test_leader_steps_down_when_its_connection_is_lost(postgres_ready: str) -> None:
    alone = Contender(postgres_ready, "alone")
    alone.start()
    try:
        await until(lambda: alone.leader.leading, "it leads")
        await _terminate(postgres_ready, await _holder(postgres_ready))
        # At its next check it finds the connection gone and steps down (the lock was freed
        # with the backend: it may then win it again, being the only contender).
        await until(lambda: alone.changes[:2] == ["lead", "lose"], "it steps down")
    finally:
        await alone.close()


async def test_stopping_leader_hands_over(pair: tuple[Contender, Contender]) -> None:
    first, second = pair
    await first.close()
    await until(lambda: second.leader.leading, "the second takes over")
    assert first.changes == ["lead", "lose"]


async def test_closed_connection_hands_over(pair: tuple[Contender, Contender]) -> None:
    first, second = pair
    connection = first.leader._connection
    assert connection is not None
    # As if the process died: the server sees its socket close and frees the lock.
    await connection.invalidate()
    await until(lambda: second.leader.leading, "the second takes over")
    assert second.changes == ["lead"]


async def test_sqlite_process_always_leads(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        leader = leader_for(engine)
        assert isinstance(leader, SoleLeader)
        led = asyncio.Event()

        async def lead() -> None:
            led.set()

        async def lose() -> None:
            return None

        task = asyncio.create_task(leader.run(lead, lose))
        await asyncio.wait_for(led.wait(), DEADLINE)
        assert leader.leading
        leader.stop()
        await asyncio.wait_for(task, DEADLINE)
        assert not leader.leading
    finally:
        await engine.dispose()
