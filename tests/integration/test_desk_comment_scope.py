"""The official of Kim Mã reads Kim Mã's share of the city's consultation and nothing of
Ngọc Hà's: on the list, a comment's page, its photos, and every action (404, nothing
changed) — the rule of /comments in chat (``storage.comment_scope``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import col, select

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.models import Comment, CommentReply, CommentStatus, CommentTheme, Outbox
from tests.desk_comments import Writer
from tests.desk_world import Client, DeskWorld, post_form, serve_desk


@dataclass
class Scene:
    world: DeskWorld
    ngoc_ha: Comment  # the city's consultation, placed in a cell of Ngọc Hà
    kim_ma: Comment  # the same, placed in Kim Mã
    ward_own: Comment  # Ngọc Hà's own campaign
    group: CommentTheme  # the consultation's, holding both
    other_group: CommentTheme


@pytest.fixture
async def scene(database_url: str, clock: FrozenClock) -> AsyncIterator[Scene]:
    async with serve_desk(database_url, clock) as world:
        writer = Writer(world)
        consultation = world.consultation
        ngoc_ha = await writer.add(
            "Ngọc Hà: thủ đô cần thêm cây xanh",
            campaign=consultation,
            unit=world.seed.cells[0],
            author=world.people["citizen"],
            web_photos=1,
        )
        kim_ma = await writer.add(
            "Kim Mã: thủ đô cần thêm bãi đỗ xe",
            campaign=consultation,
            unit=world.other_ward,
        )
        ward_own = await writer.add("Ý kiến về văn kiện", author=world.people["citizen"])
        group = await writer.theme("Đô thị xanh", campaign=consultation, members=(ngoc_ha, kim_ma))
        other_group = await writer.theme("Giao thông", campaign=consultation)
        yield Scene(world, ngoc_ha, kim_ma, ward_own, group, other_group)


async def kim_ma_official(scene: Scene) -> Client:
    return await scene.world.browser("other_official")


async def test_the_list_holds_only_kim_ma(scene: Scene) -> None:
    browser = await kim_ma_official(scene)
    page = await browser.get(paths.COMMENTS)  # their only campaign: the city's
    html = await page.text()
    assert page.status == 200
    assert scene.kim_ma.receipt in html
    assert scene.ngoc_ha.receipt not in html and "Ngọc Hà: thủ đô" not in html
    searched = await browser.get(paths.COMMENTS, params={"q": "thu do"})
    assert scene.ngoc_ha.receipt not in await searched.text()
    for unit in (scene.world.seed.ward, scene.world.seed.cells[0]):
        assert (await browser.get(paths.COMMENTS, params={"unit": str(unit.id)})).status == 404


async def test_no_page_of_ngoc_ha_opens(scene: Scene) -> None:
    browser = await kim_ma_official(scene)
    assert (await browser.get(paths.comment_path(scene.kim_ma.receipt))).status == 200
    for comment in (scene.ngoc_ha, scene.ward_own):
        page = await browser.get(paths.comment_path(comment.receipt))
        assert page.status == 404
        assert comment.text not in await page.text()
    photo = await browser.get(paths.comment_photo_path(scene.ngoc_ha.receipt, 1))
    assert photo.status == 404 and photo.content_type == "text/html"
    # Ngọc Hà's official sees the photo that Kim Mã's cannot.
    ward = await scene.world.browser("ward_official")
    assert (await ward.get(paths.comment_photo_path(scene.ngoc_ha.receipt, 1))).status == 200


async def test_no_action_on_ngoc_ha_does_anything(scene: Scene) -> None:
    world = scene.world
    browser = await kim_ma_official(scene)
    page = paths.comment_path(scene.kim_ma.receipt)  # a page of theirs, for the token
    for comment in (scene.ngoc_ha, scene.ward_own):
        for route, fields in (
            (paths.COMMENT_REPLY_ROUTE, {"text": "Cảm ơn"}),
            (paths.COMMENT_MODERATE_ROUTE, {"action": "hide"}),
            (paths.COMMENT_MODERATE_ROUTE, {"action": "spam"}),
            (paths.COMMENT_THEME_ROUTE, {"theme": str(scene.other_group.id)}),
        ):
            path = paths.comment_action_path(route, comment.receipt)
            refused = await post_form(browser, path, fields, page=page)
            assert refused.status == 404, (route, fields)
    # The groups are the city's: Kim Mã's official moves not even Kim Mã's comments.
    move = paths.comment_action_path(paths.COMMENT_THEME_ROUTE, scene.kim_ma.receipt)
    assert (
        await post_form(browser, move, {"theme": str(scene.other_group.id)}, page=page)
    ).status == 404
    async with world.runtime.db.sessions() as session:
        comments = (await session.execute(select(Comment))).scalars().all()
        assert {c.status for c in comments} == {CommentStatus.RECEIVED}
        assert {c.theme_id for c in comments if c.id != scene.ward_own.id} == {scene.group.id}
        assert (await session.execute(select(CommentReply))).first() is None
        assert (await session.execute(select(Outbox))).first() is None


async def test_the_groups_count_kim_ma_and_stay_the_citys(scene: Scene) -> None:
    world = scene.world
    browser = await kim_ma_official(scene)
    themes = await browser.get(paths.THEMES)
    html = await themes.text()
    assert themes.status == 200
    assert "Đô thị xanh" in html and "1 ý kiến" in html, "only Kim Mã's one is counted"
    assert "Ngọc Hà: thủ đô" not in html
    group = await browser.get(paths.theme_path(scene.group.id or 0))
    html = await group.text()
    assert group.status == 200
    assert scene.kim_ma.receipt in html and scene.ngoc_ha.receipt not in html
    assert 'name="label"' not in html, "no renaming offered"
    page = paths.theme_path(scene.group.id or 0)
    rename = paths.theme_path(scene.group.id or 0, paths.THEME_RENAME_ROUTE)
    merge = paths.theme_path(scene.group.id or 0, paths.THEME_MERGE_ROUTE)
    assert (await post_form(browser, rename, {"label": "Đổi"}, page=page)).status == 404
    merged = await post_form(browser, merge, {"target": str(scene.other_group.id)}, page=page)
    assert merged.status == 404
    assert (
        await browser.get(paths.THEMES, params={"campaign": str(world.seed.campaign.id)})
    ).status == 404
    async with world.runtime.db.sessions() as session:
        rows = (
            (await session.execute(select(CommentTheme).order_by(col(CommentTheme.id))))
            .scalars()
            .all()
        )
    assert [(t.label, t.merged_into_id) for t in rows] == [
        ("Đô thị xanh", None),
        ("Giao thông", None),
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/desk/comments/%00",
        "/desk/comments/YK-%F0%9F%92%A9",
        "/desk/comments/" + "A" * 5000,
        "/desk/comments/YK-222222/photos/-1",
        "/desk/comments/YK-222222/photos/%20",
        "/desk/themes/0",
        "/desk/themes/-5",
        "/desk/themes/99999999999999999999999999",
        "/desk/themes/abc",
        "/desk/themes?campaign=x",
        "/desk/themes?document=99999999",
    ],
)
async def test_garbage_addresses_are_4xx(scene: Scene, path: str) -> None:
    browser = await kim_ma_official(scene)
    page = await browser.get(path)
    assert 400 <= page.status < 500, (path, page.status)


async def test_garbage_forms_are_4xx(scene: Scene) -> None:
    world = scene.world
    browser = await world.browser("city_official")
    comment = paths.comment_path(scene.kim_ma.receipt)
    group = paths.theme_path(scene.group.id or 0)
    for path, fields, page in (
        (
            paths.comment_action_path(paths.COMMENT_MODERATE_ROUTE, scene.kim_ma.receipt),
            {"action": "\x00"},
            comment,
        ),
        (
            paths.comment_action_path(paths.COMMENT_THEME_ROUTE, scene.kim_ma.receipt),
            {"theme": "9" * 40},
            comment,
        ),
        (
            paths.comment_action_path(paths.COMMENT_THEME_ROUTE, scene.kim_ma.receipt),
            {"theme": "999999"},
            comment,
        ),
        (paths.comment_action_path(paths.COMMENT_THEME_ROUTE, scene.kim_ma.receipt), {}, comment),
        (paths.theme_path(scene.group.id or 0, paths.THEME_MERGE_ROUTE), {"target": "x"}, group),
        (
            paths.theme_path(scene.group.id or 0, paths.THEME_MERGE_ROUTE),
            {"target": str(scene.group.id)},
            group,
        ),
        (
            paths.theme_path(scene.group.id or 0, paths.THEME_RENAME_ROUTE),
            {"label": "\u200b"},
            group,
        ),
    ):
        refused = await post_form(browser, path, fields, page=page)
        assert 400 <= refused.status < 500, (path, fields, refused.status)
