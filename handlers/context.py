"""The names aiogram injects into handlers, documented once."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.clock import Clock
from storage.database import SessionFactory
from storage.people import Member


class Injected(TypedDict):
    """``Dispatcher(**workflow_data)`` gives the first three; ``DatabaseMiddleware`` the rest."""

    session_factory: SessionFactory
    clock: Clock
    default_locale: str
    session: AsyncSession
    member: Member
    channel: str
