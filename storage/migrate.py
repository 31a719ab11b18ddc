"""Apply Alembic migrations from code (``gopy db upgrade``, tests, the simulator's first start)."""

from __future__ import annotations

import asyncio
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from storage.database import create_engine

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


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; safe to call on an up-to-date database."""
    engine = create_engine(url)
    try:
        with as_file(MIGRATIONS) as folder:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade, alembic_config(url, folder), revision)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(url, revision))
