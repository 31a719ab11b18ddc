"""/healthz, /readyz and /metrics on a real server on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.app import Runtime
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.web.app import build_web_app
from bot.web.health import ops_routes
from tests.conftest import BotApp
from tests.fakes.telegram import serve_app
from tests.seed import TEST_SECRET

TOKEN = "metrics-token-0123456789"
Serve = Callable[[Runtime, list[Any]], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve ``ops_routes`` of a runtime on loopback; returns the base address."""
    runners: list[web.AppRunner] = []

    async def start(runtime: Runtime, bots: list[Any]) -> str:
        runner, url = await serve_app(build_web_app(ops_routes(runtime, bots)))
        runners.append(runner)
        return url

    yield start
    for runner in runners:
        await runner.cleanup()


def with_token(runtime: Runtime) -> Runtime:
    settings = runtime.settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    return dataclasses.replace(runtime, settings=settings)


async def get(url: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers) as response:
        return response.status, await response.text()


async def test_alive_and_ready(app: BotApp, serve: Serve) -> None:
    base = await serve(app.runtime, [app.bot])
    assert await get(f"{base}/healthz") == (200, "ok")
    async with aiohttp.ClientSession() as client:
        for _ in range(2):
            async with client.get(f"{base}/readyz") as response:
                assert response.status == 200
                assert await response.json() == {
                    "status": "ready",
                    "checks": {"database": "ok", "telegram": "ok"},
                }
    # getMe once: a success is trusted for a minute, probes do not call Telegram each time.
    assert [c.method for c in app.api.calls].count("getMe") == 1


@pytest.mark.redis
async def test_ready_with_redis(app: BotApp, serve: Serve, redis_url: str) -> None:
    settings = app.runtime.settings.model_copy(update={"redis_url": redis_url})
    base = await serve(dataclasses.replace(app.runtime, settings=settings), [app.bot])
    status, body = await get(f"{base}/readyz")
    assert status == 200, body
    assert '"redis": "ok"' in body


async def test_unready_names_what_failed_without_secrets(serve: Serve) -> None:
    # Nothing listens on port 1: the database, Redis and the Bot API are all unreachable.
    settings = Settings(
        database_url="postgresql+asyncpg://gopy:hunter2-password@127.0.0.1:1/gopy",
        redis_url="redis://:hunter2-password@127.0.0.1:1/0",
        telegram=TelegramSettings(
            token=SecretStr("42:SECRET-TOKEN"), api_url="http://127.0.0.1:1"
        ),
        secret_key=SecretStr(TEST_SECRET),
    )
    runtime = Runtime.create(settings)
    bot = build_telegram_bot(settings)
    try:
        base = await serve(runtime, [bot])
        assert await get(f"{base}/healthz") == (200, "ok")  # alive touches nothing
        async with aiohttp.ClientSession() as client, client.get(f"{base}/readyz") as response:
            assert response.status == 503
            body = await response.json()
    finally:
        await bot.session.close()
        await runtime.close()
    assert body["status"] == "unready"
    assert set(body["checks"]) == {"database", "redis", "telegram"}
    assert all(r != "ok" for r in body["checks"].values()), body
    text = str(body)
    assert "hunter2" not in text and "SECRET-TOKEN" not in text and "127.0.0.1" not in text


async def test_metrics_need_the_token(app: BotApp, serve: Serve) -> None:
    base = await serve(with_token(app.runtime), [app.bot])
    assert (await get(f"{base}/metrics"))[0] == 401
    assert (await get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}x"))[0] == 401
    assert (await get(f"{base}/metrics", Authorization=f"Basic {TOKEN}"))[0] == 401
    assert (await get(f"{base}/metrics", Authorization="Bearer"))[0] == 401
    await app.chat(1001).say("/help")
    status, body = await get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200
    assert 'gopy_updates_total{channel="telegram",kind="message"}' in body
    assert 'gopy_update_seconds_count{kind="message"}' in body
    assert "gopy_outbox_pending 0.0" in body
    assert "gopy_outbox_oldest_pending_seconds 0.0" in body


async def test_no_metrics_without_a_token(app: BotApp, serve: Serve) -> None:
    base = await serve(app.runtime, [app.bot])
    assert (await get(f"{base}/metrics", Authorization="Bearer anything-at-all"))[0] == 404


async def raw(base: str, request: bytes) -> int:
    """Send ``request`` as it is; the status of the answer (0 when the server hung up)."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    return int(line.split()[1]) if line else 0


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\x00\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xc3\x28\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " + b"B" * 9000 + b"\r\n\r\n",
        b"POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
        b"GET /healthz?" + b"%ff" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"BREW /healthz HTCPCP/1.0\r\n\r\n",
    ],
)
async def test_garbage_is_refused_never_a_server_error(
    sqlite_url: str, serve: Serve, request_bytes: bytes
) -> None:
    settings = Settings(
        database_url=sqlite_url, secret_key=SecretStr(TEST_SECRET), metrics_token=TOKEN
    )
    runtime = Runtime.create(settings)
    try:
        base = await serve(runtime, [])
        status = await raw(base, request_bytes)
    finally:
        await runtime.close()
    assert 0 < status < 500  # an answer, and not a server error
