"""Bad input in the report form: a clear answer, the same question again, nothing lost."""

from __future__ import annotations

import unicodedata

import pytest
from sqlmodel import select

from storage.models import ReportRevision
from tests.chat import Chat, texts
from tests.conftest import BotApp
from tests.flow.test_report_flow import ANSWERS, FIRST_ANSWER, join, start_report


async def at_count_question(app: BotApp, user_id: int) -> Chat:
    """A secretary at question 3 (news_count), questions 1–2 answered."""
    chat = app.chat(user_id)
    await join(app, chat)
    await start_report(chat)
    await chat.say(FIRST_ANSWER)
    await chat.press("Hội nghị")
    await chat.press("Xong")
    assert "Câu 3/9" in chat.last_text()
    return chat


async def at_summary(app: BotApp, user_id: int, unit_index: int = 0) -> Chat:
    """A secretary whose form is filled in, looking at the summary."""
    chat = app.chat(user_id)
    await join(app, chat, unit_index)
    await start_report(chat)
    await chat.say(FIRST_ANSWER)
    await chat.press("Hội nghị")
    await chat.press("Xong")
    for _ in range(6):
        await chat.say("1")
    await chat.press("Bỏ qua")
    assert "Mời kiểm tra lại" in chat.last_text()
    return chat


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("-3", "không thể âm"),
        ("abc", "Chưa đọc được số"),
        ("1.5", "Chưa đọc được số"),
        ("2000000", "lớn bất thường"),
        ("   ", "đang trống"),
    ],
)
async def test_bad_counts_are_refused_with_a_hint(app: BotApp, typed: str, hint: str) -> None:
    chat = await at_count_question(app, 601)
    replies = texts(await chat.say(typed))
    assert hint in replies
    assert "Câu 3/9" in replies, "the same question is asked again"
    ok = texts(await chat.say("12"))
    assert "Câu 4/9" in ok, "the conversation goes on where it was"


@pytest.mark.parametrize("typed", ["12", " 12 ", "1.200", "1,200", "1 200", "mười hai"])
async def test_counts_as_people_type_them(app: BotApp, typed: str) -> None:
    chat = await at_count_question(app, 602)
    assert "Câu 4/9" in texts(await chat.say(typed))


async def test_sticker_and_photo_where_text_is_expected(app: BotApp) -> None:
    chat = await at_count_question(app, 603)
    for send in (chat.send_sticker, chat.send_photo):
        replies = texts(await send())
        assert "ảnh và nhãn dán chưa dùng được" in replies
        assert "Câu 3/9" in replies


async def test_over_long_text_is_refused_and_earlier_answers_kept(app: BotApp) -> None:
    chat = app.chat(604)
    await join(app, chat)
    await start_report(chat)
    replies = texts(await chat.say("x" * 4001))
    assert "4.001 ký tự" in replies and "4.000" in replies
    assert "Câu 1/9" in replies
    assert "Câu 2/9" in texts(await chat.say("y" * 4000))


async def test_nfd_text_is_stored_nfc(app: BotApp) -> None:
    chat = app.chat(605)
    await join(app, chat)
    await start_report(chat)
    decomposed = unicodedata.normalize("NFD", "Chi ủy lãnh đạo sâu sát")
    await chat.say(decomposed)
    for answer in ANSWERS[1:]:
        if answer is None:
            await chat.press("Loa")
            await chat.press("Xong")
        else:
            await chat.say(answer)
    await chat.press("Bỏ qua")
    await chat.press("Gửi báo cáo")
    async with app.runtime.db.sessions() as session:
        revision = (await session.execute(select(ReportRevision))).scalar_one()
    assert revision.values["leadership"] == unicodedata.normalize("NFC", decomposed)


async def test_start_with_another_payload_mid_form_keeps_the_form(app: BotApp) -> None:
    chat = await at_count_question(app, 606)
    replies = texts(await chat.say("/start i-ABCDEFGHJK"))
    assert "đang điền báo cáo dở" in replies
    assert "Câu 3/9" in replies
    assert "Câu 4/9" in texts(await chat.say("7"))


async def test_report_again_mid_form_resumes(app: BotApp) -> None:
    chat = await at_count_question(app, 607)
    replies = texts(await chat.say("/report"))
    assert "Câu 3/9" in replies


async def test_required_question_cannot_be_skipped(app: BotApp) -> None:
    chat = await at_count_question(app, 608)
    assert "không thể bỏ qua" in texts(await chat.say("/skip"))


async def test_choices_need_at_least_one(app: BotApp) -> None:
    chat = app.chat(609)
    await join(app, chat)
    await start_report(chat)
    await chat.say(FIRST_ANSWER)
    alert = await chat.press("Xong")
    assert any(
        c.method == "answerCallbackQuery" and "ít nhất một" in c.params.get("text", "")
        for c in alert
    )


async def test_report_from_a_person_without_the_role(app: BotApp) -> None:
    stranger = app.chat(610)
    assert "Chỉ bí thư chi bộ mới gửi báo cáo tuần" in texts(await stranger.say("/report"))
    assert "Chỉ bí thư chi bộ mới gửi báo cáo tuần" in texts(await stranger.say("/myreports"))


async def test_forged_buttons_are_refused(app: BotApp) -> None:
    chat = app.chat(611)
    await join(app, chat)
    other = await at_summary(app, 612, unit_index=1)
    await other.press("Gửi báo cáo")
    async with app.runtime.db.sessions() as session:
        from storage.models import Report

        report = (await session.execute(select(Report))).scalar_one()
    # Secretary of cell 1 tries to amend cell 2's report with a hand-made callback.
    replies = await chat.press_data(f"am:{report.id}")
    assert "không còn hiệu lực" in texts(replies)
    stale = await chat.press_data("fn:submit")
    assert any("đã đóng" in c.params.get("text", "") for c in stale)
    garbage = await chat.press_data("zz:1:2:3")
    assert any("không còn dùng được" in c.params.get("text", "") for c in garbage)


@pytest.mark.parametrize("intruder", ["❓ Hướng dẫn", "📋 Báo cáo đã gửi", "/myreports", "/lang"])
async def test_menu_keys_and_commands_mid_form_are_not_answers(app: BotApp, intruder: str) -> None:
    chat = app.chat(620)
    await join(app, chat)
    await start_report(chat)
    replies = texts(await chat.say(intruder))
    assert "đang điền báo cáo dở" in replies and "Câu 1/9" in replies
    assert "Câu 2/9" in texts(await chat.say(FIRST_ANSWER))


async def test_old_amend_button_mid_form_keeps_the_draft(app: BotApp) -> None:
    chat = app.chat(621)
    await join(app, chat)
    await start_report(chat)
    await chat.say(FIRST_ANSWER)
    replies = texts(await chat.press_data("am:1"))
    assert "đang điền báo cáo dở" in replies and "Câu 2/9" in replies


async def test_back_from_a_single_edit_returns_to_the_summary(app: BotApp) -> None:
    chat = await at_summary(app, 622)
    await chat.press("3. Số tin")
    assert "Mời kiểm tra lại" in texts(await chat.say("/back"))


@pytest.mark.parametrize("data", ["am:99999999999999999999999", "tg:0:1", "ef:-1", "pd:abc"])
async def test_forged_out_of_range_ids(app: BotApp, data: str) -> None:
    chat = app.chat(623)
    await join(app, chat)
    replies = await chat.press_data(data)
    assert any("không còn dùng được" in c.params.get("text", "") for c in replies)


async def test_receipt_send_failure_loses_nothing_and_files_once(app: BotApp) -> None:
    chat = await at_summary(app, 624)
    app.api.refuse.add("editMessageReplyMarkup")
    app.api.refuse.add("sendMessage")  # the receipt cannot be delivered
    await chat.press("Gửi báo cáo")
    app.api.refuse.clear()
    again = await chat.press("Gửi báo cáo")  # the person presses once more
    assert "BC-" in texts(again), "the receipt of what was stored"
    async with app.runtime.db.sessions() as session:
        revisions = (await session.execute(select(ReportRevision))).scalars().all()
    assert len(revisions) == 1


async def test_a_failed_cosmetic_edit_does_not_hold_back_the_receipt(app: BotApp) -> None:
    chat = await at_summary(app, 625)
    app.api.refuse.add("editMessageReplyMarkup")
    assert "BC-" in texts(await chat.press("Gửi báo cáo"))
