"""The same bot on Zalo: the secretary's report, a citizen's comment and a reminder, end to end
through the Dispatcher and the ZaloSession against a fake Zalo Bot API on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from pydantic import SecretStr
from sqlmodel import col, select

from bot.app import command_buttons
from bot.channels.zalo import build_zalo_bot
from bot.config import Settings, ZaloSettings
from bot.web.app import build_web_app
from bot.web.zalo import SECRET_HEADER, webhook_path, webhook_route
from scheduler.delivery import Delivery, Limits
from scheduler.oversight import Outreach
from scheduler.service import Sweeper
from storage.models import (
    AuthorCategory,
    Comment,
    CommentAttachment,
    Outbox,
    OutboxStatus,
    Person,
    Report,
    ReportRevision,
    Stance,
)
from tests.chat import at, skip_questions
from tests.fakes.telegram import serve_app
from tests.fakes.zalo import TOKEN, hex_id, link_event, text_event
from tests.flow.test_comments import poster
from tests.outreach import FakeSleep
from tests.seed import invite
from tests.zalo_chat import ZaloApp, ZaloChat, texts

UNSUPPORTED = "message.unsupported.received"
OPINION = "Đề nghị làm rõ hơn giải pháp phát triển kinh tế số ở cơ sở."


def chat_in(app: ZaloApp, name: str = "Nguyễn Văn An") -> ZaloChat:
    return ZaloChat(app.dp, app.bot, app.api, hex_id(), name)


async def join(app: ZaloApp, chat: ZaloChat, unit_index: int = 0) -> None:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.cells[unit_index])
    # No deep links on Zalo: the invite code is typed after /start, as the poster says.
    await chat.say(f"/start i-{code}")


async def test_secretary_files_the_weekly_report_by_typing_numbers(zalo_app: ZaloApp) -> None:
    chat = chat_in(zalo_app, "Trần Thị Bình")
    await join(zalo_app, chat)
    assert "bí thư" in chat.last_text().lower()
    assert "<b>" not in chat.last_text() and "&amp;" not in chat.last_text()

    asked = texts(await chat.say("/report"))
    assert "chưa gửi báo cáo tuần trước" in asked
    assert "Trả lời bằng số bạn chọn:\n1. Tuần này" in asked, "the prompt in the person's language"
    question = texts(await chat.press("Tuần này"))
    assert "Câu 1/9" in question and ": /cancel" in question
    await chat.say("Chi ủy họp triển khai, phân công đảng viên phụ trách từng tổ.")
    ticked = texts(await chat.press("Hội nghị"))
    assert "1. ✅ Hội nghị, họp" in ticked, "no editing on Zalo: the ticked menu comes again"
    assert "Câu 2/9" not in ticked, "the menu only, not the question again"
    await chat.press("Zalo")
    counts = texts(await chat.press("Xong"))
    assert "Câu 3/9" in counts
    assert "1. " not in counts, "a count question has no numbered menu"
    await chat.say("3")  # news_count: a number, not the third button
    await chat.say("3")
    await chat.say("1.200")
    await chat.say("45")
    await chat.say("Nhiều ý kiến về phòng, chống tham nhũng, lãng phí.")
    await chat.say("Mong dự thảo nói rõ hơn về chuyển đổi số.")
    review = texts(await chat.say("/skip"))
    assert "Mời kiểm tra lại" in review
    receipt = texts(await chat.press("Gửi báo cáo"))

    assert "BC-" in receipt and "đúng hạn" in receipt
    async with zalo_app.runtime.db.sessions() as session:
        report = (await session.execute(select(Report))).scalar_one()
        revision = (await session.execute(select(ReportRevision))).scalar_one()
        person = (await session.execute(select(Person))).scalar_one()
    assert report.on_time and report.receipt in receipt
    assert revision.values["news_count"] == 3 and revision.values["meetings_count"] == 3
    assert revision.values["participants_count"] == 1200
    assert revision.values["propaganda"] == ["meetings", "social"]
    assert person.channel == "zalo" and person.external_id == str(await chat.local_id())
    assert all(len(c.text) <= 2000 for c in zalo_app.api.calls)


async def test_a_number_outside_the_menu_is_text_and_the_back_button_is_a_command(
    zalo_app: ZaloApp,
) -> None:
    chat = chat_in(
        zalo_app,
    )
    await join(zalo_app, chat)
    await chat.say("/report")
    await chat.press("Tuần này")
    await chat.say("Lãnh đạo tốt")
    assert chat.choice("Quay lại") == "/back"
    hint = texts(await chat.say("12"))  # the propaganda menu has fewer options
    assert "Câu 2/9" in hint or "nút" in hint
    back = texts(await chat.press("Quay lại"))
    assert "Câu 1/9" in back


async def test_citizen_comments_from_a_typed_poster_code(zalo_app: ZaloApp) -> None:
    code = await poster(zalo_app)
    chat = chat_in(zalo_app, "Lê Thị Cúc")

    greeting = texts(await chat.say(f"GY-{code}"))
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in greeting
    assert "https://example.org/du-thao/bao-cao-chinh-tri.pdf" in greeting, "a URL button"
    noted = texts(await chat.say(OPINION))
    assert f"{len(OPINION)} ký tự" in noted
    assert "1. Tán thành" in noted and "3. Đồng ý một phần" in noted, "a numbered menu"
    asked = texts(await chat.say("1"))
    assert "đối tượng nào" in asked and "5. Nhân dân" in asked
    await chat.say(" 2. ")  # Đảng viên
    summary = texts(await chat.press("Gửi ẩn danh"))
    assert OPINION in summary and "ẩn danh" in summary
    assert "Tán thành" in summary and "Đảng viên" in summary
    receipt = texts(await chat.press("Gửi ý kiến"))

    assert "Cảm ơn bạn" in receipt
    async with zalo_app.runtime.db.sessions() as session:
        (comment,) = (await session.execute(select(Comment))).scalars().all()
    assert comment.receipt in receipt and comment.channel == "zalo" and comment.anonymous
    assert comment.stance is Stance.AGREE and comment.category is AuthorCategory.PARTY_MEMBER


async def test_a_short_url_zalo_sends_as_a_link_message_opens_the_draft(
    zalo_app: ZaloApp,
) -> None:
    code = await poster(zalo_app)
    chat = chat_in(zalo_app, "Lê Thị Cúc")

    opened = texts(await chat.feed(link_event(chat.user, f"gopy.example.vn/q/GY-{code}")))
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in opened
    assert "Mời bạn gửi ý kiến" in opened
    assert f"{len(OPINION)} ký tự" in texts(await chat.say(OPINION))


async def test_a_short_url_under_a_portals_path_opens_the_draft(zalo_app: ZaloApp) -> None:
    """Regression: gopy behind a city's portal (GOPY_PUBLIC_URL=https://so.hanoi.gov.vn/gop-y)
    prints so.hanoi.gov.vn/gop-y/q/GY-…; typed or sent as a link, it was no code."""
    code = await poster(zalo_app)
    chat = chat_in(zalo_app, "Lê Thị Cúc")

    typed = texts(await chat.say(f"so.hanoi.gov.vn/gop-y/q/GY-{code}"))
    assert "Mời bạn gửi ý kiến" in typed
    await chat.say("/cancel")
    link = link_event(chat.user, f"https://so.hanoi.gov.vn/gop-y/q/GY-{code}")
    assert "Mời bạn gửi ý kiến" in texts(await chat.feed(link))


async def test_a_photo_of_a_handwritten_letter_is_kept_by_its_url(zalo_app: ZaloApp) -> None:
    code = await poster(zalo_app, section=None)
    chat = chat_in(zalo_app)
    await chat.say(f"/start gy-{code}")
    cdn = str(zalo_app.bot.session.api.base).split("/bot", 1)[0] + "/cdn/letter1.jpg"
    assert "1 ảnh" in texts(await chat.send_photo(cdn, caption="Thư góp ý của tổ dân phố"))
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")

    async with zalo_app.runtime.db.sessions() as session:
        (comment,) = (await session.execute(select(Comment))).scalars().all()
        (photo,) = (await session.execute(select(CommentAttachment))).scalars().all()
    assert comment.text == "Thư góp ý của tổ dân phố"
    assert photo.kind == "photo" and photo.file_id == cdn
    file = await zalo_app.bot.get_file(photo.file_id)
    assert file.file_path is not None
    copy = await zalo_app.bot.download_file(file.file_path)
    assert copy is not None and copy.read() == b"image:letter1.jpg", "media copies work"


async def test_photos_stickers_and_unsupported_messages_get_answers(zalo_app: ZaloApp) -> None:
    chat = chat_in(
        zalo_app,
    )
    answered = texts(await chat.send_sticker())
    assert answered, "a sticker gets the polite fallback"
    unsupported = {
        "ok": True,
        "result": {
            "event_name": "message.unsupported.received",
            "message": {
                "from": {"id": chat.user, "display_name": "Ted", "is_bot": False},
                "chat": {"id": chat.user, "chat_type": "PRIVATE"},
                "message_id": hex_id(),
                "date": 1750316131602,
            },
        },
    }
    assert texts(await chat.feed(unsupported))
    assert await chat.feed({"ok": True, "result": {"event_name": UNSUPPORTED}}) == []


async def test_a_replayed_message_is_handled_once(zalo_app: ZaloApp) -> None:
    chat = chat_in(
        zalo_app,
    )
    event = text_event(chat.user, "/help", message_id="2d758cb5e222177a4e35")
    first = await chat.feed(event)
    assert first
    assert await chat.feed(event) == []
    # A new process (an empty in-memory memo) still drops it: the dedupe key is in the database.
    again = build_zalo_bot(
        Settings(
            # The same process's settings: its database and server secret, not a key file in
            # the working directory.
            database_url=zalo_app.runtime.settings.database_url,
            secret_key=zalo_app.runtime.settings.secret_key,
            zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=str(zalo_app.bot.session.api.base)),
        ),
        db=zalo_app.runtime.db,
        clock=zalo_app.clock,
        commands=command_buttons(),
    )
    try:
        update = await again.session.to_update(event)  # type: ignore[attr-defined]
        assert update is not None
        before = len(zalo_app.api.calls)
        await zalo_app.dp.feed_update(again, update)
        assert len(zalo_app.api.calls) == before
    finally:
        await again.session.close()


async def test_a_reminder_reaches_a_zalo_secretary_through_the_outbox(zalo_app: ZaloApp) -> None:
    binh, cuong = chat_in(zalo_app, "Trần Thị Bình"), chat_in(zalo_app, "Lê Văn Cường")
    await join(zalo_app, binh, 0)
    await join(zalo_app, cuong, 1)
    zalo_app.api.failures[cuong.user] = [(429, "Quota exceeded")]
    outreach: Outreach = zalo_app.dp["outreach"]
    sleep = FakeSleep(zalo_app.clock)
    delivery = Delivery(
        db=zalo_app.runtime.db,
        bots={"zalo": zalo_app.bot},
        clock=zalo_app.clock,
        limits=Limits(),
        sleep=sleep,
    )
    sweeper = Sweeper(
        db=zalo_app.runtime.db,
        clock=zalo_app.clock,
        render=outreach.render,
        defaults=outreach.defaults,
    )
    zalo_app.clock.set(at("2025-11-11 17:00"))  # 24 hours before Wednesday 17:00
    start = len(zalo_app.api.calls)
    await sweeper.run_due()
    await delivery.drain()
    assert delivery.tally.throttled == 1, "Zalo's 429 is aiogram's TelegramRetryAfter"
    zalo_app.clock.advance(timedelta(seconds=31))  # Zalo gives no hint: the default wait
    await delivery.drain()

    sent = [c for c in zalo_app.api.calls[start:] if c.method == "sendMessage"]
    assert sorted(c.chat for c in sent) == sorted([binh.user, cuong.user])
    reminder = next(c.text for c in sent if c.chat == cuong.user)
    assert "Chi bộ Tổ dân phố số 2" in reminder and "17:00 thứ Tư, 12/11" in reminder
    assert "1. 📝 Báo cáo ngay" in reminder
    opened = texts(await cuong.press("Báo cáo ngay"))
    assert "Tuần này" in opened or "Câu 1" in opened
    async with zalo_app.runtime.db.sessions() as session:
        rows = (await session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars().all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}


async def test_a_blocked_zalo_user_is_marked_unreachable(zalo_app: ZaloApp) -> None:
    binh = chat_in(zalo_app, "Trần Thị Bình")
    await join(zalo_app, binh, 0)
    zalo_app.api.failures[binh.user] = [(403, "Forbidden")] * 3
    outreach: Outreach = zalo_app.dp["outreach"]
    delivery = Delivery(
        db=zalo_app.runtime.db,
        bots={"zalo": zalo_app.bot},
        clock=zalo_app.clock,
        limits=Limits(),
        sleep=FakeSleep(zalo_app.clock),
    )
    sweeper = Sweeper(
        db=zalo_app.runtime.db,
        clock=zalo_app.clock,
        render=outreach.render,
        defaults=outreach.defaults,
    )
    zalo_app.clock.set(at("2025-11-11 17:00"))
    await sweeper.run_due()
    await delivery.drain()
    assert delivery.tally.unreachable == 1
    async with zalo_app.runtime.db.sessions() as session:
        person = (await session.execute(select(Person))).scalar_one()
    assert person.unreachable_since is not None


SECRET = "zalo-webhook-secret_0123"


@pytest.fixture
async def zalo_webhook(zalo_app: ZaloApp) -> AsyncIterator[str]:
    runner, url = await serve_app(
        build_web_app([webhook_route(zalo_app.dp, zalo_app.bot, SECRET)])
    )
    yield url + webhook_path(SECRET)
    await runner.cleanup()


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def test_webhook_with_the_right_secret_is_handled_once(
    zalo_app: ZaloApp, zalo_webhook: str
) -> None:
    user = hex_id()
    body = json.dumps(text_event(user, "/help", message_id="2d758cb5e222177a4e35")).encode()
    assert await post(zalo_webhook, body, {SECRET_HEADER: SECRET}) == 200
    assert await post(zalo_webhook, body, {SECRET_HEADER: SECRET}) == 200  # a replay
    bare = json.dumps(text_event(user, "/help", wrapped=False)).encode()
    assert await post(zalo_webhook, bare, {SECRET_HEADER: SECRET}) == 200
    sent = zalo_app.api.to(user)
    assert len(sent) == 2 and all("/comment" in c.text for c in sent)


async def test_webhook_without_the_secret_is_401(zalo_app: ZaloApp, zalo_webhook: str) -> None:
    body = json.dumps(text_event(hex_id(), "/help")).encode()
    assert await post(zalo_webhook, body) == 401
    assert await post(zalo_webhook, body, {SECRET_HEADER: "wrong"}) == 401
    assert await post(zalo_webhook, body, {SECRET_HEADER: SECRET + "x"}) == 401
    assert await post(zalo_webhook, body, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 401
    assert zalo_app.api.calls == []


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"ok": true, "result": {}}', b"\xff\xfe", b'{"event_name": 5}'],
)
async def test_webhook_garbage_is_400(zalo_app: ZaloApp, zalo_webhook: str, body: bytes) -> None:
    assert await post(zalo_webhook, body, {SECRET_HEADER: SECRET}) == 400
    assert zalo_app.api.calls == []


async def test_webhook_too_large_is_413(zalo_webhook: str) -> None:
    assert await post(zalo_webhook, b"x" * (2 << 20), {SECRET_HEADER: SECRET}) == 413


def test_a_short_webhook_secret_is_refused(zalo_app: ZaloApp) -> None:
    with pytest.raises(ValueError, match="8 to 256"):
        webhook_route(zalo_app.dp, zalo_app.bot, "short")
