"""What every ``gopy`` command shares: the settings, one transaction on a migrated database,
and a mistake that ends the command with one red line and exit code 1."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import typer
from typer.core import TyperGroup

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


class DefaultCommandGroup(TyperGroup):
    """A group whose first word, when it names no subcommand, is the argument of ``default``
    (``gopy invite UNIT`` is ``gopy invite create UNIT``)."""

    default: ClassVar[str]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, args)


def until_signalled(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` until it ends or Ctrl-C / SIGTERM stops it (its ``finally`` blocks run).

    The loop's own signal handlers write to a wake-up pipe, so the loop wakes whichever thread
    the signal lands on; with Python's default handler, a Ctrl-C taken by a worker thread
    (SQLite's, say) waited for the loop's next event, and ``gopy run`` once did not stop.
    """

    async def guarded() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, task.cancel)
        try:
            await main
        except asyncio.CancelledError:
            return  # stopped by a signal: the finally blocks have run

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(guarded())
