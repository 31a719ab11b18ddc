"""The one aiohttp application: health check, and the webhook or simulator routes."""

from __future__ import annotations

from aiohttp import web


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(routes: list[web.RouteDef]) -> web.Application:
    app = web.Application(client_max_size=1 << 20)
    app.add_routes([web.get("/health", health), *routes])
    return app
