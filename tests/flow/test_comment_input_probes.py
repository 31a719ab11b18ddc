"""A reviewer's probes of the comment's new questions (stance, who, where): buttons forged or
from another campaign, a category that does not exist, and what an anonymous comment keeps."""

from __future__ import annotations

from handlers.callbacks import CommentCategory, CommentPlace
from storage.models import Unit, UnitLevel
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_comment_places import city_consultation, code_of, write
from tests.flow.test_comments import comments


async def test_a_place_button_outside_the_campaigns_tree_is_refused(app: BotApp) -> None:
    """A forged (or another campaign's) ward button, a cell, the city itself: none is a place
    to answer; the question is asked again and the comment counts only where it may."""
    city = await city_consultation(app)
    async with app.runtime.db.sessions() as session:
        elsewhere = Unit(code="HCM", name="Đảng bộ TP Hồ Chí Minh", level=UnitLevel.CITY)
        session.add(elsewhere)
        await session.flush()
        foreign = Unit(
            code="BN",
            name="Đảng ủy phường Bến Nghé",
            level=UnitLevel.WARD,
            parent_id=elsewhere.id,
            place="Bến Nghé",
        )
        session.add(foreign)
        await session.commit()
        assert foreign.id is not None
    chat = app.chat(7401)
    await write(chat, await code_of(app, city))
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    cell = app.seed.cells[0].id
    for unit_id in (foreign.id, cell, city.unit.id, 987654):
        assert unit_id is not None
        said = texts(await chat.press_data(CommentPlace(unit_id=unit_id).pack()))
        assert "không còn" in said and "phường/xã nào" in said, unit_id
    assert "Bến Nghé" not in texts(await chat.say("ben nghe"))
    await chat.press("Ngọc Hà")
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.unit_id == city.wards["Ngọc Hà"].id


async def test_a_category_not_in_the_list_is_answered_and_the_step_kept(app: BotApp) -> None:
    city = await city_consultation(app)
    chat = app.chat(7402)
    await write(chat, await code_of(app, city, "Ngọc Hà"))
    await chat.press("Tán thành")
    forged = CommentCategory().pack().replace("cct:", "cct:student")
    said = await chat.press_data(forged)
    assert [c for c in said if c.method == "answerCallbackQuery"], "the tap is answered"
    await chat.press("Đảng viên")
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.category is not None and comment.category.value == "party_member"


async def test_an_anonymous_comment_keeps_no_link_to_its_author(app: BotApp) -> None:
    city = await city_consultation(app)
    chat = app.chat(7403, "Nguyễn Văn An")
    await write(chat, await code_of(app, city))
    await chat.press("Không tán thành")
    await chat.press("Nhân dân")
    await chat.say("ngoc ha")
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.person_id is None and comment.entered_by_id is None
    assert comment.author_name is None and comment.phone is None and comment.anonymous
    assert comment.medium is None or comment.medium.value == "chat"
    again = texts(await chat.press("Gửi ý kiến"))
    assert "đã đóng" in again or "đã gửi" in again, "a second tap stores nothing"
    assert len(await comments(app)) == 1
