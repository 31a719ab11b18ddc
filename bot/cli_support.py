"""What every ``gopy`` command shares: the settings, one transaction on a migrated database,
and a mistake that ends the command with one red line and exit code 1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings

T = TypeVar("T")


def settings() -> Settings:
    from bot.config import Settings

    return Settings()


def fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


async def with_session(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``fn`` in one transaction on a migrated database; commit only if it succeeds."""
    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade

    current = settings()
    await upgrade(current.database_url, key=current.server_key())
    engine = create_engine(current.database_url)
    try:
        async with create_session_factory(engine)() as session:
            result = await fn(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()
