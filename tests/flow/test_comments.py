"""A citizen's comment, from the QR code on a poster to the receipt, through the Dispatcher."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import Location, Voice
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comments import (
    CommentLimits,
    Details,
    Identity,
    Outcome,
    Submitted,
    submit_comment,
)
from storage.entries import Target, entry_for
from storage.models import (
    AuthorCategory,
    Comment,
    CommentAttachment,
    CommentStatus,
    Stance,
)
from storage.people import get_or_create_person
from tests.chat import Talk, at, skip_questions, texts
from tests.conftest import BotApp
from tests.seed import TEST_KEY
from tests.zalo_chat import ZaloApp

OPINION = "Đề nghị làm rõ hơn giải pháp phát triển kinh tế số ở cơ sở."


async def poster(
    app: BotApp | ZaloApp, *, document: int | None = 0, section: int | None = 0
) -> str:
    """The code of a poster for a document (and section) of the seed's campaign."""
    seed = app.seed
    doc = seed.documents[document] if document is not None else None
    sec = seed.sections[section] if section is not None and doc is seed.documents[0] else None
    async with app.runtime.db.sessions() as session:
        entry = await entry_for(
            session=session, target=Target(seed.campaign, doc, sec), now=app.clock.now()
        )
        await session.commit()
    return entry.code


async def comments(app: BotApp | ZaloApp) -> list[Comment]:
    async with app.runtime.db.sessions() as session:
        rows = await session.execute(select(Comment).order_by(col(Comment.id)))
        return list(rows.scalars().all())


async def store_comment(
    session: AsyncSession,
    app: BotApp,
    target: Target,
    text: str,
    details: Details | None = None,
    user_id: int = 7299,
) -> Submitted:
    """A comment stored as the chat stores it, anonymous, by the person of ``user_id`` (made
    if new), placed and described by ``details``."""
    person = await get_or_create_person(
        session=session,
        channel="telegram",
        external_id=str(user_id),
        full_name="",
        now=app.clock.now(),
    )
    return await submit_comment(
        session=session,
        target=target,
        person=person,
        key=TEST_KEY,
        text=text,
        attachments=[],
        identity=Identity(),
        channel="telegram",
        now=app.clock.now(),
        limits=CommentLimits(),
        details=details or Details(),
    )


async def comment_directly(app: BotApp, user_id: int, text: str) -> None:
    """A comment the person sent meanwhile some other way (another phone, the other channel)."""
    async with app.runtime.db.sessions() as session:
        target = Target(app.seed.campaign, app.seed.documents[0])
        done = await store_comment(session, app, target, text, user_id=user_id)
        assert done.outcome is Outcome.NEW
        await session.commit()


async def write_anonymously(chat: Talk, code: str, text: str = OPINION) -> str:
    """Scan, write, send anonymously; the receipt text."""
    await chat.say(f"/start gy-{code}")
    await chat.say(text)
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    return texts(await chat.press("Gửi ý kiến"))


async def write_named(chat: Talk, code: str, text: str = OPINION) -> str:
    """Scan, write, send with the messenger's name and no phone; the receipt text."""
    await chat.say(f"/start gy-{code}")
    await chat.say(text)
    await skip_questions(chat)
    await chat.press("Gửi kèm họ tên")
    await chat.press("Dùng tên")
    await chat.press("Bỏ qua")
    return texts(await chat.press("Gửi ý kiến"))


async def test_citizen_comments_on_a_section_from_its_qr_code(
    any_app: BotApp | ZaloApp,
) -> None:
    """On Telegram with buttons, on Zalo by typing the numbers of the menus."""
    app = any_app
    chat: Talk = app.chat(7001, "Trần Thị Bình")
    code = await poster(app)

    greeting = texts(await chat.say(f"/start gy-{code}"))
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in greeting
    assert "Đánh giá thành tựu nổi bật" in greeting, "the section's summary"
    _call, button = chat.button("Đọc toàn văn")
    assert button["url"] == "https://example.org/du-thao/bao-cao-chinh-tri.pdf"

    noted = texts(await chat.say(OPINION))
    assert f"{len(OPINION)} ký tự" in noted and "tán thành dự thảo" in noted
    assert "đối tượng nào" in texts(await chat.press("Đồng ý một phần"))
    assert "gửi ý kiến theo cách nào" in texts(await chat.press("Nhân dân"))
    summary = texts(await chat.press("Gửi ẩn danh"))
    assert OPINION in summary and "ẩn danh" in summary
    assert "Ý kiến chung: Đồng ý một phần" in summary and "Đối tượng: Nhân dân" in summary
    receipt = texts(await chat.press("Gửi ý kiến"))

    assert "Cảm ơn bạn" in receipt and "09:00 thứ Hai, 10/11" in receipt
    (comment,) = await comments(app)
    assert comment.receipt.startswith("YK-") and comment.receipt in receipt
    assert comment.text == OPINION and comment.anonymous
    assert comment.author_name is None and comment.phone is None
    assert comment.section_id == app.seed.sections[0].id
    assert comment.document_id == app.seed.documents[0].id
    assert comment.stance is Stance.PARTLY and comment.category is AuthorCategory.CITIZEN
    assert comment.unit_id == app.seed.ward.id, "a ward's campaign: its comments are the ward's"


async def test_named_comment_with_a_phone_number(app: BotApp) -> None:
    chat = app.chat(7002, "Lê Minh Cường")
    await chat.say(f"/start gy-{await poster(app, section=None)}")
    await chat.say(OPINION)
    await skip_questions(chat)
    await chat.press("Gửi kèm họ tên")
    asked = texts(await chat.press("Dùng tên «Lê Minh Cường»"))
    assert "Số điện thoại" in asked

    wrong = texts(await chat.say("12345"))
    assert "chưa đúng" in wrong and "0912 345 678" in wrong
    summary = texts(await chat.say("+84 (0) 912.345.678"))
    assert "Lê Minh Cường, 0912 345 678" in summary
    await chat.press("Gửi ý kiến")

    (comment,) = await comments(app)
    assert not comment.anonymous
    assert comment.author_name == "Lê Minh Cường" and comment.phone == "+84912345678"
    assert comment.stance is None and comment.category is None, "skipped"
    assert comment.section_id is None and comment.document_id == app.seed.documents[0].id


async def test_typed_name_and_no_phone(app: BotApp) -> None:
    chat = app.chat(7003)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say(OPINION)
    await skip_questions(chat)
    await chat.press("Gửi kèm họ tên")
    assert "bằng chữ" in texts(await chat.say("12345")), "a name needs letters"
    await chat.say("  Bác  Hoàng Văn Tư ")
    summary = texts(await chat.press("Bỏ qua"))
    assert "Người gửi: Bác Hoàng Văn Tư" in summary
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.author_name == "Bác Hoàng Văn Tư" and comment.phone is None


async def test_choosing_a_draft_without_a_poster(app: BotApp) -> None:
    chat = app.chat(7004)
    asked = texts(await chat.say("/comment"))
    assert "dự thảo nào" in asked
    assert "Phần nào" in texts(await chat.press("Báo cáo chính trị")).replace("phần", "Phần")
    greeting = texts(await chat.press("II. Bối cảnh"))
    assert "Bối cảnh, mục tiêu" in greeting
    await chat.say(OPINION)
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.section_id == app.seed.sections[1].id


async def test_general_comment_on_a_document_without_sections(app: BotApp) -> None:
    chat = app.chat(7005)
    await chat.say("✍️ Góp ý dự thảo")
    greeting = texts(await chat.press("Điều lệ"))
    assert "Dự thảo Điều lệ Đảng" in greeting, "no sections: straight to writing"
    await chat.say(OPINION)
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.document_id == app.seed.documents[1].id and comment.section_id is None


async def test_photos_of_a_handwritten_letter_with_a_caption(app: BotApp) -> None:
    chat = app.chat(7006)
    await chat.say(f"/start gy-{await poster(app)}")
    first = await chat.send_photo("letter1", caption="Thư góp ý của tổ dân phố", album="a1")
    second = await chat.send_photo("letter2", album="a1")
    assert "1 ảnh" in texts(first)
    assert second == [], "an album is acknowledged once"
    await skip_questions(chat)
    summary = texts(await chat.press("Gửi ẩn danh"))
    assert "Thư góp ý của tổ dân phố" in summary and "Tệp đính kèm: 2" in summary
    await chat.press("Gửi ý kiến")

    (comment,) = await comments(app)
    async with app.runtime.db.sessions() as session:
        files = (await session.execute(select(CommentAttachment))).scalars().all()
    assert comment.text == "Thư góp ý của tổ dân phố"
    assert [(f.kind, f.file_unique_id) for f in files] == [
        ("photo", "letter1"),
        ("photo", "letter2"),
    ], "the largest size of each photo"


async def test_voice_is_kept_as_an_attachment_and_stickers_get_a_hint(app: BotApp) -> None:
    chat = app.chat(7007)
    await chat.say(f"/start gy-{await poster(app)}")
    hint = texts(await chat.send_sticker())
    assert "nhãn dán" in hint
    assert "nhãn dán" in texts(await chat.send(location=Location(latitude=21.0, longitude=105.8)))
    voice = Voice(file_id="v1", file_unique_id="vu1", duration=12)
    assert "1 tệp khác" in texts(await chat.send(voice=voice))
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.text == ""


async def test_empty_and_over_long_comments_are_refused_and_nothing_is_lost(app: BotApp) -> None:
    chat = app.chat(7008)
    await chat.say(f"/start gy-{await poster(app)}")
    assert "Tin nhắn đang trống" in texts(await chat.say(" \u200b \x07"))
    too_long = texts(await chat.say("a" * 4001))
    assert "4.001 ký tự" in too_long and "chia nhỏ" in too_long
    await chat.say("Ý kiến thứ nhất.")
    refused = texts(await chat.say("b" * 3990))
    assert "ý kiến mới" in refused, "the rest goes in a new comment"
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.text == "Ý kiến thứ nhất."


async def test_adding_more_does_not_ask_the_questions_again(app: BotApp) -> None:
    chat = app.chat(7009)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say("x")
    await chat.press("Không tán thành")
    await chat.press("Đảng viên")
    await chat.press("Gửi ẩn danh")
    await chat.press("Viết thêm")
    noted = texts(await chat.say("Bổ sung thêm."))
    assert "chọn cách gửi" in noted, "straight back to how to send"
    summary = texts(await chat.press("Gửi ẩn danh"))
    assert "Không tán thành" in summary and "Đảng viên" in summary
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.stance is Stance.DISAGREE and comment.category is AuthorCategory.PARTY_MEMBER


async def test_old_buttons_of_the_questions_ask_what_is_needed_now(app: BotApp) -> None:
    chat = app.chat(7025)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say(OPINION)
    await chat.press("Bỏ qua")
    asked = texts(await chat.press_data("cst:agree"))
    assert "đối tượng nào" in asked, "the stance was skipped already: who are you?"
    assert "đối tượng nào" in texts(await chat.send_sticker()), "a sticker keeps the question"
    assert "đối tượng nào" in texts(await chat.say("nhân dân")), "typing: please tap"
    await chat.press("Nhân dân")
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.stance is None and comment.category is AuthorCategory.CITIZEN


async def test_unknown_or_forged_poster_codes(app: BotApp) -> None:
    chat = app.chat(7010)
    assert "Không tìm thấy mã QR" in texts(await chat.say("/start gy-ZZZZZ"))
    assert "Không tìm thấy mã QR" in texts(await chat.say("GY 22222"))
    forged = await chat.press_data("cp:999:0:0:comment:0")
    assert "không còn hiệu lực" in texts(forged)
    forged = await chat.press_data(
        f"cp:{app.seed.campaign.id}:{app.seed.documents[1].id}:{app.seed.sections[0].id}:comment:0"
    )
    assert "không còn hiệu lực" in texts(forged), "a section of another document"
    assert "không còn dùng được" in texts(await chat.press_data("cp:abc"))
    assert await comments(app) == []


async def test_typed_poster_code_works_like_the_qr(app: BotApp) -> None:
    chat = app.chat(7011)
    code = await poster(app)
    assert "Kết quả thực hiện" in texts(await chat.say(f"gy - {code.lower()}"))
    await chat.say("/cancel")
    assert "Kết quả thực hiện" in texts(await chat.say(f"/start {code}")), "as Zalo users type it"


async def test_a_typed_short_url_opens_the_draft_on_both_channels(
    any_app: BotApp | ZaloApp,
) -> None:
    """The poster's short URL typed or pasted into the chat opens its draft as the QR code
    would: on Zalo, with no deep links, it is what a person copies from the poster."""
    chat: Talk = any_app.chat(7012, "Lê Thị Cúc")
    code = await poster(any_app)

    opened = texts(await chat.say(f"https://gopy.example.vn/q/GY-{code}"))
    assert "Đánh giá thành tựu nổi bật" in opened, "the section the poster points to"
    assert "Mời bạn gửi ý kiến" in opened
    assert f"{len(OPINION)} ký tự" in texts(await chat.say(OPINION))
    await chat.say("/cancel")
    again = texts(await chat.say(f" gopy.example.vn/Q/gy-{code.lower()}/?utm_source=poster "))
    assert "Mời bạn gửi ý kiến" in again, "no scheme, any case, a slash and a query"
    smudged = texts(await chat.say("gopy.example.vn/q/GY-N9E9O"))
    assert "Không tìm thấy mã" in smudged and "chưa hiểu" not in smudged
    assert await comments(any_app) == []


async def test_poster_of_a_closed_consultation(app: BotApp) -> None:
    chat = app.chat(7012)
    code = await poster(app)
    app.clock.set(at("2026-01-05 08:00"))
    said = texts(await chat.say(f"/start gy-{code}"))
    assert "đã kết thúc lúc 17:00 thứ Tư, 31/12" in said


async def test_comment_sent_after_the_consultation_closed_is_not_stored(app: BotApp) -> None:
    chat = app.chat(7013)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say(OPINION)
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    app.clock.set(at("2025-12-31 17:01"))
    assert "chưa gửi được" in texts(await chat.press("Gửi ý kiến"))
    assert await comments(app) == []


async def test_the_same_text_twice_is_one_comment(app: BotApp) -> None:
    chat = app.chat(7014)
    code = await poster(app)
    first = await write_anonymously(chat, code)
    app.clock.advance(timedelta(minutes=3))
    again = await write_anonymously(
        chat, code, "  đề nghị làm rõ hơn giải pháp PHÁT TRIỂN kinh tế số ở cơ sở. "
    )
    (comment,) = await comments(app)
    assert "đã gửi ý kiến này lúc 09:00" in again and comment.receipt in again
    assert comment.receipt in first
    app.clock.advance(timedelta(minutes=11))
    await write_anonymously(chat, code)
    assert len(await comments(app)) == 2, "after ten minutes it is a new comment"


async def test_the_eleventh_comment_in_an_hour_waits(app: BotApp) -> None:
    chat = app.chat(7015)
    code = await poster(app)
    for n in range(10):
        await write_anonymously(chat, code, f"Ý kiến số {n + 1}")
        app.clock.advance(timedelta(minutes=2))
    refused = texts(await chat.say(f"/start gy-{code}"))
    assert "10 ý kiến trong một giờ qua" in refused and "09:00" not in refused
    assert "10:00 thứ Hai, 10/11" in refused, "an hour after the first"
    assert len(await comments(app)) == 10
    app.clock.set(at("2025-11-10 10:00"))
    await write_anonymously(chat, code, "Ý kiến số 11")
    assert len(await comments(app)) == 11


async def test_rate_limit_reached_while_writing_keeps_the_draft(app: BotApp) -> None:
    chat = app.chat(7016)
    code = await poster(app)
    for n in range(9):
        await write_anonymously(chat, code, f"Ý kiến số {n + 1}")
    await chat.say(f"/start gy-{code}")
    await chat.say("Ý kiến thứ mười, viết chậm")
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await comment_directly(app, 7016, "Ý kiến thứ mười, gửi từ máy khác")
    assert "mức tối đa" in texts(await chat.press("Gửi ý kiến"))
    app.clock.advance(timedelta(hours=1))
    assert "YK-" in texts(await chat.press("Gửi ý kiến")), "the same button works later"


async def test_another_poster_mid_comment_asks_before_switching(app: BotApp) -> None:
    chat = app.chat(7017)
    first, second = await poster(app), await poster(app, document=1, section=None)
    await chat.say(f"/start gy-{first}")
    await chat.say(OPINION)
    asked = texts(await chat.say(f"/start gy-{second}"))
    assert "đang viết dở" in asked
    resumed = texts(await chat.press("Viết tiếp"))
    assert "Đã ghi nhận" in resumed
    await chat.say(f"/start gy-{second}")
    assert "Điều lệ" in texts(await chat.press("Chuyển sang"))
    await chat.say("Ý kiến về Điều lệ")
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.text == "Ý kiến về Điều lệ"
    assert comment.document_id == app.seed.documents[1].id


async def test_commands_mid_comment_keep_it(app: BotApp) -> None:
    chat = app.chat(7018)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say(OPINION)
    for interruption in ("/report", "/start", "/mycomments", "📝 Báo cáo tuần"):
        said = texts(await chat.say(interruption))
        assert "nội dung vẫn được giữ" in said, interruption
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.text == OPINION


async def test_cancel_sends_nothing(app: BotApp) -> None:
    chat = app.chat(7019)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say(OPINION)
    assert "Đã hủy" in texts(await chat.say("/cancel"))
    assert "đã đóng" in texts(await chat.press("Tán thành")), "old buttons are closed"
    assert await comments(app) == []


async def test_my_comments_and_withdrawing_one(app: BotApp) -> None:
    chat = app.chat(7020)
    code = await poster(app)
    await write_anonymously(chat, code)
    (comment,) = await comments(app)
    listed = texts(await chat.say("/mycomments"))
    assert comment.receipt in listed and "đã tiếp nhận" in listed
    asked = texts(await chat.press(f"Rút {comment.receipt}"))
    assert "Không thể hoàn tác" in asked
    done = texts(await chat.press(f"Đồng ý rút {comment.receipt}"))
    assert "Đã rút" in done
    (comment,) = await comments(app)
    assert comment.status is CommentStatus.WITHDRAWN
    assert "đã rút" in texts(await chat.say("🗂 Ý kiến đã gửi"))
    assert "đã được rút" in texts(await chat.press_data(f"wd:{comment.id}:1"))


async def test_nobody_withdraws_another_persons_comment(app: BotApp) -> None:
    await write_anonymously(app.chat(7021), await poster(app))
    (comment,) = await comments(app)
    refused = texts(await app.chat(7022).press_data(f"wd:{comment.id}:1"))
    assert "không còn hiệu lực" in refused
    (comment,) = await comments(app)
    assert comment.status is CommentStatus.RECEIVED


async def test_no_withdrawal_after_the_consultation_closed(app: BotApp) -> None:
    chat = app.chat(7023)
    await write_anonymously(chat, await poster(app))
    (comment,) = await comments(app)
    app.clock.set(at("2026-01-02 09:00"))
    assert f"Rút {comment.receipt}" not in str([c.buttons for c in await chat.say("/mycomments")])
    refused = texts(await chat.press_data(f"wd:{comment.id}:1"))
    assert "không rút được nữa" in refused


async def test_the_same_poster_again_or_an_old_list_keep_what_is_written(app: BotApp) -> None:
    chat = app.chat(7024)
    await chat.say("/comment")
    await chat.press("Báo cáo chính trị")
    await chat.press("I. Kết quả")
    await chat.say(OPINION)
    again = texts(await chat.say(f"/start gy-{await poster(app)}"))
    assert "Đã ghi nhận" in again, "same poster: carry on"
    assert "nội dung vẫn được giữ" in texts(await chat.press("II. Bối cảnh"))
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.text == OPINION and comment.section_id == app.seed.sections[0].id
