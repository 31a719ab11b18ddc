"""The database pool each process keeps, from the settings: a burst at the platform's sending
limit holds connections while replies wait for slots, so updates must queue for a connection
(long timeout) rather than fail after SQLAlchemy's default 30 s."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.app import Runtime
from bot.config import Settings
from tests.conftest import PG_URL


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_pool_is_sized_and_waits_as_configured(kind: str, tmp_path: Path) -> None:
    url = PG_URL if kind == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}"
    settings = Settings(
        database_url=url,
        database_pool_size=7,
        database_pool_overflow=3,
        database_pool_timeout=120,
        secret_key=SecretStr("k" * 32),
    )
    runtime = Runtime.create(settings)
    try:
        pool = runtime.db.engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == 7
        assert pool._max_overflow == 3  # no public reader of these two
        assert pool._timeout == 120
        async with runtime.db.sessions() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await runtime.close()


def test_the_defaults_wait_minutes_not_seconds() -> None:
    settings = Settings(database_url="sqlite+aiosqlite:///x.db")
    assert settings.database_pool_timeout >= 120
    assert settings.database_pool_size + settings.database_pool_overflow <= 25  # 4 workers fit


async def test_an_in_memory_database_keeps_its_single_connection() -> None:
    runtime = Runtime.create(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    try:
        async with runtime.db.sessions() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await runtime.close()
