"""The desk's first page: the board of the campaigns the official oversees (being built)."""

from __future__ import annotations

from aiohttp import web

from bot.web.desk import paths
from bot.web.desk.guard import DeskCall, DeskRoute


async def board(call: DeskCall) -> web.StreamResponse:
    return call.render("desk/board.html", {}, nav="board")


def routes() -> list[DeskRoute]:
    return [DeskRoute("GET", paths.BOARD, board)]
