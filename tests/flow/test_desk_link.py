"""``/web`` in chat: an official gets a single-use link that opens the desk; nobody else
does. On Telegram and on Zalo."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import assemble, build_dispatcher
from bot.runner import page_routes
from bot.web.app import build_web_app
from bot.web.desk import paths
from storage.models import DeskLink, RoleKind
from tests.chat import Chat
from tests.conftest import BotApp
from tests.desk_world import csrf_of
from tests.seed import invite
from tests.zalo_chat import ZaloApp, ZaloChat

App = BotApp | ZaloApp
PUBLIC = "https://gopy.example.vn/gop-y"
LINK = re.compile(r"https://gopy\.example\.vn/gop-y(/desk/signin/[A-Za-z0-9_-]+)")


def with_public_address(app: App) -> App:
    settings = app.runtime.settings.model_copy(update={"public_url": PUBLIC})
    runtime = replace(app.runtime, settings=settings)
    return replace(app, runtime=runtime, dp=build_dispatcher(runtime))


@pytest.fixture
async def public_app(any_app: App) -> App:
    return with_public_address(any_app)


@pytest.fixture
async def desk(public_app: App) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The same gopy's web pages (the proxy strips /gop-y, as for the webhook)."""
    gopy = assemble(public_app.runtime, [], scheduling=False)
    server = TestServer(build_web_app(page_routes(gopy, [])))
    client = TestClient(server)
    await client.start_server()
    yield client
    await client.close()


async def test_an_official_opens_the_desk_from_chat(public_app: App, desk: TestClient) -> None:  # type: ignore[type-arg]
    async with public_app.runtime.db.sessions() as session:
        code = await invite(session, public_app.seed.ward, role=RoleKind.OFFICIAL)
    chat: Chat | ZaloChat = public_app.chat(7700, "Vũ Thị Lan")
    await chat.say(f"/start i-{code}")
    await chat.say("/web")
    said = chat.last_text()
    assert "dùng được một lần, trong vòng 10 phút" in said
    found = LINK.search(said)
    assert found is not None, said
    if isinstance(chat, Chat):
        (call,) = [c for c in chat.sent() if found[0] in str(c.params.get("text"))]
        preview = call.params.get("link_preview_options")
        options = json.loads(preview) if isinstance(preview, str) else preview
        assert options == {"is_disabled": True}
    page = await desk.get(found[1])
    assert page.status == 200
    # Cookies are Secure behind https: this loopback client hands them over itself.
    browser = page.cookies["gopy_b"]
    assert browser["secure"]
    entered = await desk.post(
        found[1],
        data={"csrf": csrf_of(await page.text())},
        cookies={"gopy_b": browser.value},
        allow_redirects=False,
    )
    assert entered.status == 303
    assert entered.headers["Location"] == "/gop-y" + paths.BOARD
    cookie = entered.cookies["gopy_desk"]
    assert cookie["path"] == "/gop-y/desk" and cookie["secure"]
    # The proxy strips the prefix: the browser asks /gop-y/desk, gopy sees /desk.
    board = await desk.get(paths.BOARD, cookies={"gopy_desk": cookie.value})
    assert board.status == 200
    assert "Vũ Thị Lan" in await board.text()


async def test_nobody_else_gets_a_link(public_app: App) -> None:
    async with public_app.runtime.db.sessions() as session:
        code = await invite(session, public_app.seed.cells[0])
    secretary = public_app.chat(7701, "Bí thư")
    await secretary.say(f"/start i-{code}")
    citizen = public_app.chat(7702, "Người dân")
    for chat in (secretary, citizen):
        await chat.say("/web")
        assert "dành cho cán bộ phường và thành phố" in chat.last_text()
        assert "/desk/" not in chat.last_text()
    async with public_app.runtime.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(DeskLink))).scalar() == 0


async def test_without_a_public_address_the_official_is_told(any_app: App) -> None:
    async with any_app.runtime.db.sessions() as session:
        code = await invite(session, any_app.seed.ward, role=RoleKind.OFFICIAL)
    chat = any_app.chat(7703, "Vũ Thị Lan")
    await chat.say(f"/start i-{code}")
    await chat.say("/web")
    said = chat.last_text()
    assert "http://127.0.0.1:8080/desk/signin/" in said
    assert "GOPY_PUBLIC_URL" in said
