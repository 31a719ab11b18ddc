"""The desk's campaign page (being built)."""

from __future__ import annotations

from bot.web.desk.guard import DeskRoute


def routes() -> list[DeskRoute]:
    return []
