"""The officials' web desk: the campaign at a glance, comments to read and answer, reports
to sign and send, posters to print. One module per page; every route but signing in passes
``guard`` (session, role, anti-forgery token, unit of work), and any other address under the
desk is the polite 404 of ``guard.elsewhere_route``, whoever asks."""

from __future__ import annotations

from aiohttp import web

from bot.web.desk.guard import Desk, DeskRoute, elsewhere_route, route_defs

__all__ = ["Desk", "desk_routes"]


def desk_routes(desk: Desk) -> list[web.RouteDef]:
    from bot.web.desk import board, campaign, comments, posters, reports, signin, units

    guarded: list[DeskRoute] = [
        *signin.sign_out_routes(),
        *board.routes(),
        *units.routes(),
        *comments.routes(),
        *reports.routes(),
        *posters.routes(),
        *campaign.routes(),
    ]
    return [*signin.sign_in_routes(desk), *route_defs(desk, guarded), elsewhere_route(desk)]
