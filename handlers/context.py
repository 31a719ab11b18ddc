"""The names aiogram injects into handlers, documented once."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.files import FileMaker
from scheduler.clock import Clock
from services.oversight import Outreach
from storage.comments import CommentLimits
from storage.database import SessionFactory
from storage.keys import ServerKey
from storage.people import Member


class Injected(TypedDict):
    """What a handler may declare by name, and who provides it.

    ``Dispatcher(**workflow_data)`` (bot/app.py): ``session_factory``, ``clock``,
    ``default_locale``, ``outreach`` (queueing messages from a handler: /remind, replies),
    ``comment_limits``, ``media_dir`` (where copies of comment photos go, or None),
    ``files`` (QR codes, posters, exports: ``handlers.files.FileMaker``), ``server_key``
    (keyed hashes of anonymous authors and invite codes: ``storage.keys.ServerKey``),
    ``default_timezone`` (``GOPY_TIMEZONE``, for times not tied to a campaign).
    ``UpdateSession``: ``session`` (one per update, committed when the handler returns),
    ``member`` (the sender and their active roles), ``channel``, ``locale``.
    aiogram itself: ``bot``, ``state``, ``i18n``, ``event_from_user``, ``command``,
    ``callback_data``.
    """

    session_factory: SessionFactory
    clock: Clock
    default_locale: str
    outreach: Outreach
    comment_limits: CommentLimits
    media_dir: Path | None
    files: FileMaker
    server_key: ServerKey
    default_timezone: str
    session: AsyncSession
    member: Member
    channel: str
    locale: str | None
    i18n: I18n
