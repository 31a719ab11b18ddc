"""Signing in to the desk with a single-use link, staying in, and signing out."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from yarl import URL

from bot.web.desk import paths
from bot.web.desk.guard import SESSION_COOKIE
from scheduler.clock import FrozenClock
from storage.models import DeskLink, DeskSession
from tests.desk_world import DeskWorld, csrf_of, post_form, serve_desk
from tests.webhooks import exchange


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock) as served:
        yield served


async def test_a_link_opens_the_desk_once(world: DeskWorld) -> None:
    browser = await world.anonymous()
    path = await world.link("ward_official")
    # Opening it (a preview robot does too) uses nothing: only the button does.
    for _ in range(2):
        page = await browser.get(path)
        assert page.status == 200
        assert "Mở bàn làm việc" in await page.text()
        # Whose desk it opens: someone tricked into opening another's link sees it.
        assert "Bàn làm việc của Nguyễn Thị Hà." in await page.text()
    entered = await browser.post(
        path, data={"csrf": csrf_of(await page.text())}, allow_redirects=False
    )
    assert entered.status == 303
    assert entered.headers["Location"] == paths.BOARD
    cookie = entered.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/desk"
    board = await browser.get(paths.BOARD)
    assert board.status == 200
    assert "Nguyễn Thị Hà" in await board.text()
    # The second time the link is refused, politely.
    again = await (await world.anonymous()).get(path)
    assert again.status == 410
    assert "đã được dùng" in await again.text()


async def test_expired_and_unknown_links(world: DeskWorld) -> None:
    browser = await world.anonymous()
    path = await world.link("ward_official")
    world.clock.advance(timedelta(minutes=10))
    expired = await browser.get(path)
    assert expired.status == 410
    assert "10 phút" in await expired.text()
    unknown = await browser.get(paths.sign_in_path("not-a-token"))
    assert unknown.status == 404


async def test_the_database_keeps_no_usable_token(world: DeskWorld) -> None:
    path = await world.link("ward_official")
    token = path.rsplit("/", 1)[1]
    async with world.runtime.db.sessions() as session:
        link = (await session.execute(select(DeskLink))).scalar_one()
    assert token not in link.token_hash
    assert link.token_hash == world.runtime.key.desk_hash(token)


async def test_a_post_without_the_browsers_token_uses_no_link(world: DeskWorld) -> None:
    browser = await world.anonymous()
    path = await world.link("ward_official")
    forged = await browser.post(path, data={"csrf": "0" * 64}, allow_redirects=False)
    assert forged.status == 303 and forged.headers["Location"] == path
    assert (await browser.get(paths.BOARD)).status == 401
    assert (await browser.get(path)).status == 200  # still unused


async def test_no_session_no_desk(world: DeskWorld) -> None:
    browser = await world.anonymous()
    page = await browser.get(paths.BOARD)
    assert page.status == 401
    assert "/web" in await page.text()
    browser.session.cookie_jar.update_cookies({SESSION_COOKIE: "forged"})
    assert (await browser.get(paths.BOARD)).status == 401


@pytest.mark.parametrize(
    "cookie",
    [
        b"\xff\xfe",  # not UTF-8: aiohttp hands it over as lone surrogates
        b"\xed\xa0\x80" * 15,  # a surrogate in UTF-8's clothing
        "đăng-nhập".encode(),
        b"A" * 42 + b"=",
        b"A" * 5000,
    ],
)
async def test_any_cookie_is_a_polite_401(world: DeskWorld, cookie: bytes) -> None:
    """Whatever bytes a browser (or anyone) sends as the session's cookie: signed out, never
    a 500."""
    request = (
        b"GET " + paths.BOARD.encode() + b" HTTP/1.1\r\nHost: gopy.example\r\n"
        b"Cookie: " + SESSION_COOKIE.encode() + b"=" + cookie + b"\r\nConnection: close\r\n\r\n"
    )
    port = world.server.port
    assert port is not None
    status = await exchange(world.server.host, port, [request], shut=False)
    assert status == 401


async def test_only_officials(world: DeskWorld) -> None:
    for who in ("citizen", "secretary"):
        browser = await world.browser(who)  # a link issued by hand: /web refuses them
        page = await browser.get(paths.BOARD)
        assert page.status == 403, who


async def test_eight_idle_hours_end_a_session(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    world.clock.advance(timedelta(hours=7, minutes=59))
    assert (await browser.get(paths.BOARD)).status == 200  # a request: idle again from here
    world.clock.advance(timedelta(hours=7, minutes=59))
    assert (await browser.get(paths.BOARD)).status == 200
    world.clock.advance(timedelta(hours=8))
    assert (await browser.get(paths.BOARD)).status == 401


async def test_sign_out(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    # Without the form's token nothing happens.
    refused = await browser.post(paths.SIGN_OUT, data={}, allow_redirects=False)
    assert refused.status == 403
    assert (await browser.get(paths.BOARD)).status == 200
    out = await post_form(browser, paths.SIGN_OUT, page=paths.BOARD)
    assert out.status == 200
    assert "Bạn đã rời bàn làm việc" in await out.text()
    assert (await browser.get(paths.BOARD)).status == 401
    async with world.runtime.db.sessions() as session:
        ended = (await session.execute(select(DeskSession))).scalar_one()
    assert ended.ended_at == world.clock.now()


async def test_the_language_toggle_after_signing_out_is_a_page(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    out = await post_form(browser, paths.SIGN_OUT, page=paths.BOARD)
    found = re.search(r'<a id="lang" href="([^"]+)"', await out.text())
    assert found is not None
    # The link is relative to the page it is on (``?lang=en``).
    english = await browser.get(out.url.join(URL(html.unescape(found[1]))).path_qs)
    # Signed out, in English: not «405: Method Not Allowed».
    assert english.status == 401
    assert english.headers["Content-Language"] == "en"
    assert "/web" in await english.text()
    # Signed in, the same address is the board (a GET never signs anyone out).
    again = await world.browser("ward_official")
    board = await again.get(paths.SIGN_OUT + "?lang=en")
    assert board.status == 200 and board.url.path == paths.BOARD
    assert (await again.get(paths.BOARD)).status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", paths.ROOT + "/"),
        ("GET", paths.ROOT + "/units/1/"),
        ("GET", paths.ROOT + "/nothing/here"),
        ("GET", paths.ROOT + "/signin/"),
        ("PUT", paths.ROOT + "/units/1"),
        ("DELETE", paths.SIGN_OUT),
        ("POST", paths.ROOT + "/units"),
    ],
)
async def test_an_address_the_desk_does_not_have_is_a_polite_404(
    world: DeskWorld, method: str, path: str
) -> None:
    for browser in (await world.anonymous(), await world.browser("ward_official")):
        answer = await browser.request(method, path, allow_redirects=False)
        assert answer.status == 404
        assert answer.content_type == "text/html"
        assert "Không tìm thấy" in await answer.text()


async def test_a_removed_role_closes_the_desk_at_the_next_click(world: DeskWorld) -> None:
    from sqlalchemy import update
    from sqlmodel import col

    from storage.models import Role

    browser = await world.browser("ward_official")
    assert (await browser.get(paths.BOARD)).status == 200
    async with world.runtime.db.sessions() as session:
        await session.execute(
            update(Role)
            .where(col(Role.person_id) == world.people["ward_official"].id)
            .values(active=False)
        )
        await session.commit()
    assert (await browser.get(paths.BOARD)).status == 403


async def test_the_language_toggle_keeps_the_page_and_its_choices(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    page = await browser.get(paths.BOARD, params={"campaign": "1", "level": "cell"})
    html = await page.text()
    assert 'id="lang" href="?campaign=1&amp;level=cell&amp;lang=en"' in html


async def test_a_removed_role_ends_the_session_for_good(world: DeskWorld) -> None:
    """Once the role is gone the session is of no use, and its holder cannot even sign out
    (every page is the 403): it ends there. Given the role back (a mistake undone), the
    person opens a new link; a browser left signed in on an office computer stays out."""
    from sqlalchemy import update
    from sqlmodel import col

    from storage.models import Role

    browser = await world.browser("ward_official")
    person = world.people["ward_official"].id
    for active in (False, True):
        async with world.runtime.db.sessions() as session:
            await session.execute(
                update(Role).where(col(Role.person_id) == person).values(active=active)
            )
            await session.commit()
        if not active:
            refused = await browser.get(paths.BOARD)
            assert refused.status == 403
            assert refused.cookies[SESSION_COOKIE].value == ""
    assert (await browser.get(paths.BOARD)).status == 401
    async with world.runtime.db.sessions() as session:
        ended = (await session.execute(select(DeskSession))).scalar_one()
    assert ended.ended_at == world.clock.now()
    assert (await (await world.browser("ward_official")).get(paths.BOARD)).status == 200
