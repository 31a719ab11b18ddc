"""The unit of work of one incoming update, handed to its handler as ``uow``.

It holds the update's session, its conversation state (``storage.fsm.UpdateFsm``; None when
the state lives in Redis) and its dedupe key. What the handler writes, the state and the dedupe
mark commit together after the handler (``seal``, then the caller commits); a handler that
must keep what it stored before a network call commits early with ``commit_now``. Nothing
finds it but through the handler's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
