"""An official records the comments that reached the ward on paper, at a meeting, by e-mail:
``/record`` (or its menu key), through the Dispatcher on Telegram and on Zalo."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiogram.types import Voice
from sqlmodel import select

from handlers.callbacks import PickDraft
from storage.comments import Outcome
from storage.entered import Received, record_comment
from storage.entries import Target
from storage.models import (
    AuthorCategory,
    CommentAttachment,
    CommentMedium,
    Person,
    RoleKind,
    Stance,
)
from tests.chat import Chat, texts
from tests.conftest import BotApp
from tests.fakes.zalo import hex_id
from tests.flow.test_comments import comments
from tests.outreach import join_as
from tests.seed import invite
from tests.zalo_chat import ZaloApp, ZaloChat
from tests.zalo_chat import texts as zalo_texts

HA, CITIZEN = 7700, 7701
SUMMARY = "Tổ dân phố số 5 đề nghị bổ sung giải pháp về chuyển đổi số ở cơ sở."


async def official(app: BotApp) -> Chat:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    return app.chat(HA)


async def person_id(app: BotApp | ZaloApp, external_id: str) -> int:
    async with app.runtime.db.sessions() as session:
        person = (
            await session.execute(select(Person).where(Person.external_id == external_id))
        ).scalar_one()
    assert person.id is not None
    return person.id


def photos_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.jpg"))


async def to_the_pages(chat: Chat, medium: str) -> str:
    """/record, the medium, then Báo cáo chính trị — II. Bối cảnh; what the bot asks next."""
    assert "hình thức nào" in texts(await chat.say("/record"))
    assert "dự thảo nào" in texts(await chat.press(medium))
    await chat.press("Báo cáo chính trị")
    return texts(await chat.press("II. Bối cảnh"))


async def test_a_letter_with_two_photos_and_a_summary_becomes_the_wards_comment(
    app: BotApp, tmp_path: Path
) -> None:
    app.dp["media_dir"] = tmp_path
    ha = await official(app)
    asked = await to_the_pages(ha, "Thư tay")
    assert "ảnh chụp các trang thư" in asked and "Bối cảnh" in asked

    first = await ha.send_photo("page1", album="letter")
    second = await ha.send_photo("page2", album="letter")
    assert "2 ảnh" not in texts(first) and "1 ảnh" in texts(first)
    assert second == [], "an album is acknowledged once"
    noted = texts(await ha.say(SUMMARY))
    assert f"{len(SUMMARY)} ký tự, 2 ảnh" in noted
    assert "tán thành" in texts(await ha.press("Tiếp tục"))
    assert "đối tượng nào" in texts(await ha.press("Không tán thành"))
    assert "Họ tên người gửi" in texts(await ha.press("Nhân dân"))
    summary = texts(await ha.say("Nguyễn Văn Bảy"))
    assert "Thư tay" in summary and SUMMARY in summary and "Tệp đính kèm: 2" in summary
    assert "Không tán thành" in summary and "Nhân dân" in summary
    assert "Nguyễn Văn Bảy" in summary
    receipt = texts(await ha.press("Lưu"))

    (comment,) = await comments(app)
    assert "Đã lưu" in receipt and comment.receipt in receipt
    assert comment.unit_id == app.seed.ward.id
    assert comment.medium is CommentMedium.LETTER
    assert comment.entered_by_id == await person_id(app, str(HA))
    assert comment.stance is Stance.DISAGREE and comment.category is AuthorCategory.CITIZEN
    assert comment.text == SUMMARY and comment.section_id == app.seed.sections[1].id
    assert not comment.anonymous and comment.author_name == "Nguyễn Văn Bảy"
    assert comment.person_id is None and comment.author_key is None, "not the official's own"
    async with app.runtime.db.sessions() as session:
        files = (await session.execute(select(CommentAttachment))).scalars().all()
    assert [(f.kind, f.file_unique_id) for f in files] == [("photo", "page1"), ("photo", "page2")]
    kept = photos_in(tmp_path)
    assert kept == [f"{comment.receipt}-0.jpg", f"{comment.receipt}-1.jpg"], "kept as citizens'"
    mine = texts(await ha.say("/mycomments"))
    assert comment.receipt not in mine, "a recorded letter is not the official's own comment"


async def test_unsigned_letter_with_no_stance_nor_category_is_anonymous(app: BotApp) -> None:
    ha = await official(app)
    await to_the_pages(ha, "Hòm thư góp ý")
    await ha.say(SUMMARY)
    await ha.press("Tiếp tục")
    await ha.press("Bỏ qua")
    await ha.press("Không rõ")
    summary = texts(await ha.press("Không ghi tên"))
    assert "Quan điểm: không ghi" in summary and "Đối tượng: không rõ" in summary
    await ha.press("Lưu")
    (comment,) = await comments(app)
    assert comment.anonymous and comment.author_name is None
    assert comment.medium is CommentMedium.MAILBOX
    assert comment.stance is None and comment.category is None


async def test_bad_input_keeps_the_step(app: BotApp) -> None:
    ha = await official(app)
    await ha.say("/record")
    again = texts(await ha.say("thư tay"))
    assert "bằng các nút" in again and "hình thức nào" in again
    await ha.press("E-mail")
    await ha.press("Báo cáo chính trị")
    await ha.press("II. Bối cảnh")
    assert "trước đã" in texts(await ha.press("Tiếp tục")) and not await comments(app)
    assert "nhãn dán" in texts(await ha.send_sticker())
    voice = Voice(file_id="v1", file_unique_id="vu1", duration=3)
    assert "tin nhắn thoại" in texts(await ha.send(voice=voice))
    await ha.say(SUMMARY)
    await ha.press("Tiếp tục")
    await ha.press("Tán thành")
    again = texts(await ha.say("nhân dân"))
    assert "bằng các nút" in again and "đối tượng nào" in again
    await ha.press("Đảng viên")
    assert "bằng chữ" in texts(await ha.say("12345"))
    assert "bằng chữ" in texts(await ha.send_sticker())
    interrupted = texts(await ha.say("/comments"))
    assert "đang ghi một ý kiến" in interrupted and "Họ tên người gửi" in interrupted
    await ha.press("Không ghi tên")
    await ha.press("Lưu")
    (comment,) = await comments(app)
    assert (
        comment.medium is CommentMedium.EMAIL and comment.category is AuthorCategory.PARTY_MEMBER
    )
    assert comment.stance is Stance.AGREE


async def test_cancel_at_any_step_keeps_nothing(app: BotApp) -> None:
    ha = await official(app)
    await ha.say("📨 Ghi ý kiến nhận được")
    assert "Không có gì được lưu" in texts(await ha.press("Hủy"))
    await to_the_pages(ha, "Thư tay")
    await ha.say(SUMMARY)
    await ha.press("Tiếp tục")
    await ha.press("Bỏ qua")
    assert "Không có gì được lưu" in texts(await ha.say("/cancel"))
    assert await comments(app) == []
    stale = await ha.press("Nhân dân")
    assert not await comments(app) and not [c for c in stale if c.method == "sendMessage"]


async def record_unsigned(ha: Chat) -> str:
    """A letter with the summary alone, nothing known of its sender; what «Lưu» answers."""
    await to_the_pages(ha, "Thư tay")
    await ha.say(SUMMARY)
    await ha.press("Tiếp tục")
    await ha.press("Bỏ qua")
    await ha.press("Không rõ")
    await ha.press("Không ghi tên")
    return texts(await ha.press("Lưu"))


async def test_the_same_letter_twice_is_stored_once(app: BotApp) -> None:
    ha = await official(app)
    assert "Đã lưu" in await record_unsigned(ha)
    said = await record_unsigned(ha)
    (comment,) = await comments(app)
    assert "đã được lưu lúc" in said and comment.receipt in said
    app.clock.advance(timedelta(minutes=11))
    assert "Đã lưu" in await record_unsigned(ha)
    assert len(await comments(app)) == 2, "past the window: another letter with the same words"


async def test_dozens_after_a_meeting_are_not_held_to_the_hourly_limit(app: BotApp) -> None:
    await official(app)
    official_id = await person_id(app, str(HA))
    async with app.runtime.db.sessions() as session:
        official_person = await session.get(Person, official_id)
        assert official_person is not None
        outcomes = [
            (
                await record_comment(
                    session=session,
                    target=Target(app.seed.campaign, app.seed.documents[0]),
                    official=official_person,
                    received=Received(
                        unit_id=app.seed.cells[0].id or 0,
                        medium=CommentMedium.MEETING,
                        text=f"Ý kiến thứ {n} tại hội nghị",
                    ),
                    attachments=[],
                    channel="telegram",
                    now=app.clock.now(),
                    duplicate_window=timedelta(minutes=10),
                )
            ).outcome
            for n in range(30)
        ]
        await session.commit()
    assert outcomes == [Outcome.NEW] * 30
    stored = await comments(app)
    assert {c.unit_id for c in stored} == {app.seed.cells[0].id}


async def test_a_citizen_cannot_record(app: BotApp) -> None:
    citizen = app.chat(CITIZEN)
    assert "dành cho cán bộ" in texts(await citizen.say("/record"))
    assert app.seed.campaign.id is not None
    pick = PickDraft(campaign_id=app.seed.campaign.id, purpose="record", final=True)
    assert "dành cho cán bộ" in texts(await citizen.press_data(pick.pack()))
    assert "dành cho cán bộ" in texts(await citizen.say("📨 Ghi ý kiến nhận được"))
    assert await comments(app) == []


async def test_a_meetings_remarks_typed_on_zalo(zalo_app: ZaloApp) -> None:
    async with zalo_app.runtime.db.sessions() as session:
        code = await invite(session, zalo_app.seed.ward, role=RoleKind.OFFICIAL)
    ha = ZaloChat(zalo_app.dp, zalo_app.bot, zalo_app.api, hex_id(), "Phạm Thu Hà")
    await ha.say(f"/start i-{code}")
    asked = zalo_texts(await ha.say("/record"))
    assert "hình thức nào" in asked and "Hội nghị, tọa đàm" in asked
    await ha.press("Hội nghị, tọa đàm")
    await ha.press("Báo cáo chính trị")
    await ha.press("Góp ý chung cho cả văn kiện")
    noted = zalo_texts(await ha.say(SUMMARY))
    assert "ký tự" in noted
    await ha.press("Tiếp tục")
    await ha.press("Đồng ý một phần")
    await ha.press("Cán bộ")
    summary = zalo_texts(await ha.press("Không ghi tên"))
    assert "Hội nghị, tọa đàm" in summary and SUMMARY in summary
    assert "<b>" not in summary
    receipt = zalo_texts(await ha.press("Lưu"))
    (comment,) = await comments(zalo_app)
    assert comment.receipt in receipt
    assert comment.medium is CommentMedium.MEETING and comment.channel == "zalo"
    assert comment.unit_id == zalo_app.seed.ward.id and comment.section_id is None
    assert comment.document_id == zalo_app.seed.documents[0].id
    assert comment.stance is Stance.PARTLY and comment.category is AuthorCategory.CADRE
    assert comment.entered_by_id is not None and comment.anonymous


async def test_officials_find_record_in_their_menu_help_and_commands(app: BotApp) -> None:
    ha = await official(app)
    (menu,) = [
        str(c.params.get("commands"))
        for c in app.api.calls
        if c.method == "setMyCommands" and str(HA) in str(c.params.get("scope"))
    ]
    assert "'record'" in menu
    helped = await ha.say("/help")
    assert "/record ghi một ý kiến đơn vị nhận qua thư tay" in texts(helped)
    keys = str([c.params.get("reply_markup") for c in helped])
    assert "📨 Ghi ý kiến nhận được" in keys
    citizen = await app.chat(CITIZEN).say("/help")
    assert "📨 Ghi ý kiến nhận được" not in str([c.params.get("reply_markup") for c in citizen])


async def record_agreeing(
    ha: Chat, section: str, name: str | None, campaign: str | None = None
) -> str:
    """«Nhất trí» on ``section``, signed by ``name`` (or not), in ``campaign`` when the official
    has several to choose from; what «Lưu» answers."""
    assert "hình thức nào" in texts(await ha.say("/record"))
    await ha.press("Thư tay")
    if campaign is not None:
        await ha.press(campaign)
    await ha.press("Báo cáo chính trị")
    await ha.press(section)
    await ha.say("Nhất trí với dự thảo.")
    await ha.press("Tiếp tục")
    await ha.press("Tán thành")
    await ha.press("Nhân dân")
    await (ha.say(name) if name else ha.press("Không ghi tên"))
    return texts(await ha.press("Lưu"))


async def test_the_same_words_from_another_sender_or_on_another_section_are_stored(
    app: BotApp,
) -> None:
    """Letters that only say «Nhất trí» are common: two people's, or one on two sections, are
    as many comments to count, not the same letter entered twice."""
    ha = await official(app)
    assert "Đã lưu" in await record_agreeing(ha, "II. Bối cảnh", "Nguyễn Văn An")
    assert "Đã lưu" in await record_agreeing(ha, "II. Bối cảnh", "Trần Thị Bình")
    assert "Đã lưu" in await record_agreeing(ha, "I. Kết quả", None)
    assert "Đã lưu" in await record_agreeing(ha, "II. Bối cảnh", None)
    said = await record_agreeing(ha, "II. Bối cảnh", "Trần Thị Bình")
    assert "đã được lưu lúc" in said, "the same letter again is still stored once"
    stored = await comments(app)
    assert sorted(c.author_name or "" for c in stored) == [
        "",
        "",
        "Nguyễn Văn An",
        "Trần Thị Bình",
    ]


async def test_a_ward_official_records_a_letter_for_the_citys_consultation(app: BotApp) -> None:
    """The city runs the consultation, the ward receives the letters: they count for the ward
    (as its /qr posters do), and a city official's letter for the ward's own consultation
    counts for that ward, not for the city above it, where the ward's counts would miss it."""
    from tests.flow.test_comment_places import city_consultation

    city = await city_consultation(app)
    ha = await official(app)
    asked = texts(await ha.say("/record"))
    assert "hình thức nào" in asked
    assert "đợt nào" in texts(await ha.press("Thư tay")), "the ward's and the city's"
    await ha.press("Luật Thủ đô")
    await ha.press("Dự thảo Luật Thủ đô")
    await ha.say("Đề nghị bổ sung quy định về không gian xanh.")
    await ha.press("Tiếp tục")
    await ha.press("Bỏ qua")
    await ha.press("Không rõ")
    await ha.press("Không ghi tên")
    assert "Đã lưu" in texts(await ha.press("Lưu"))

    await join_as(app, 7702, city.unit, RoleKind.OFFICIAL, "Lê Minh")
    lan = app.chat(7702)
    assert "Đã lưu" in await record_agreeing(lan, "II. Bối cảnh", None, "văn kiện Đại hội XIV")

    for_the_city, for_the_ward = await comments(app)
    assert for_the_city.campaign_id == city.campaign.id
    assert for_the_city.unit_id == app.seed.ward.id
    assert for_the_ward.campaign_id == app.seed.campaign.id
    assert for_the_ward.unit_id == app.seed.ward.id
