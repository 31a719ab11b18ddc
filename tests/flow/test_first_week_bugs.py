"""Bugs a ward hit in its first week (issue 12), each as the conversation that showed it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select

from handlers.callbacks import FileMissed
from handlers.commands import COMMANDS
from storage.models import CommentReply, CommentStatus, Period, Person, Report, RoleKind
from tests.chat import Chat, at, texts
from tests.conftest import BotApp
from tests.flow.test_comments import comments, poster, write_anonymously, write_named
from tests.flow.test_report_flow import FIRST_ANSWER, fill_form, join, start_report
from tests.outreach import harness, join_as
from tests.zalo_chat import ZaloApp


async def _filed_weeks(app: BotApp | ZaloApp) -> list[tuple[str, bool]]:
    async with app.runtime.db.sessions() as session:
        rows = await session.execute(
            select(Period.deadline_at, Report.on_time)
            .join(Report, col(Report.period_id) == col(Period.id))
            .order_by(col(Period.deadline_at))
        )
        zone = app.seed.campaign.timezone
        return [(f"{d.astimezone(ZoneInfo(zone)):%d/%m}", on_time) for d, on_time in rows.all()]


async def test_missed_week_can_be_filed_late_from_report_after_this_week_is_filed(
    any_app: BotApp | ZaloApp,
) -> None:
    """Bug 1: once this week was filed, /report went straight to amending it."""
    app = any_app
    chat = app.chat(801)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    asked = texts(await chat.say("/report"))
    assert "chưa gửi báo cáo tuần trước" in asked
    opened = texts(await chat.press("Tuần trước"))
    assert "trễ hạn" in opened and "Câu 1/9" in opened
    await fill_form(chat)
    receipt = texts(await chat.press("Gửi báo cáo"))
    assert "trễ hạn" in receipt
    assert await _filed_weeks(app) == [("05/11", False), ("12/11", True)]


async def test_this_week_can_still_be_changed_when_last_week_is_missing(app: BotApp) -> None:
    chat = app.chat(802)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    await chat.say("/report")
    opened = texts(await chat.press("Tuần này"))
    assert "có thể sửa đến 17:00 thứ Tư, 12/11" in opened


async def test_missed_week_can_be_filed_late_from_myreports(app: BotApp) -> None:
    """Bug 1: /myreports showed «chưa báo cáo» with no button to file it."""
    chat = app.chat(803)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")

    await chat.say("/myreports")
    opened = texts(await chat.press("Gửi bù"))
    assert "trễ hạn" in opened and "Câu 1/9" in opened
    await fill_form(chat)
    assert "trễ hạn" in texts(await chat.press("Gửi báo cáo"))
    assert await _filed_weeks(app) == [("05/11", False), ("12/11", True)]


async def test_forged_late_filing_button_is_refused(app: BotApp) -> None:
    chat = app.chat(804)
    await join(app, chat)
    other = app.seed.cells[1]
    assert other.id is not None
    async with app.runtime.db.sessions() as session:
        period = (await session.execute(select(Period))).scalars().first()
    period_id = period.id if period is not None and period.id is not None else 1
    said = texts(await chat.press_data(FileMissed(unit_id=other.id, period_id=period_id).pack()))
    assert "không còn" in said
    assert await _filed_weeks(app) == []


async def test_one_week_label_in_chat(app: BotApp) -> None:
    """Bug 3: the chat said «05/11–12/11» where the letter says «từ 06/11 đến 12/11/2025»."""
    chat = app.chat(805)
    await join(app, chat)
    await start_report(chat)
    await fill_form(chat)
    await chat.press("Gửi báo cáo")
    listing = texts(await chat.say("/myreports"))
    assert "Tuần từ 06/11 đến 12/11/2025: đúng hạn" in listing
    assert "–" not in listing


async def test_mistyped_poster_code_gets_a_hint(any_app: BotApp | ZaloApp) -> None:
    """Bug 6: «GY-N9E9O» (an O for a 0, a code from a smudged poster) got «tôi chưa hiểu»."""
    chat = any_app.chat(806)
    for typed in ("GY-N9E9O", "gy n9e9", "GY-7K3QMX"):
        said = texts(await chat.say(typed))
        assert "Không tìm thấy mã" in said and "GY-" in said, typed
        assert "chưa hiểu" not in said, typed
    assert "chưa hiểu" in texts(await chat.say("gyros")), "an ordinary word is not a code"


async def test_withdraw_confirmation_has_no(app: BotApp) -> None:
    """Bug 6: the withdraw confirmation had only «Đồng ý rút»."""
    chat = app.chat(807)
    await write_anonymously(chat, await poster(app))
    (comment,) = await comments(app)
    await chat.say("/mycomments")
    await chat.press(f"Rút {comment.receipt}")
    kept = texts(await chat.press("Không"))
    assert "giữ nguyên" in kept and comment.receipt in kept
    (comment,) = await comments(app)
    assert comment.status is CommentStatus.RECEIVED


async def test_mycomments_says_answered_only_once_the_answer_is_delivered(app: BotApp) -> None:
    """Bug 6: a reply held for the morning (quiet hours) already showed as «đã trả lời».
    (A named comment: an anonymous author is not messaged, they read the answer in place.)"""
    await join_as(app, 808, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    citizen = app.chat(809)
    await write_named(citizen, await poster(app))
    (comment,) = await comments(app)
    app.clock.set(at("2025-11-10 22:30"))
    await app.chat(808).say(f"/reply {comment.receipt} Cảm ơn bạn.")
    h = harness(app)
    await h.delivery.drain()
    waiting = texts(await citizen.say("/mycomments"))
    assert "đã được trả lời" not in waiting and "đã tiếp nhận" in waiting

    app.clock.set(at("2025-11-11 07:30"))
    await h.delivery.drain()
    assert "Trả lời ý kiến" in texts(citizen.sent()[-1:])
    assert "đã được trả lời" in texts(await citizen.say("/mycomments"))


async def test_editing_a_summary_line_shows_its_current_value(any_app: BotApp | ZaloApp) -> None:
    """Bug 8: «3. Số tin» from the summary asked the question as if it had no answer."""
    chat = any_app.chat(810)
    await join(any_app, chat)
    await start_report(chat)
    await fill_form(chat)
    asked = texts(await chat.press("3. Số tin"))
    assert "Câu 3/9" in asked and "Hiện tại: 12" in asked
    asked = texts(await chat.say("15"))
    asked = texts(await chat.press("1. "))
    assert f"Hiện tại: {FIRST_ANSWER}" in asked


async def test_status_names_why_a_unit_that_has_not_filed_gets_no_reminder(app: BotApp) -> None:
    """Issue 12: /status said «chưa có bí thư dùng gopy»; the same rule as the dry run."""
    await join_as(app, 811, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    await join_as(app, 812, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    async with app.runtime.db.sessions() as session:
        await session.execute(
            update(Person)
            .where(col(Person.external_id) == "812")
            .values(unreachable_since=app.clock.now())
        )
        await session.commit()
    status = texts(await app.chat(811).say("/status"))
    assert "Chi bộ Tổ dân phố số 2 (chưa có bí thư tham gia)" in status
    assert "Chi bộ Tổ dân phố số 1 (đ/c Trần Thị Bình — đã chặn bot" in status
    assert "gopy" not in status


def _keyboard(chat: Chat) -> list[str]:
    """The reply keyboard the bot showed last in this chat."""
    for call in reversed(chat.sent()):
        markup = call.params.get("reply_markup") or {}
        if isinstance(markup, dict) and "keyboard" in markup:
            return [b["text"] for row in markup["keyboard"] for b in row]
    raise AssertionError("no reply keyboard was shown")


async def test_officials_get_their_own_keyboard(app: BotApp) -> None:
    """Bug 5: an official saw the citizen's keyboard («Góp ý dự thảo», «Ý kiến đã gửi»)."""
    await join_as(app, 813, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    official = app.chat(813)
    await official.say("/help")
    keys = _keyboard(official)
    for key in ("Tình hình", "Ý kiến", "Báo cáo tổng hợp", "Mã QR"):
        assert any(key in k for k in keys), (key, keys)
    assert not any("Góp ý dự thảo" in k for k in keys), keys
    assert "tình hình đến lúc này" in texts(await official.say("📊 Tình hình"))
    assert "tuần nào" in texts(await official.say("📥 Báo cáo tổng hợp"))
    qr = texts(await official.say("🔳 Mã QR"))
    assert "Tạo mã QR cho dự thảo nào" in qr, "worded for an official, not a commenter"

    citizen = app.chat(814)
    await citizen.say("/help")
    keys = _keyboard(citizen)
    assert not any("Báo cáo tuần" in k or "Tình hình" in k for k in keys), keys


def test_citizens_are_not_offered_report_commands() -> None:
    """Bug 5: the command menu everybody sees offered /report and /myreports."""
    assert {name for name, _text in COMMANDS} >= {"comment", "mycomments", "help"}
    assert not {name for name, _text in COMMANDS} & {"report", "myreports"}


async def test_official_replies_and_moderates_from_buttons(app: BotApp) -> None:
    """Bug 5: answering or hiding a comment needed its code typed after /reply or /hide."""
    await join_as(app, 815, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    citizen = app.chat(816)
    await write_named(citizen, await poster(app), "Ý kiến thứ nhất")
    await write_anonymously(citizen, await poster(app, section=1), "Ý kiến thứ hai")
    first, second = await comments(app)
    official = app.chat(815)
    await official.say("💬 Ý kiến")
    asked = texts(await official.press(f"Trả lời {first.receipt}"))
    assert first.receipt in asked and "viết câu trả lời" in asked
    sent = texts(await official.say("Cảm ơn bạn, ý kiến đã được ghi nhận."))
    assert "đang được gửi" in sent
    async with app.runtime.db.sessions() as session:
        (reply,) = (await session.execute(select(CommentReply))).scalars().all()
    assert reply.comment_id == first.id and reply.text.startswith("Cảm ơn bạn")

    await official.say("/comments")
    call, button = official.button(f"Trả lời {second.receipt}")
    row = next(r for r in call.params["reply_markup"]["inline_keyboard"] if button in r)
    hide = next(b for b in row if "Ẩn" in b["text"])
    assert "Đã ẩn ý kiến" in texts(await official.press_data(hide["callback_data"]))
    assert [c.status for c in await comments(app)] == [
        CommentStatus.RECEIVED,
        CommentStatus.HIDDEN,
    ]

    forged = texts(await citizen.press_data(hide["callback_data"]))
    assert "dành cho cán bộ" in forged


async def test_a_role_holders_chat_menu_offers_their_commands(app: BotApp) -> None:
    """Bug 5: the one menu for everybody; a secretary's and an official's chats get theirs."""
    await join_as(app, 817, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await join_as(app, 818, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    menus = {
        str(c.params.get("scope")): str(c.params.get("commands"))
        for c in app.api.calls
        if c.method == "setMyCommands" and c.params.get("scope")
    }
    (secretary,) = [m for s, m in menus.items() if "817" in s]
    (official,) = [m for s, m in menus.items() if "818" in s]
    assert "'report'" in secretary and "'status'" not in secretary
    assert "'status'" in official and "'export'" in official
    assert "'myreports'" not in official, "an official signs with /report, has no history"
