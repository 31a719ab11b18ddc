"""Officials and citizens' comments: counts, latest, reply by code, hide, spam, export, /qr."""

from __future__ import annotations

import io
from pathlib import Path

import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import select

from storage.models import (
    Comment,
    CommentAttachment,
    CommentReply,
    CommentStatus,
    Outbox,
    Purpose,
    RoleKind,
    Unit,
    UnitLevel,
)
from tests.chat import at, skip_questions, texts
from tests.conftest import BotApp
from tests.flow.test_comments import (
    OPINION,
    comments,
    poster,
    write_anonymously,
    write_named,
)
from tests.outreach import harness, join_as

HA, MINH, CITIZEN, OTHER = 7100, 7101, 7102, 7103


async def official(app: BotApp, user_id: int = HA) -> None:
    await join_as(app, user_id, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")


async def test_counts_per_document_and_section_and_the_latest(app: BotApp) -> None:
    await official(app)
    citizen = app.chat(CITIZEN)
    await write_anonymously(citizen, await poster(app), "Ý kiến về phần I")
    await write_anonymously(citizen, await poster(app, section=1), "Ý kiến về phần II")
    await write_anonymously(citizen, await poster(app, document=1, section=None), "Về Điều lệ")

    overview = texts(await app.chat(HA).say("/comments"))
    assert "3 ý kiến" in overview
    assert "Dự thảo Báo cáo chính trị: 2" in overview
    assert "I. Kết quả thực hiện Nghị quyết Đại hội XIII: 1" in overview
    assert "Dự thảo Điều lệ Đảng: 1" in overview
    assert "Về Điều lệ" in overview and "ẩn danh" in overview
    assert str(CITIZEN) not in overview, "never a messenger id"

    narrowed = texts(await app.chat(HA).press("Dự thảo Báo cáo chính trị (2)"))
    assert "Ý kiến về phần I" in narrowed and "Về Điều lệ" not in narrowed
    section = texts(await app.chat(HA).press("II. Bối cảnh"))
    assert "Ý kiến về phần II" in section and "Ý kiến về phần I\n" not in section


async def test_only_officials_see_comments(app: BotApp) -> None:
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    for command in ("/comments", "/qr", "/reply YK-222222 chào", "/hide YK-222222"):
        refused = texts(await app.chat(OTHER).say(command))
        assert "dành cho cán bộ" in refused, command
    forged = texts(await app.chat(OTHER).press_data(f"ce:{app.seed.campaign.id}:xlsx"))
    assert "không còn hiệu lực" in forged
    assert not [c for c in app.api.calls if c.method == "sendDocument"]


async def test_reply_reaches_the_citizen_with_the_comment_quoted(app: BotApp) -> None:
    await official(app)
    h = harness(app)
    await write_named(app.chat(CITIZEN), await poster(app))
    (comment,) = await comments(app)

    said = texts(
        await app.chat(HA).say(
            f"/reply {comment.receipt.lower()} Cảm ơn bạn, ý kiến đã được tổng hợp."
        )
    )
    assert "đang được gửi" in said
    await h.delivery.drain()

    letter = app.chat(CITIZEN).last_text()
    assert f"Trả lời ý kiến {comment.receipt}" in letter
    assert f"<blockquote>{OPINION}</blockquote>" in letter
    assert "Cảm ơn bạn, ý kiến đã được tổng hợp." in letter
    assert "Đảng ủy phường Ngọc Hà" in letter
    async with app.runtime.db.sessions() as session:
        reply = (await session.execute(select(CommentReply))).scalar_one()
        outbox = (await session.execute(select(Outbox))).scalar_one()
        stored = await session.get(Comment, comment.id)
    assert reply.text == "Cảm ơn bạn, ý kiến đã được tổng hợp."
    assert outbox.purpose is Purpose.REPLY and outbox.key == f"reply:{reply.id}"
    assert stored is not None and stored.replied_at is not None
    assert "đã được trả lời" in texts(await app.chat(CITIZEN).say("/mycomments"))


async def test_reply_at_night_waits_for_the_morning(app: BotApp) -> None:
    await official(app)
    await write_named(app.chat(CITIZEN), await poster(app))
    (comment,) = await comments(app)
    app.clock.set(at("2025-11-10 22:30"))
    said = texts(await app.chat(HA).say(f"/reply {comment.receipt} Cảm ơn bạn."))
    assert "giờ nghỉ" in said and "07:00 thứ Ba, 11/11" in said


async def test_reply_in_the_authors_language(app: BotApp) -> None:
    await official(app)
    citizen = app.chat(CITIZEN)
    await citizen.say("/lang")
    await citizen.press("English")
    await citizen.say(f"/start gy-{await poster(app)}")
    await citizen.say("Please say more about digital transformation.")
    assert "Which of these are you?" in texts(await citizen.press("Agree"))
    await citizen.press("Skip")
    await citizen.press("Send with my name")
    await citizen.press("Use «")
    await citizen.press("Skip")
    assert "Receipt" in texts(await citizen.press("Send comment"))
    (comment,) = await comments(app)
    await app.chat(HA).say(f"/reply {comment.receipt} Cảm ơn bạn.")
    await harness(app).delivery.drain()
    assert f"An answer to your comment {comment.receipt}" in citizen.last_text()


async def test_reply_to_an_anonymous_author_waits_in_mycomments(app: BotApp) -> None:
    """Nothing stored links an anonymous comment to its author (fault 4), so the answer
    cannot be pushed; the author reads it under the comment in /mycomments."""
    await official(app)
    h = harness(app)
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    (comment,) = await comments(app)
    said = texts(await app.chat(HA).say(f"/reply {comment.receipt} Cảm ơn bạn, đã ghi nhận."))
    assert "ẩn danh" in said and "/mycomments" in said
    await h.delivery.drain()
    async with app.runtime.db.sessions() as session:
        assert (await session.execute(select(Outbox))).first() is None, "nothing to push"
        reply = (await session.execute(select(CommentReply))).scalar_one()
    assert reply.text == "Cảm ơn bạn, đã ghi nhận."
    mine = texts(await app.chat(CITIZEN).say("/mycomments"))
    assert comment.receipt in mine and "Trả lời: Cảm ơn bạn, đã ghi nhận." in mine
    assert "Cảm ơn bạn" not in texts(await app.chat(OTHER).say("/mycomments"))


async def test_bad_reply_commands(app: BotApp) -> None:
    await official(app)
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    (comment,) = await comments(app)
    ha = app.chat(HA)
    assert "/reply YK-7K3QMA" in texts(await ha.say("/reply"))
    assert "/reply YK-7K3QMA" in texts(await ha.say(f"/reply {comment.receipt}")), "no text"
    assert "Không có ý kiến YK-222222" in texts(await ha.say("/reply YK-222222 chào"))
    assert "tối đa 3000" in texts(await ha.say(f"/reply {comment.receipt} " + "x" * 3001))
    async with app.runtime.db.sessions() as session:
        assert (await session.execute(select(Outbox))).first() is None


async def test_an_official_of_another_ward_cannot_touch_the_comment(app: BotApp) -> None:
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    (comment,) = await comments(app)
    async with app.runtime.db.sessions() as session:
        other = Unit(
            code="KIMMA",
            name="Đảng ủy phường Kim Mã",
            level=UnitLevel.WARD,
            parent_id=app.seed.ward.parent_id,
        )
        session.add(other)
        await session.commit()
        await session.refresh(other)
    await join_as(app, OTHER, other, RoleKind.OFFICIAL, "Ngô Lan")
    refused = texts(await app.chat(OTHER).say(f"/hide {comment.receipt}"))
    assert "Không có ý kiến" in refused
    assert "Chưa có đợt" in texts(await app.chat(OTHER).say("/comments"))
    (comment,) = await comments(app)
    assert comment.status is CommentStatus.RECEIVED


async def test_city_officials_oversee_the_wards_comments(app: BotApp) -> None:
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
    assert city is not None
    await join_as(app, MINH, city, RoleKind.OFFICIAL, "Hoàng Minh")
    assert "1 ý kiến" in texts(await app.chat(MINH).say("/comments"))


async def test_hide_spam_and_restore_keep_the_comment(app: BotApp) -> None:
    await official(app)
    citizen = app.chat(CITIZEN)
    await write_anonymously(citizen, await poster(app), "Ý kiến nghiêm túc")
    await write_anonymously(citizen, await poster(app), "Quảng cáo bán hàng")
    serious, advert = await comments(app)
    ha = app.chat(HA)

    assert "Đã đánh dấu" in texts(await ha.say(f"/spam {advert.receipt}"))
    assert "Đã ẩn" in texts(await ha.say(f"/hide yk {serious.receipt[3:]}"))
    overview = texts(await ha.say("/comments"))
    assert "0 ý kiến (1 đã ẩn)" in overview
    assert "Quảng cáo" not in overview and "nghiêm túc" not in overview
    assert "Đã hiện lại" in texts(await ha.say(f"/restore {serious.receipt}"))
    assert "Ý kiến nghiêm túc" in texts(await ha.say("/comments"))
    assert len(await comments(app)) == 2, "nothing is deleted"
    assert "/spam YK-7K3QMA" in texts(await ha.say("/spam"))


async def test_a_withdrawn_comment_cannot_be_answered_or_moderated(app: BotApp) -> None:
    await official(app)
    citizen = app.chat(CITIZEN)
    await write_anonymously(citizen, await poster(app))
    (comment,) = await comments(app)
    await citizen.press_data(f"wd:{comment.id}:1")
    assert "đã được người gửi rút lại" in texts(
        await app.chat(HA).say(f"/reply {comment.receipt} Chào")
    )
    assert "đã được người gửi rút lại" in texts(await app.chat(HA).say(f"/hide {comment.receipt}"))


async def test_export_to_excel_grouped_by_section(app: BotApp) -> None:
    await official(app)
    citizen = app.chat(CITIZEN, "Lê Minh Cường")
    await write_anonymously(citizen, await poster(app), '=HYPERLINK("http://x","bấm")')
    await citizen.say(f"/start gy-{await poster(app, section=1)}")
    await citizen.say(OPINION)
    await skip_questions(citizen)
    await citizen.press("Gửi kèm họ tên")
    await citizen.press("Dùng tên")
    await citizen.say("0912345678")
    await citizen.press("Gửi ý kiến")

    await app.chat(HA).say("/comments")
    await app.chat(HA).press("Excel")
    (sent,) = [c for c in app.api.calls if c.method == "sendDocument"]
    assert sent.upload.filename.startswith("gopy-dh14-") and sent.upload.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(sent.upload.data)).active
    assert sheet is not None
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    flat = [str(c) for row in cells for c in row]
    assert any("Kết quả thực hiện Nghị quyết Đại hội XIII (1 ý kiến)" in c for c in flat)
    assert any("Bối cảnh" in c and "(1 ý kiến)" in c for c in flat)
    assert '=HYPERLINK("http://x","bấm")' in flat, "kept as text, not a formula"
    assert "Lê Minh Cường" in flat and "0912 345 678" in flat and "ẩn danh" in flat
    assert str(CITIZEN) not in " ".join(flat), "never a messenger id"

    await app.chat(HA).press("CSV")
    csv_doc = [c for c in app.api.calls if c.method == "sendDocument"][-1]
    assert csv_doc.upload.data.startswith(b"\xef\xbb\xbf")
    assert "Lê Minh Cường" in csv_doc.upload.data.decode("utf-8-sig")


async def test_qr_for_a_section_decodes_to_its_deep_link_and_works(app: BotApp) -> None:
    await official(app)
    ha = app.chat(HA)
    await ha.say("/qr")
    await ha.press("Báo cáo chính trị")
    await ha.press("I. Kết quả")
    photo = next(c for c in app.api.calls if c.method == "sendPhoto")
    document = next(c for c in app.api.calls if c.method == "sendDocument")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.upload.data)))
    assert decoded.text.startswith("https://t.me/gopy_test_bot?start=gy-")
    assert decoded.text in photo.text and "GY-" in photo.text
    assert document.upload.data.startswith(b"%PDF")

    payload = decoded.text.split("start=")[1]
    greeting = texts(await app.chat(CITIZEN).say(f"/start {payload}"))
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in greeting

    await ha.say("/qr")
    await ha.press("Báo cáo chính trị")
    await ha.press("I. Kết quả")
    again = [c for c in app.api.calls if c.method == "sendPhoto"][-1]
    assert again.text == photo.text, "a reprinted poster keeps its code"


async def test_quick_report_poster_for_secretaries(app: BotApp) -> None:
    await official(app)
    await app.chat(HA).say("/qr")
    await app.chat(HA).press("Áp phích báo cáo nhanh")
    photo = next(c for c in app.api.calls if c.method == "sendPhoto")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.upload.data)))
    assert decoded.text == "https://t.me/gopy_test_bot?start=report"


def photos_in(folder: Path) -> list[Path]:
    return list(folder.rglob("*.jpg"))


async def test_photos_are_copied_to_the_media_folder_when_configured(
    app: BotApp, tmp_path: Path
) -> None:
    app.dp["media_dir"] = tmp_path
    citizen = app.chat(CITIZEN)
    await citizen.say(f"/start gy-{await poster(app)}")
    await citizen.send_photo("letter1", caption="Thư tay")
    await skip_questions(citizen)
    await citizen.press("Gửi ẩn danh")
    await citizen.press("Gửi ý kiến")
    (comment,) = await comments(app)
    (copy,) = photos_in(tmp_path)
    assert copy.name == f"{comment.receipt}-0.jpg"
    assert copy.read_bytes() == b"file:photos/letter1-x.jpg"
    async with app.runtime.db.sessions() as session:
        (attachment,) = (await session.execute(select(CommentAttachment))).scalars().all()
    assert attachment.media_path == f"{comment.campaign_id}/{comment.receipt}-0.jpg"
