"""Signing in to the desk with a single-use link, staying in, and signing out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.web.desk import paths
from bot.web.desk.guard import SESSION_COOKIE
from scheduler.clock import FrozenClock
from storage.models import DeskLink, DeskSession
from tests.desk_world import DeskWorld, csrf_of, post_form, serve_desk


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
    async with world.runtime.sessions() as session:
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
    async with world.runtime.sessions() as session:
        ended = (await session.execute(select(DeskSession))).scalar_one()
    assert ended.ended_at == world.clock.now()


async def test_a_removed_role_closes_the_desk_at_the_next_click(world: DeskWorld) -> None:
    from sqlalchemy import update
    from sqlmodel import col

    from storage.models import Role

    browser = await world.browser("ward_official")
    assert (await browser.get(paths.BOARD)).status == 200
    async with world.runtime.sessions() as session:
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
