"""The Zalo bot of the composition root: the stock aiogram ``Bot`` on a ``ZaloSession``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.utils.i18n import I18n

from bot.channels.telegram import bot_properties
from bot.channels.zalo.inbound import POLL_FLOOR
from bot.channels.zalo.menus import CommandButtons
from bot.channels.zalo.session import ZaloSession
from bot.config import Settings
from bot.web.shelf import Shelf
from scheduler.clock import Clock
from storage.database import Database

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.throttle.middleware import Throttle


def build_zalo_bot(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    commands: CommandButtons,
    shelf: Shelf | None = None,
    i18n: I18n | None = None,
    poll_floor: float = POLL_FLOOR,
    throttle: Throttle | None = None,
) -> Bot:
    """The Zalo bot. The token has the shape ``<digits>:<secret>`` that aiogram checks;
    ``bot.id`` is its numeric part. ``commands``: the buttons shown as the commands they
    also are (bot.app.typed_commands), never as numbers. ``throttle``: as for Telegram; the
    ``ZaloSession`` answers each call itself (``make_request``) but keeps aiogram's
    ``__call__``, so the request middlewares wrap it as they wrap the stock session."""
    from aiogram import Bot

    token = settings.zalo.token
    assert token is not None
    session = ZaloSession(
        db=db,
        clock=clock,
        commands=commands,
        api_url=settings.zalo.api_url,
        shelf=shelf,
        i18n=i18n,
        poll_floor=poll_floor,
        key=settings.server_key(),
    )
    if throttle is not None:
        session.middleware(throttle)
    return Bot(token.get_secret_value(), session=session, default=bot_properties())
