"""Helpers for test and benchmark databases."""

from __future__ import annotations

from sqlalchemy import text

from storage.database import create_engine


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
