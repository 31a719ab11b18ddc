"""The names aiogram injects into handlers, documented once."""

from __future__ import annotations

from typing import TypedDict

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.clock import Clock
from scheduler.oversight import Outreach
from storage.database import SessionFactory
from storage.people import Member


class Injected(TypedDict):
    """What a handler may declare by name, and who provides it.

    ``Dispatcher(**workflow_data)`` (bot/app.py): ``session_factory``, ``clock``,
    ``default_locale``, ``outreach`` (queueing messages from a handler: /remind).
    ``UpdateSession``: ``session`` (one per update, committed when the handler returns),
    ``member`` (the sender and their active roles), ``channel``, ``locale``.
    aiogram itself: ``bot``, ``state``, ``i18n``, ``event_from_user``, ``command``,
    ``callback_data``.
    """

    session_factory: SessionFactory
    clock: Clock
    default_locale: str
    outreach: Outreach
    session: AsyncSession
    member: Member
    channel: str
    locale: str | None
    i18n: I18n
