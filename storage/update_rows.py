"""The two rows every update touches, each read and written in one round trip.

When an update starts, one statement reads whether it was handled before (its dedupe mark) and
its conversation state; when it ends, its state changes and its dedupe mark are written. These
run on the update session's own connection and transaction, through the database driver: a
statement through SQLAlchemy's session costs ≈ 5× the driver's own call (aiosqlite: four hops
to its thread instead of one; see tests/bench/README.md, "the weekly-report conversation").
The SQL is fixed text written here for the two databases; what it stores is what the ORM
would store (``storage.models.ProcessedUpdate``, ``FsmRecord``), so either reads the other's rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import writes_past_the_session
from storage.fsm import FsmRow
from storage.sqlite_driver import execute_all

_OPEN = {
    "sqlite": """
        SELECT EXISTS (SELECT 1 FROM processed_update WHERE channel = ? AND update_key = ?),
               f.state, f.data
        FROM (SELECT 1) AS one LEFT JOIN fsm_state AS f ON f.key = ?""",
    "postgresql": """
        SELECT EXISTS (SELECT 1 FROM processed_update WHERE channel = $1 AND update_key = $2),
               f.state, f.data
        FROM (SELECT 1) AS one LEFT JOIN fsm_state AS f ON f.key = $3""",
}
_MARK = {
    "sqlite": """
        INSERT INTO processed_update (channel, update_key, received_at) VALUES (?, ?, ?)
        ON CONFLICT DO NOTHING""",
    "postgresql": """
        INSERT INTO processed_update (channel, update_key, received_at) VALUES ($1, $2, $3)
        ON CONFLICT DO NOTHING""",
}
# PostgreSQL's changes run in a WITH before the mark, whose parameters come first.
_PUT = {
    "sqlite": """
        INSERT INTO fsm_state (key, state, data, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET
            state = excluded.state, data = excluded.data, updated_at = excluded.updated_at""",
    "postgresql": """
        INSERT INTO fsm_state (key, state, data, updated_at) VALUES ($4, $5, $6, $3)
        ON CONFLICT (key) DO UPDATE SET
            state = excluded.state, data = excluded.data, updated_at = excluded.updated_at""",
}
_DROP = {
    "sqlite": "DELETE FROM fsm_state WHERE key = ?",
    "postgresql": "DELETE FROM fsm_state WHERE key = $4",
}


async def _driver(session: AsyncSession) -> tuple[str, Any]:
    """The dialect's name and the driver's connection of the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return connection.dialect.name, raw.driver_connection


def _moment(dialect: str, now: datetime) -> Any:
    # As storage.types.UTCDateTime stores it: naive UTC text on SQLite (SQLAlchemy's format).
    now = now.astimezone(UTC)
    return now.replace(tzinfo=None).isoformat(" ", "microseconds") if dialect == "sqlite" else now


async def opening(
    session: AsyncSession, *, channel: str, key: str, state_key: str | None
) -> tuple[bool, FsmRow | None]:
    """Whether update ``key`` was handled before, and the FSM row at ``state_key`` (None when
    there is no such key to read)."""
    dialect, driver = await _driver(session)
    params = (channel, key, state_key)
    if dialect == "sqlite":
        rows = list(await driver.execute_fetchall(_OPEN[dialect], params))
    else:
        rows = await driver.fetch(_OPEN[dialect], *params)
    handled, state, data = rows[0]
    if state_key is None:
        return bool(handled), None
    if data is None:
        return bool(handled), FsmRow(state)
    # SQLite hands back the JSON text; asyncpg decodes it (SQLAlchemy's codec on the connection).
    return bool(handled), FsmRow(state, dict(json.loads(data) if isinstance(data, str) else data))


async def closing(
    session: AsyncSession,
    *,
    channel: str,
    key: str,
    now: datetime,
    states: Sequence[tuple[str, FsmRow]],
) -> None:
    """Write the changed FSM rows and the dedupe mark in the session's transaction (the
    caller commits): one round trip (PostgreSQL: one statement; SQLite: one hop to aiosqlite's
    thread)."""
    dialect, driver = await _driver(session)
    writes_past_the_session(session)
    moment = _moment(dialect, now)
    if dialect == "sqlite":
        statements: list[tuple[str, Any]] = []
        for state_key, row in states:
            if row.state is None and not row.data:
                statements.append((_DROP[dialect], (state_key,)))
            else:
                values = (state_key, row.state, json.dumps(row.data), moment)
                statements.append((_PUT[dialect], values))
        statements.append((_MARK[dialect], (channel, key, moment)))
        await execute_all(driver, statements)
        return
    if not states:
        await driver.execute(_MARK[dialect], channel, key, moment)
    for state_key, row in states:
        # Each change with the mark in one statement (a data-modifying WITH); the mark is
        # written by the first, and is a no-op after.
        params: tuple[Any, ...]
        if row.state is None and not row.data:
            change, params = _DROP[dialect], (channel, key, moment, state_key)
        else:
            change = _PUT[dialect]
            params = (channel, key, moment, state_key, row.state, json.dumps(row.data))
        await driver.execute(f"WITH change AS ({change}) {_MARK[dialect]}", *params)
