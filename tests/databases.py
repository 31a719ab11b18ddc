"""Helpers for test and benchmark databases."""

from __future__ import annotations

from sqlalchemy import text

from storage.database import create_engine
from storage.migrate import upgrade


async def truncate_postgres(url: str) -> None:
    """Empty every table but Alembic's, so each test or run starts from a migrated, empty db."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows = await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            tables = ", ".join(f'"{r[0]}"' for r in rows)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"


async def ensure_postgres(name: str) -> str:
    """A migrated database ``name`` of our own on the local server (benchmarks keep clear of
    the test suite's ``test``); created if missing."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = f"{PG_SERVER}/{name}"
    await upgrade(url)
    return url


async def drop_postgres(name: str, server: str = PG_SERVER) -> None:
    """Drop database ``name`` on ``server``, cutting the connections still open to it."""
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def fresh_postgres(name: str, server: str = PG_SERVER, *, migrate: bool = True) -> str:
    """Database ``name`` on ``server`` dropped and made again, migrated unless ``migrate`` is
    false (a caller that runs ``gopy db upgrade`` itself); returns its URL."""
    await drop_postgres(name, server)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = f"{server}/{name}"
    if migrate:
        await upgrade(url)
    return url
