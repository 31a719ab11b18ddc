"""A delivery process killed with SIGKILL mid-burst: a new one loses nothing and repeats at most
the messages that were on their way.

The worker (``tests.integration.outbox_worker``) runs in a subprocess against a fake Bot API
served here; it is killed once the fake has accepted ``KILL_AT`` messages, then a fresh one
drains the rest (after the dead worker's short lease) and exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import col

from storage.database import create_engine, create_session_factory
from storage.models import Outbox, OutboxStatus, Person, Purpose
from storage.outbox import Letter, enqueue
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.integration.outbox_worker import spawn

TOTAL = 2000
KILL_AT = 700
CONCURRENCY = 4
FIRST_CHAT = 7_000_000
# Bounds, not timings: each is far above what the step takes.
STEP_TIMEOUT = 60.0


async def seed_outbox(url: str, total: int, now: datetime) -> None:
    """``total`` people, and one pending message to each (one chat each)."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(
                insert(Person),
                [
                    {
                        "channel": "telegram",
                        "external_id": str(FIRST_CHAT + i),
                        "full_name": f"Bí thư {i}",
                        "created_at": now,
                    }
                    for i in range(total)
                ],
            )
            people = await session.execute(select(col(Person.id), col(Person.external_id)))
            letters = [
                Letter(
                    key=f"crash:{person_id}",
                    purpose=Purpose.MANUAL,
                    person_id=person_id,
                    channel="telegram",
                    chat_id=chat_id,
                    text=f"Nhắc nộp báo cáo ({chat_id})",
                    markup=None,
                    not_before=now,
                )
                for person_id, chat_id in people.all()
                if person_id is not None
            ]
            assert await enqueue(session=session, letters=letters, now=now) == total
            await session.commit()
    finally:
        await engine.dispose()


async def outbox_figures(url: str) -> tuple[dict[OutboxStatus, int], int]:
    """Rows by status, and how many rows were claimed more than once."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            result = await session.execute(
                select(col(Outbox.status), func.count()).group_by(col(Outbox.status))
            )
            statuses = {OutboxStatus(s): int(n) for s, n in result.all()}
            again = await session.scalar(
                select(func.count()).select_from(Outbox).where(col(Outbox.attempts) > 1)
            )
            return statuses, int(again or 0)
    finally:
        await engine.dispose()


def worker(url: str, api_url: str, log: Path) -> Any:
    """The delivery worker, fast: no per-chat gap, a lease of one second."""
    return spawn(url, api_url, log, rate=1000, per_chat=0, concurrency=CONCURRENCY, lease=1)


async def until_either(
    event: asyncio.Event, process: asyncio.subprocess.Process, why: Callable[[], str]
) -> None:
    """Wait for ``event``; fail (saying ``why()``) if the process ends first or it stalls."""
    waiting = asyncio.ensure_future(event.wait())
    ended = asyncio.ensure_future(process.wait())
    done, pending = await asyncio.wait(
        {waiting, ended}, timeout=STEP_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    assert waiting in done, (
        f"worker ended (code {process.returncode}) or stalled before the kill: {why()}"
    )


async def test_killed_sender_loses_nothing_and_repeats_at_most_its_in_flight_messages(
    database_url: str, tmp_path: Path
) -> None:
    await seed_outbox(database_url, TOTAL, datetime.now(UTC))
    fake = LimitedTelegram(per_second=None, per_chat_seconds=0)
    runner, api_url = await serve(fake)
    log = tmp_path / "worker.log"
    try:
        kill_point = fake.reached(KILL_AT)
        async with worker(database_url, api_url, log) as first:
            await until_either(
                kill_point, first, lambda: f"{len(fake.accepted)} sent; {log.read_text()}"
            )
            first.kill()  # SIGKILL: no cleanup, no final commit
            await first.wait()
        before_restart = len(fake.accepted)
        assert before_restart < TOTAL, "the first worker finished before it was killed"

        async with worker(database_url, api_url, log) as second:
            code = await asyncio.wait_for(second.wait(), STEP_TIMEOUT)
        assert code == 0, log.read_text()
    finally:
        await runner.cleanup()

    received = fake.per_chat()
    expected = {FIRST_CHAT + i for i in range(TOTAL)}
    assert set(received) == expected, f"lost: {sorted(expected - set(received))[:10]}"
    duplicates = fake.duplicates
    assert duplicates <= CONCURRENCY, f"{duplicates} messages sent twice"
    assert fake.throttled == 0 and fake.forbidden == 0

    statuses, claimed_again = await outbox_figures(database_url)
    assert statuses == {OutboxStatus.SENT: TOTAL}
    # Claimed by the dead worker and sent again by the new one: the in-flight messages.
    assert duplicates <= claimed_again <= CONCURRENCY
