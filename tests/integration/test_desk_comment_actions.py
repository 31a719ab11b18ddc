"""One comment on the desk: read in full with its photos, answered through the outbox as
/reply answers in chat, hidden, marked as spam and restored as the chat's buttons do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from pydantic import SecretStr
from sqlmodel import col, select

from bot.channels.telegram import build_telegram_bot
from bot.config import TelegramSettings
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from scheduler.delivery import Delivery, Limits
from storage.models import (
    AuthorCategory,
    CommentMedium,
    CommentReply,
    CommentStatus,
    Outbox,
    Purpose,
    Stance,
    Unit,
)
from storage.replies import reply_key
from tests.chat import Chat
from tests.desk_comments import Writer, jpeg
from tests.desk_world import DeskWorld, Who, csrf_of, post_form, serve_desk
from tests.fakes.telegram import FakeTelegram
from tests.outreach import FakeSleep

ANSWER = "Cảm ơn bạn, ý kiến đã được tổng hợp gửi Đảng ủy phường."


@pytest.fixture
async def world(
    database_url: str, clock: FrozenClock, telegram_api: tuple[FakeTelegram, str]
) -> AsyncIterator[DeskWorld]:
    _fake, url = telegram_api
    telegram = TelegramSettings(token=SecretStr("42:TEST"), api_url=url)
    async with serve_desk(database_url, clock, telegram=telegram) as served:
        yield served


@pytest.fixture
async def bot(world: DeskWorld) -> AsyncIterator[Bot]:
    bot = build_telegram_bot(world.runtime.settings)
    yield bot
    await bot.session.close()


@pytest.fixture
def writer(world: DeskWorld) -> Writer:
    return Writer(world)


async def outbox(world: DeskWorld) -> list[Outbox]:
    async with world.runtime.db.sessions() as session:
        rows = await session.execute(select(Outbox).order_by(col(Outbox.id)))
        return list(rows.scalars().all())


async def replies(world: DeskWorld) -> list[CommentReply]:
    async with world.runtime.db.sessions() as session:
        rows = await session.execute(select(CommentReply).order_by(col(CommentReply.id)))
        return list(rows.scalars().all())


async def test_the_comment_in_full(world: DeskWorld, writer: Writer) -> None:
    comment = await writer.add(
        "Đề nghị làm rõ lộ trình.\nỞ tổ 5 chưa có loa phát thanh.",
        unit=world.seed.cells[1],
        section=world.seed.sections[0],
        stance=Stance.PARTLY,
        category=AuthorCategory.PARTY_MEMBER,
        author=world.people["citizen"],
        chat_photos=1,
        web_photos=2,
    )
    browser = await world.browser("ward_official")
    page = await browser.get(paths.comment_path(comment.receipt))
    html = await page.text()
    assert page.status == 200
    for shown in (
        "Đề nghị làm rõ lộ trình.\nỞ tổ 5 chưa có loa phát thanh.",
        "Trần Thị Dân",
        "0912 345 678",
        "Chi bộ Tổ dân phố số 2",
        "Dự thảo Báo cáo chính trị — I. Kết quả thực hiện Nghị quyết Đại hội XIII",
        "Đồng ý một phần",
        "Đảng viên",
        "1 ảnh gửi qua tin nhắn",
        "Bot sẽ gửi câu trả lời đến người góp ý, ký tên Đảng ủy phường Ngọc Hà.",
    ):
        assert shown in html, shown
    # The web photos are the 2nd and 3rd sent; the 1st is the messenger's to show.
    assert "img-src 'self'" in page.headers["Content-Security-Policy"]
    for number in (2, 3):
        assert f'src="{paths.comment_photo_path(comment.receipt, number)}"' in html
        photo = await browser.get(paths.comment_photo_path(comment.receipt, number))
        assert photo.status == 200
        assert photo.content_type == "image/jpeg"
        assert photo.headers["Cache-Control"].startswith("private")
        assert await photo.read() == jpeg()
    for missing in ("1", "4", "0", "abc", "99999999999"):
        assert (
            await browser.get(f"{paths.comment_path(comment.receipt)}/photos/{missing}")
        ).status == 404
    # Another spelling of the receipt is the same comment.
    assert (await browser.get(paths.comment_path(comment.receipt.lower()))).status == 200
    assert (await browser.get(paths.comment_path("YK-222222"))).status == 404
    assert (await browser.get(paths.comment_path("not a receipt"))).status == 404


async def test_an_answer_goes_out_as_the_one_typed_in_chat(
    world: DeskWorld, writer: Writer, bot: Bot, telegram_api: tuple[FakeTelegram, str]
) -> None:
    citizen = world.people["citizen"]
    text = "Đề nghị lắp thêm đèn chiếu sáng ở ngõ 12"
    from_desk = await writer.add(text, author=citizen, unit=world.seed.cells[0])
    from_chat = await writer.add(text, author=citizen, unit=world.seed.cells[0])
    rung: list[int] = []
    world.dp["outreach"].wake = lambda: rung.append(len(rung))
    browser = await world.browser("ward_official")

    sent = await post_form(
        browser,
        paths.comment_action_path(paths.COMMENT_REPLY_ROUTE, from_desk.receipt),
        {"text": ANSWER},
        page=paths.comment_path(from_desk.receipt),
    )
    assert sent.status == 303
    assert sent.headers["Location"] == paths.comment_path(from_desk.receipt) + "?done=letter"
    assert rung == [0], "the delivery loop is rung once the answer is committed"
    fake, _url = telegram_api
    official = world.people["ward_official"]
    chat = Chat(world.dp, bot, fake, world.clock, int(official.external_id), official.full_name)
    said = await chat.say(f"/reply {from_chat.receipt} {ANSWER}")
    assert "đang được gửi" in said[-1].text

    desk_letter, chat_letter = await outbox(world)
    desk_reply, chat_reply = await replies(world)
    assert desk_letter.key == reply_key(desk_reply.id or 0)
    assert chat_letter.key == reply_key(chat_reply.id or 0)
    for name in ("purpose", "person_id", "channel", "chat_id", "not_before", "quiet_hours"):
        assert getattr(desk_letter, name) == getattr(chat_letter, name), name
    assert desk_letter.purpose is Purpose.REPLY and desk_letter.chat_id == citizen.external_id
    assert desk_letter.text == chat_letter.text.replace(from_chat.receipt, from_desk.receipt)
    assert (desk_reply.unit_id, desk_reply.person_id) == (chat_reply.unit_id, chat_reply.person_id)
    assert "— Đảng ủy phường Ngọc Hà" in desk_letter.text and ANSWER in desk_letter.text

    # The letter reaches the citizen's chat, as every outbox letter does.
    delivery = Delivery(
        db=world.runtime.db,
        bots={"telegram": bot},
        clock=world.clock,
        limits=Limits(),
        sleep=FakeSleep(world.clock),
    )
    await delivery.drain()
    delivered = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == 9100]
    assert len(delivered) == 2 and ANSWER in delivered[0].text
    page = await (await browser.get(paths.comment_path(from_desk.receipt))).text()
    assert "đã gửi đến người góp ý" in page and ANSWER in page


async def test_answers_wait_where_web_and_anonymous_authors_look(
    world: DeskWorld, writer: Writer
) -> None:
    web = await writer.add("Gửi từ trang web", medium=CommentMedium.WEB, name="Ngô Văn Web")
    anonymous = await writer.add("Gửi ẩn danh qua Zalo")
    browser = await world.browser("ward_official")
    for comment, done, said in (
        (web, "receipt_page", "trang mã tiếp nhận"),
        (anonymous, "my_comments", "/mycomments"),
    ):
        path = paths.comment_path(comment.receipt)
        sent = await post_form(
            browser,
            paths.comment_action_path(paths.COMMENT_REPLY_ROUTE, comment.receipt),
            {"text": ANSWER},
            page=path,
        )
        assert sent.headers["Location"] == f"{path}?done={done}"
        page = await (await browser.get(sent.headers["Location"])).text()
        assert said in page.split('id="done"')[1].split("</p>")[0]
    assert len(await replies(world)) == 2
    assert await outbox(world) == [], "no messenger reaches them: nothing is queued"
    assert (await writer.get(web)).replied_at == world.clock.now()


@pytest.mark.parametrize(
    ("typed", "said"),
    [("", "nhập nội dung"), ("   \u200b\n ", "nhập nội dung"), ("x" * 3001, "tối đa 3000")],
)
async def test_an_empty_or_overlong_answer_is_kept_on_the_page(
    world: DeskWorld, writer: Writer, typed: str, said: str
) -> None:
    comment = await writer.add("Ý kiến", author=world.people["citizen"])
    browser = await world.browser("ward_official")
    path = paths.comment_path(comment.receipt)
    refused = await post_form(
        browser,
        paths.comment_action_path(paths.COMMENT_REPLY_ROUTE, comment.receipt),
        {"text": typed},
        page=path,
    )
    assert refused.status == 400
    html = await refused.text()
    assert said in html
    if typed.strip():
        assert typed in html, "what was typed is still in the box"
    assert await replies(world) == [] and await outbox(world) == []
    assert (await writer.get(comment)).replied_at is None


async def test_hide_spam_and_restore(world: DeskWorld, writer: Writer) -> None:
    comment = await writer.add("Quảng cáo bán nhà")
    browser = await world.browser("ward_official")
    path = paths.comment_path(comment.receipt)
    action = paths.comment_action_path(paths.COMMENT_MODERATE_ROUTE, comment.receipt)
    for move, status, said in (
        ("hide", CommentStatus.HIDDEN, "Đã ẩn ý kiến"),
        ("spam", CommentStatus.SPAM, "spam"),
        ("restore", CommentStatus.RECEIVED, "hiển thị lại"),
    ):
        done = await post_form(browser, action, {"action": move}, page=path)
        assert done.status == 303 and done.headers["Location"] == f"{path}?done={move}"
        stored = await writer.get(comment)
        assert stored.status is status
        assert stored.status_changed_by_id == world.people["ward_official"].id
        assert stored.status_changed_at == world.clock.now()
        page = await (await browser.get(done.headers["Location"])).text()
        assert said in page.split('id="done"')[1]
    refused = await post_form(browser, action, {"action": "delete"}, page=path)
    assert refused.status == 400
    assert (await writer.get(comment)).status is CommentStatus.RECEIVED


async def test_a_withdrawn_comment_is_left_alone(world: DeskWorld, writer: Writer) -> None:
    comment = await writer.add("Tôi rút lại", status=CommentStatus.WITHDRAWN)
    browser = await world.browser("ward_official")
    path = paths.comment_path(comment.receipt)
    page = await (await browser.get(path)).text()
    assert "đã rút ý kiến này" in page and 'name="text"' not in page
    for route, fields in (
        (paths.COMMENT_REPLY_ROUTE, {"text": ANSWER}),
        (paths.COMMENT_MODERATE_ROUTE, {"action": "hide"}),
    ):
        refused = await post_form(
            browser, paths.comment_action_path(route, comment.receipt), fields, page=path
        )
        assert refused.status == 400
    assert (await writer.get(comment)).status is CommentStatus.WITHDRAWN
    assert await replies(world) == []


async def test_no_answer_without_the_pages_token(world: DeskWorld, writer: Writer) -> None:
    comment = await writer.add("Ý kiến", author=world.people["citizen"])
    browser = await world.browser("ward_official")
    action = paths.comment_action_path(paths.COMMENT_REPLY_ROUTE, comment.receipt)
    forged = await browser.post(action, data={"text": ANSWER, "csrf": "0" * 64})
    assert forged.status == 403
    page = await (await browser.get(paths.comment_path(comment.receipt))).text()
    honest = await browser.post(
        action, data={"text": ANSWER, "csrf": csrf_of(page)}, allow_redirects=False
    )
    assert honest.status == 303
    assert [r.text for r in await replies(world)] == [ANSWER]


async def test_the_unit_that_signs_is_the_officials_root(world: DeskWorld, writer: Writer) -> None:
    """A city official answering a comment of the city's consultation signs for the city; a
    ward official answering the same, for the ward (the chat's rule)."""
    comment = await writer.add(
        "Về Luật Thủ đô",
        campaign=world.consultation,
        unit=world.seed.cells[0],
        author=world.people["citizen"],
    )
    signers: list[tuple[Who, Unit]] = [
        ("ward_official", world.seed.ward),
        ("city_official", world.city),
    ]
    for who, unit in signers:
        browser = await world.browser(who)
        sent = await post_form(
            browser,
            paths.comment_action_path(paths.COMMENT_REPLY_ROUTE, comment.receipt),
            {"text": ANSWER},
            page=paths.comment_path(comment.receipt),
        )
        assert sent.status == 303
        assert (await replies(world))[-1].unit_id == unit.id
    letters = await outbox(world)
    assert [letter.text.rsplit("— ", 1)[1] for letter in letters] == [
        world.seed.ward.name,
        world.city.name,
    ]
