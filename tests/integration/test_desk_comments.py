"""The desk's comments page: what an official reads, filtered, searched and paged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from tests.desk_comments import Writer
from tests.desk_world import DeskWorld, serve_desk


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock) as served:
        yield served


async def test_smoke(world: DeskWorld) -> None:
    writer = Writer(world)
    c = await writer.add("Thủ đô cần nhiều cây xanh", web_photos=1, chat_photos=1)
    browser = await world.browser("ward_official")
    page = await browser.get(paths.COMMENTS)
    html = await page.text()
    assert page.status == 200, html
    print(html)
    page = await browser.get(paths.comment_path(c.receipt))
    html = await page.text()
    assert page.status == 200, html
    print(html)
