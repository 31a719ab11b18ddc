"""What an orchestrator and Prometheus ask a gopy process: ``/healthz``, ``/readyz``, ``/metrics``.

``/healthz`` says the process answers (nothing else is touched: a database outage must not get
every worker restarted). ``/readyz`` says it can do its work: the database answers ``SELECT 1``,
Redis answers PING when configured, and each messenger's Bot API answered getMe (a success is
kept for ``ME_SECONDS``, so probes do not call Telegram every few seconds). Each check has
``CHECK_SECONDS``; a failure is a 503 whose JSON names the failed check and the kind of error,
never its message (a database error may quote its URL, password included).

``/metrics`` is served only when ``GOPY_METRICS_TOKEN`` is set, and only to a request carrying
it (``Authorization: Bearer …``): the web app faces the Internet for the webhook and the
landing pages, and the metrics say how busy the office is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram import Bot
from aiohttp import web
from sqlalchemy import text

from bot.metrics import CONTENT_TYPE, Depth, OutboxProbe, exposition
from bot.web.intake import same_secret
from handlers.middlewares import channel_of
from storage.outbox_depth import pending_depth

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
ME_SECONDS = 60.0

Check = Callable[[], Awaitable[None]]


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


@dataclass
class Readiness:
    """Named checks run together, each within ``timeout`` seconds."""

    checks: dict[str, Check]
    timeout: float = CHECK_SECONDS

    async def results(self) -> dict[str, str]:
        outcomes = await asyncio.gather(*(self._run(check) for check in self.checks.values()))
        return dict(zip(self.checks, outcomes, strict=True))

    async def _run(self, check: Check) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                await check()
        except TimeoutError:
            return "timeout"
        except Exception as error:  # the kind only: messages may hold addresses and passwords
            return f"failed ({type(error).__name__})"
        return "ok"

    async def handle(self, _request: web.Request) -> web.Response:
        results = await self.results()
        ready = all(outcome == "ok" for outcome in results.values())
        if not ready:
            failed = ", ".join(f"{name}: {r}" for name, r in results.items() if r != "ok")
            log.warning("readyz: not ready (%s)", failed)
        return web.json_response(
            {"status": "ready" if ready else "unready", "checks": results},
            status=200 if ready else 503,
        )


def database_check(runtime: Runtime) -> Check:
    async def check() -> None:
        async with runtime.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check


def redis_check(url: str, timeout: float = CHECK_SECONDS) -> Check:
    """PING on a connection of its own, closed after: a probe every few seconds costs nothing,
    and a client shared with the FSM would hide a pool that no longer connects."""

    async def check() -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            await client.ping()
        finally:
            await client.aclose()

    return check


@dataclass
class BotCheck:
    """getMe through the bot's own session; a success is trusted for ``keep`` seconds."""

    bot: Bot
    keep: float = ME_SECONDS
    timeout: float = CHECK_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    _ok_at: float = field(default=float("-inf"), init=False)

    async def __call__(self) -> None:
        if self.monotonic() - self._ok_at < self.keep:
            return
        await self.bot.get_me(request_timeout=int(max(self.timeout, 1)))
        self._ok_at = self.monotonic()


def readiness(runtime: Runtime, bots: Sequence[Bot]) -> Readiness:
    checks: dict[str, Check] = {"database": database_check(runtime)}
    if runtime.settings.redis_url:
        checks["redis"] = redis_check(runtime.settings.redis_url)
    for bot in bots:
        checks[channel_of(bot)] = BotCheck(bot)
    return Readiness(checks)


def outbox_probe(runtime: Runtime) -> OutboxProbe:
    async def read() -> Depth:
        async with runtime.db.sessions() as session:
            pending, oldest = await pending_depth(session=session)
        return Depth(pending, oldest)

    return OutboxProbe(read, runtime.clock.now)


def metrics_handler(
    token: str, probe: OutboxProbe
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_secret(given.strip(), token):
            return web.json_response(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="gopy metrics"'},
            )
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await probe.refresh()
        except Exception as error:  # the other metrics still count; the depth is stale
            log.warning("metrics: outbox depth not read (%s)", type(error).__name__)
        body = exposition([probe])
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return handle


def ops_routes(runtime: Runtime, bots: Sequence[Bot]) -> list[web.RouteDef]:
    """``/healthz`` and ``/readyz``; ``/metrics`` when ``GOPY_METRICS_TOKEN`` is set."""
    routes = [
        web.get("/healthz", healthz),
        web.get("/readyz", readiness(runtime, bots).handle),
    ]
    token = runtime.settings.metrics_token
    if token is not None:
        handler = metrics_handler(token.get_secret_value(), outbox_probe(runtime))
        routes.append(web.get("/metrics", handler))
    return routes


async def serve_ops(runtime: Runtime, bots: Sequence[Bot]) -> web.AppRunner | None:
    """``gopy scheduler``'s own small web server (``ops_routes`` alone) on
    ``GOPY_SCHEDULER_WEB_PORT``; None when that is unset."""
    port = runtime.settings.scheduler.web_port
    if port is None:
        return None
    app = web.Application()
    app.add_routes(ops_routes(runtime, bots))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, runtime.settings.web_host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
