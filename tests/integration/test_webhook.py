"""The Telegram webhook over real HTTP: secret checked in constant time, garbage gets 4xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.web.app import build_web_app
from bot.web.telegram import SECRET_HEADER, webhook_path, webhook_route
from tests.conftest import BotApp
from tests.fakes.telegram import command_update, serve_app

SECRET = "s3cret-token_ABC"


@pytest.fixture
async def webhook(app: BotApp) -> AsyncIterator[str]:
    web_app = build_web_app([webhook_route(app.dp, app.bot, SECRET)])
    runner, url = await serve_app(web_app)
    yield url + webhook_path(SECRET)
    await runner.cleanup()


def update_json(update_id: int) -> bytes:
    return json.dumps(command_update(update_id, 901)).encode()


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def test_missing_or_wrong_secret_is_401(app: BotApp, webhook: str) -> None:
    assert await post(webhook, update_json(1)) == 401
    assert await post(webhook, update_json(1), {SECRET_HEADER: "wrong"}) == 401
    assert await post(webhook, update_json(1), {SECRET_HEADER: SECRET + "x"}) == 401
    assert app.api.calls == []


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"update_id": "x"}', b"\xff\xfe"])
async def test_garbage_is_400(app: BotApp, webhook: str, body: bytes) -> None:
    assert await post(webhook, body, {SECRET_HEADER: SECRET}) == 400


async def test_too_large_is_413(webhook: str) -> None:
    assert await post(webhook, b"x" * (2 << 20), {SECRET_HEADER: SECRET}) == 413


async def test_valid_update_is_handled_once(app: BotApp, webhook: str) -> None:
    assert await post(webhook, update_json(77), {SECRET_HEADER: SECRET}) == 200
    assert await post(webhook, update_json(77), {SECRET_HEADER: SECRET}) == 200  # re-delivery
    sent = [c for c in app.api.calls if c.method == "sendMessage"]
    assert len(sent) == 1 and "/comment" in sent[0].text


async def test_wrong_path_is_404(webhook: str) -> None:
    assert (
        await post(webhook.rsplit("/", 1)[0] + "/nope", update_json(2), {SECRET_HEADER: SECRET})
        == 404
    )


async def test_health(webhook: str) -> None:
    base = webhook.split("/tg/", maxsplit=1)[0]
    async with aiohttp.ClientSession() as http, http.get(base + "/health") as r:
        assert r.status == 200 and (await r.json())["status"] == "ok"
