"""The city's consultation seen from a ward: Ngọc Hà's official reads, answers, exports and
moderates the comments placed in Ngọc Hà, never Giảng Võ's (not even with a forged button);
the city's official reads them all, a line per ward."""

from __future__ import annotations

from handlers.callbacks import CommentAction, ExportComments, ModerateComment
from storage.models import CommentStatus, RoleKind
from tests.chat import texts
from tests.conftest import BotApp
from tests.fakes.telegram import Call
from tests.flow.test_comment_places import city_consultation, code_of
from tests.flow.test_comments import comments, write_named
from tests.outreach import harness, join_as

HA, MINH, LAN, BINH = 7400, 7401, 7402, 7403
TITLE = "Góp ý dự thảo Luật Thủ đô"
LIGHTS = "Đề nghị bổ sung quy định về chiếu sáng công cộng trong các ngõ nhỏ."
PARKING = "Đề nghị quy hoạch thêm bãi đỗ xe ngầm ở các khu tập thể cũ."


def about_the_city(calls: list[Call]) -> str:
    """What /comments says of the city's consultation (the ward's own campaign aside)."""
    return "\n".join(c.text for c in calls if TITLE in c.text)


async def test_a_wards_official_reads_and_answers_their_wards_share_only(app: BotApp) -> None:
    city = await city_consultation(app, ("Giảng Võ",))
    lan, binh = app.chat(LAN, "Nguyễn Thị Lan"), app.chat(BINH, "Trần Văn Bình")
    await write_named(lan, await code_of(app, city, "Ngọc Hà"), LIGHTS)
    await write_named(binh, await code_of(app, city, "Giảng Võ"), PARKING)
    from_ngoc_ha, from_giang_vo = await comments(app)
    await join_as(app, HA, city.wards["Ngọc Hà"], RoleKind.OFFICIAL, "Phạm Thu Hà")
    await join_as(app, MINH, city.unit, RoleKind.OFFICIAL, "Hoàng Minh")
    delivery = harness(app).delivery
    ha = app.chat(HA)

    # Ngọc Hà's official: one comment, Lan's; nothing of Giảng Võ's.
    everything = await ha.say("/comments")
    overview = about_the_city(everything)
    assert f"{TITLE}</b>: 1 ý kiến" in overview
    assert "Dự thảo Luật Thủ đô: 1" in overview and LIGHTS in overview
    assert PARKING not in texts(everything) and "Giảng Võ" not in texts(everything)
    browsed = texts(await ha.press("Dự thảo Luật Thủ đô (1)"))
    assert LIGHTS in browsed and PARKING not in browsed

    # … answers it, and Lan gets the answer from the ward.
    said = texts(await ha.say(f"/reply {from_ngoc_ha.receipt} Cảm ơn chị, phường đã ghi nhận."))
    assert "đang được gửi" in said
    await delivery.drain()
    letter = lan.last_text()
    assert f"Trả lời ý kiến {from_ngoc_ha.receipt}" in letter
    assert "Cảm ơn chị, phường đã ghi nhận." in letter and "Đảng ủy phường Ngọc Hà" in letter

    # … exports Ngọc Hà's share only.
    assert city.campaign.id is not None
    await ha.press_data(ExportComments(campaign_id=city.campaign.id, fmt="csv").pack())
    sent = [c for c in app.api.calls if c.method == "sendDocument"][-1]
    table = sent.upload.data.decode("utf-8-sig")
    assert LIGHTS in table and PARKING not in table

    # … and cannot hide or answer Giảng Võ's, typed or with a forged button.
    assert city.campaign.id is not None and from_giang_vo.id is not None
    for attempt in (
        ha.say(f"/hide {from_giang_vo.receipt}"),
        ha.say(f"/reply {from_giang_vo.receipt} Cảm ơn anh."),
        ha.press_data(
            ModerateComment(comment_id=from_giang_vo.id, action=CommentAction.SPAM).pack()
        ),
        ha.press_data(
            ModerateComment(comment_id=from_giang_vo.id, action=CommentAction.REPLY).pack()
        ),
    ):
        refused = texts(await attempt)
        assert f"Không có ý kiến {from_giang_vo.receipt}" in refused
    await delivery.drain()
    assert "Cảm ơn anh" not in texts(binh.sent())
    _, giang_vo = await comments(app)
    assert giang_vo.status is CommentStatus.RECEIVED and giang_vo.replied_at is None

    # The city's official reads both, a line per ward, and may hide either.
    city_view = about_the_city(await app.chat(MINH).say("/comments"))
    assert f"{TITLE}</b>: 2 ý kiến" in city_view
    assert "📍 Đảng ủy phường Giảng Võ: 1" in city_view
    assert "📍 Đảng ủy phường Ngọc Hà: 1" in city_view
    assert LIGHTS in city_view and PARKING in city_view
    assert "Đã ẩn" in texts(await app.chat(MINH).say(f"/hide {from_giang_vo.receipt}"))
