"""The unit of work of one incoming update, handed to its handler as ``uow``.

It holds the update's session, its conversation state (``storage.fsm.UpdateFsm``; None when
the state lives in Redis) and its dedupe key. What the handler writes, the state and the dedupe
mark commit together after the handler (``seal``, then the caller commits); a handler that
must keep what it stored before a network call commits early with ``commit_now``. Nothing
finds it but through the handler's data.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.fsm import UpdateFsm
from storage.update_rows import closing


@dataclass(slots=True)
class UpdateWork:
    session: AsyncSession
    channel: str
    # The update's dedupe key (``bot id:update id``).
    key: str
    fsm: UpdateFsm | None = None

    async def commit_now(self) -> None:
        """Commit the update's work so far, its conversation state included.

        For a handler that must not lose what it stored if a later network call fails: after
        this, a failure rolls back nothing the person was told about.
        """
        if self.fsm is not None:
            await self.fsm.flush()
        await self.session.commit()

    async def seal(self, now: datetime) -> None:
        """Write the state and the dedupe mark beside the handler's own writes; the caller
        commits them together (``Database.writing``)."""
        states = self.fsm.changes() if self.fsm is not None else []
        await closing(self.session, channel=self.channel, key=self.key, now=now, states=states)

    async def discard(self) -> None:
        """The handler failed: drop its writes and its state changes (``seal`` follows, so that
        the update is marked handled and not run again)."""
        await self.session.rollback()
        if self.fsm is not None:
            self.fsm.forget()


async def commit_now(uow: UpdateWork) -> None:
    """``uow.commit_now()``, as a function a handler module imports (tests replace it)."""
    await uow.commit_now()


class JoinedSessions:
    """The session of the update each chat is handled in, for what writes per chat beside the
    handler (Zalo's live menus, a reply moved to the outbox): seen only by the task handling
    that update (a session is not shared between tasks); the per-chat lock keeps it the only
    update of the chat."""

    def __init__(self) -> None:
        self._joined: dict[str, tuple[asyncio.Task[Any] | None, AsyncSession]] = {}

    @contextlib.contextmanager
    def joining(self, chat_id: int | str, session: AsyncSession) -> Iterator[None]:
        """While an update of ``chat_id`` is handled by this task, with ``session``."""
        self._joined[str(chat_id)] = (asyncio.current_task(), session)
        try:
            yield
        finally:
            self._joined.pop(str(chat_id), None)

    def session_of(self, chat_id: int | str) -> AsyncSession | None:
        """The update's session of ``chat_id`` if this task handles that update, else None."""
        joined = self._joined.get(str(chat_id))
        if joined is None or joined[0] is not asyncio.current_task():
            return None
        return joined[1]
