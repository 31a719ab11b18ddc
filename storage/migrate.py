"""Apply Alembic migrations from code (``gopy db upgrade``, tests, the simulator's first start)."""

from __future__ import annotations

import asyncio
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from storage.keys import ServerKey

# Package data, found through importlib.resources so an installed wheel runs its own copy.
# Alembic reads a real folder: ``as_file`` gives the installed one (a wheel is unpacked).
MIGRATIONS: Traversable = files("storage") / "migrations"


def alembic_config(url: str, script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url)
    return config


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(url: str, revision: str = "head", *, key: ServerKey | None = None) -> None:
    """Bring the database at ``url`` to ``revision``; safe to call on an up-to-date database.

    ``key`` is the server secret a data migration may need (0007 hashes anonymous authors);
    without it, ``GOPY_SECRET_KEY`` or the key file beside the database is used.
    """
    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with as_file(MIGRATIONS) as folder:
            config = alembic_config(url, folder)
            config.attributes["server_key"] = key
            await _apply(engine, config, revision, sqlite=sqlite)
    finally:
        await engine.dispose()


async def _apply(engine: AsyncEngine, config: Config, revision: str, *, sqlite: bool) -> None:
    async with engine.connect() as connection:
        if sqlite:
            # SQLite alters a column by copying its table; dropping the old copy of a table
            # that other rows point at would trip the foreign keys (Alembic's advice: off
            # during the migration, outside any transaction, then every key checked).
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.run_sync(_upgrade, config, revision)
        if sqlite:
            broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if broken:
                await connection.rollback()
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        await connection.commit()


def upgrade_sync(url: str, revision: str = "head", *, key: ServerKey | None = None) -> None:
    asyncio.run(upgrade(url, revision, key=key))
