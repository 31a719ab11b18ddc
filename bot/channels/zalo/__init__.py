"""The Zalo channel: an aiogram session that speaks the Zalo Bot Platform API, so that the stock
``Bot``, Dispatcher and handlers serve Zalo unchanged (docs/zalo-bot-platform.md §13).

One job a module: ``transport`` (HTTP to Zalo, errors as aiogram's), ``ids`` (Zalo's hex ids as
local integers), ``menus`` (inline keyboards as numbered text menus, and the live menu a typed
number answers), ``files`` (files out as links), ``plain`` (HTML as plain text), ``inbound``
(events in as updates, read by bot.channels.zalo_events), ``session`` (the aiogram session
composing them) and ``build`` (the bot, for the composition root, which injects the buttons
that are also commands).
"""

from bot.channels.zalo.build import build_zalo_bot
from bot.channels.zalo.menus import CommandButtons, MenuBoard
from bot.channels.zalo.plain import html_to_plain
from bot.channels.zalo.session import ZaloSession

__all__ = ["CommandButtons", "MenuBoard", "ZaloSession", "build_zalo_bot", "html_to_plain"]
