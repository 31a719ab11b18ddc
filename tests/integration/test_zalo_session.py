"""The ZaloSession against the fake Zalo Bot API over HTTP: calls, envelopes, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import SecretStr

from bot.channels.zalo import CommandButtons, ZaloSession, build_zalo_bot, html_to_plain
from bot.config import Settings, ZaloSettings
from bot.web.shelf import Shelf
from scheduler.clock import FrozenClock
from storage.database import Database, create_engine
from tests.fakes.telegram import serve_app
from tests.fakes.zalo import TOKEN, FakeZalo, text_event

USER = "6ede9afa66b88fe6d6a9"
# The session's own buttons-as-commands, as the composition root injects them (bot.app).
COMMANDS: CommandButtons = {"nav:cancel": "/cancel"}


@pytest.fixture
async def zalo(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[tuple[Bot, FakeZalo]]:
    fake = FakeZalo()
    runner, url = await serve_app(fake.app())
    engine = create_engine(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=url)
    )
    bot = build_zalo_bot(
        settings,
        db=Database(engine),
        clock=clock,
        commands=COMMANDS,
        shelf=Shelf(clock, base_url="https://gopy.example"),
        poll_floor=0,
    )
    yield bot, fake
    await bot.session.close()
    await engine.dispose()
    await runner.cleanup()


def session_of(bot: Bot) -> ZaloSession:
    assert isinstance(bot.session, ZaloSession)
    return bot.session


async def chat_of(bot: Bot) -> int:
    return await session_of(bot).ids.local(USER)


async def test_get_me_is_the_zalo_bot(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, _fake = zalo
    me = await bot.get_me()
    assert me.id == 1459232241454765289 and me.username == "bot.gopy" and me.is_bot


@pytest.mark.parametrize("status", [200, 408])
async def test_an_idle_poll_is_no_updates_whatever_its_status(
    zalo: tuple[Bot, FakeZalo], status: int
) -> None:
    bot, fake = zalo
    fake.idle_status = status
    assert await bot(GetUpdates(timeout=1)) == []
    fake.pending.append(text_event(USER, "/help"))
    (update,) = await bot(GetUpdates(timeout=1))
    assert update.message is not None and update.message.text == "/help"
    assert update.message.chat.id == update.message.from_user.id == await chat_of(bot)  # type: ignore[union-attr]
    assert await bot(GetUpdates(timeout=1)) == []


async def test_a_replayed_event_is_served_once(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, fake = zalo
    event = text_event(USER, "hi", message_id="16f6366b3f02645a3d15")
    fake.pending += [event, event]
    first = await bot(GetUpdates(timeout=1))
    assert len(first) == 1
    assert await bot(GetUpdates(timeout=1)) == []


async def test_html_becomes_plain_text_and_a_keyboard_a_numbered_menu(
    zalo: tuple[Bot, FakeZalo],
) -> None:
    bot, fake = zalo
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Gửi ẩn danh", callback_data="cn:anon")],
            [InlineKeyboardButton(text="Đọc", url="https://example.org/a.pdf")],
        ]
    )
    sent = await bot.send_message(
        await chat_of(bot), "<b>Chào</b> &amp; <a href='https://x.vn'>hẹn</a>", reply_markup=markup
    )
    (call,) = fake.calls
    assert call.method == "sendMessage" and call.chat == USER
    assert call.text.startswith("Chào & hẹn (https://x.vn)\n\n") and "1. Gửi ẩn danh" in call.text
    assert "Đọc: https://example.org/a.pdf" in call.text
    assert sent.chat.id == await chat_of(bot)
    choice = await session_of(bot).to_update(text_event(USER, " 1 "))
    assert choice is not None and choice.callback_query is not None
    assert choice.callback_query.data == "cn:anon"
    assert (await session_of(bot).to_update(text_event(USER, "2"))).message is not None  # type: ignore[union-attr]


async def test_a_plain_message_keeps_the_menu_and_a_keyboard_replaces_it(
    zalo: tuple[Bot, FakeZalo],
) -> None:
    bot, fake = zalo
    chat = await chat_of(bot)
    one = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    await bot.send_message(chat, "Chọn", reply_markup=one)
    await bot.send_message(chat, "Bạn vui lòng chọn bằng các nút.")
    kept = await session_of(bot).to_update(text_event(USER, "1"))
    assert kept is not None and kept.callback_query is not None
    nav = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Hủy", callback_data="nav:cancel")]]
    )
    await bot.send_message(chat, "Số tin bài?", reply_markup=nav)
    assert fake.calls[-1].text == "Số tin bài?\n\nHủy: /cancel", "an injected command button"
    typed = await session_of(bot).to_update(text_event(USER, "1"))
    assert typed is not None and typed.message is not None and typed.message.text == "1"


async def test_long_texts_are_cut_at_2000(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, fake = zalo
    await bot.send_message(await chat_of(bot), "\n".join(["dòng " * 30] * 40))
    assert len(fake.calls) > 1 and all(len(c.text) <= 2000 for c in fake.calls)


async def test_files_go_out_as_signed_links(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, fake = zalo
    chat = await chat_of(bot)
    await bot.send_photo(chat, BufferedInputFile(b"png", "qr.png"), caption="<b>Mã QR</b>")
    await bot.send_document(chat, BufferedInputFile(b"docx", "bao-cao.docx"), caption="Báo cáo")
    photo, document = fake.calls
    assert photo.method == "sendPhoto" and photo.params["caption"] == "Mã QR"
    assert photo.params["photo"].startswith("https://gopy.example/f/")
    assert (
        document.method == "sendMessage" and "Báo cáo\n📎 bao-cao.docx: https://" in document.text
    )


async def test_edits_send_nothing_and_alerts_become_messages(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, fake = zalo
    chat = await chat_of(bot)
    await bot.edit_message_reply_markup(chat_id=chat, message_id=5, reply_markup=None)
    await bot.answer_callback_query(f"zalo:{chat}:1", text="ok")
    assert fake.calls == []
    await bot.answer_callback_query(f"zalo:{chat}:1", text="Chọn ít nhất một", show_alert=True)
    assert [c.text for c in fake.calls] == ["Chọn ít nhất một"]
    assert await bot.set_my_commands([]) and await bot.delete_webhook()


async def test_errors_are_aiograms(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, fake = zalo
    chat = await chat_of(bot)
    fake.failures[USER] = [(429, "Quota exceeded"), (403, "Forbidden"), (400, "Bad")]
    with pytest.raises(TelegramRetryAfter) as throttled:
        await bot.send_message(chat, "a")
    assert throttled.value.retry_after == 30
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(chat, "a")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(chat, "a")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(chat + 999, "a")
    fake.token = "1:other"
    with pytest.raises(TelegramUnauthorizedError) as refused:
        await bot.get_me()
    assert TOKEN not in str(refused.value), "the token is in the URL; never in an error"


async def test_webhook_set_and_looked_up(zalo: tuple[Bot, FakeZalo]) -> None:
    bot, fake = zalo
    assert (await bot.get_webhook_info()).url == "", "a 404 means none"
    with pytest.raises(TelegramBadRequest, match="8 to 256"):
        await bot.set_webhook("https://gopy.example/zalo/x", secret_token="short")
    await bot.set_webhook("https://gopy.example/zalo/x", secret_token="long-enough-secret")
    assert fake.webhook == {"url": "https://gopy.example/zalo/x", "secret": "long-enough-secret"}
    assert (await bot.get_webhook_info()).url == "https://gopy.example/zalo/x"


def test_html_to_plain() -> None:
    assert html_to_plain('<i>x</i> <a href="https://a.b/?c=1&amp;d=2">đọc</a> 1 &lt; 2') == (
        "x đọc (https://a.b/?c=1&d=2) 1 < 2"
    )
    assert html_to_plain('<a href="https://a.b">https://a.b</a>') == "https://a.b"


async def test_polls_wait_only_after_nothing_new(
    sqlite_url: str, clock: FrozenClock, zalo: tuple[Bot, FakeZalo]
) -> None:
    _bot, fake = zalo
    engine = create_engine(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=_base(zalo[0]))
    )
    bot = build_zalo_bot(
        settings,
        db=Database(engine),
        clock=clock,
        commands=COMMANDS,
        poll_floor=0.3,
    )
    try:
        fake.pending += [text_event(USER, f"m{n}") for n in range(3)]
        began = asyncio.get_running_loop().time()
        for _ in range(3):
            got = await bot(GetUpdates(timeout=1))
            assert len(got) == 1
        assert asyncio.get_running_loop().time() - began < 0.3, "fresh events at once"
        replay = text_event(USER, "again", message_id="0e078a2fb66a5f34067b")
        fake.pending += [replay, replay]
        await bot(GetUpdates(timeout=1))
        await bot(GetUpdates(timeout=1))  # the replay: nothing new
        began = asyncio.get_running_loop().time()
        assert await bot(GetUpdates(timeout=1)) == []
        assert asyncio.get_running_loop().time() - began >= 0.25, "then the floor"
    finally:
        await bot.session.close()
        await engine.dispose()


async def test_a_new_text_is_a_new_message_and_typing_is_sent(
    zalo: tuple[Bot, FakeZalo],
) -> None:
    bot, fake = zalo
    chat = await chat_of(bot)
    await bot.edit_message_text("Đã sửa", chat_id=chat, message_id=3)
    await bot.send_chat_action(chat, "upload_photo")
    assert [(c.method, c.params.get("text") or c.params.get("action")) for c in fake.calls] == [
        ("sendMessage", "Đã sửa"),
        ("sendChatAction", "typing"),
    ]


def _base(bot: Bot) -> str:
    return str(bot.session.api.base).split("/bot", 1)[0]


async def test_a_menu_survives_a_restart(
    sqlite_url: str, clock: FrozenClock, zalo: tuple[Bot, FakeZalo]
) -> None:
    bot, _fake = zalo
    chat = await chat_of(bot)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Báo cáo ngay", callback_data="rp:now")]]
    )
    await bot.send_message(chat, "Nhắc báo cáo", reply_markup=markup)
    engine = create_engine(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=_base(bot))
    )
    again = build_zalo_bot(settings, db=Database(engine), clock=clock, commands=COMMANDS)
    try:
        update = await session_of(again).to_update(text_event(USER, "１"))  # full-width
        assert update is not None and update.callback_query is not None
        assert update.callback_query.data == "rp:now"
        assert update.callback_query.message is not None
        assert update.callback_query.message.chat.id == chat
    finally:
        await again.session.close()
        await engine.dispose()
