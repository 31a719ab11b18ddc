"""The bot stays up: re-delivered updates are handled once, a failing handler gets an apology."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.channels import updates
from storage.models import Person
from tests.chat import Chat, texts
from tests.conftest import BotApp


async def test_redelivered_update_is_handled_once(app: BotApp) -> None:
    chat = app.chat(801)
    update = updates.text_update(
        update_id=990001,
        sender=updates.user(801),
        text="/help",
        message_id=1,
        date=app.clock.now(),
    )
    first = await chat.feed(update)
    again = await chat.feed(update)
    assert len(first) == 1 and again == []


async def test_handler_error_gets_an_apology_and_the_bot_goes_on(
    app: BotApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from handlers import keyboards

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(keyboards, "main_menu", broken)
    chat = app.chat(802)
    with caplog.at_level(logging.ERROR):
        replies = texts(await chat.say("/help"))
    assert "hệ thống vừa gặp sự cố" in replies
    assert "update" in caplog.text and "/help" not in caplog.text, "no message text in logs"
    monkeypatch.undo()
    assert "/comment" in texts(await chat.say("/help"))


async def test_unknown_text_gets_a_polite_answer(app: BotApp) -> None:
    assert "/help" in texts(await app.chat(803).say("xin chào"))


async def test_person_created_once(app: BotApp) -> None:
    chat = app.chat(804)
    await chat.say("/start")
    await chat.say("/help")
    async with app.runtime.db.sessions() as session:
        count = (await session.execute(select(func.count()).select_from(Person))).scalar_one()
    assert count == 1


async def test_language_switch_to_english(app: BotApp) -> None:
    chat = app.chat(805)
    await chat.say("/lang")
    await chat.press("English")
    assert "Sorry, I did not understand" in texts(await chat.say("hello"))


async def test_failed_update_leaves_the_form_where_it_was(
    app: BotApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers import texts as handler_texts
    from tests.flow.test_report_flow import FIRST_ANSWER, join, start_report

    chat = app.chat(806)
    await join(app, chat)
    await start_report(chat)
    await chat.say(FIRST_ANSWER)
    await chat.press("Hội nghị")
    await chat.press("Xong")  # now at question 3

    real_question = handler_texts.question

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(handler_texts, "question", broken)
    assert "hệ thống vừa gặp sự cố" in texts(await chat.say("12"))
    monkeypatch.setattr(handler_texts, "question", real_question)

    # The failed answer was rolled back with its state change: question 3 is asked again.
    assert "Câu 3/9" in texts(await chat.say("/report"))
    assert "Câu 4/9" in texts(await chat.say("12"))


async def test_fsm_storage_outside_an_update_writes_through(app: BotApp) -> None:
    from aiogram.fsm.storage.base import StorageKey

    storage = app.dp.storage
    key = StorageKey(bot_id=42, chat_id=1, user_id=1)
    await storage.set_state(key, "ReportFlow:filling")
    await storage.set_data(key, {"a": 1})
    rebuilt = type(storage)(app.runtime.db.sessions, app.clock.now)  # type: ignore[call-arg]
    assert await rebuilt.get_state(key) == "ReportFlow:filling"
    assert await rebuilt.get_data(key) == {"a": 1}
    await storage.set_state(key, None)
    await storage.set_data(key, {})
    assert await rebuilt.get_state(key) is None and await rebuilt.get_data(key) == {}


async def test_concurrent_writers_mid_update_and_at_commit_do_not_block_each_other(
    app: BotApp,
) -> None:
    """Regression guard for the SQLite commit queue: a handler that writes mid-update
    (/lang stores the language, then sends a message) must not wait behind updates
    queued for their final write, which themselves wait for its lock."""
    from tests.flow.test_report_flow import join, start_report

    switchers = [app.chat(830 + n) for n in range(4)]
    writers = [app.chat(840 + n) for n in range(4)]
    for chat in switchers:
        await chat.say("/lang")
    for n, chat in enumerate(writers):
        await join(app, chat, unit_index=n % 2)
        await start_report(chat)

    async def switch(chat: Chat) -> None:
        await chat.press("English")

    async def answer(chat: Chat) -> None:
        await chat.say("Lãnh đạo tốt")

    await asyncio.wait_for(
        asyncio.gather(*(switch(c) for c in switchers), *(answer(c) for c in writers)),
        timeout=20,
    )
    for chat in writers:
        assert "Câu 2/9" in chat.last_text()
    for chat in switchers:
        assert "Language changed." in chat.last_text()


async def test_group_chats_get_no_report_flow(app: BotApp) -> None:
    from aiogram.types import Chat as TgChat
    from aiogram.types import Message, MessageEntity, Update

    from bot.channels import updates

    def in_group(update_id: int, text: str) -> Update:
        entities = [MessageEntity(type="bot_command", offset=0, length=len(text))]
        return Update(
            update_id=update_id,
            message=Message(
                message_id=1,
                date=app.clock.now(),
                text=text,
                chat=TgChat(id=-100123, type="supergroup"),
                from_user=updates.user(850),
                entities=entities if text.startswith("/") else None,
            ),
        )

    await app.dp.feed_update(app.bot, in_group(880001, "/report"))
    await app.dp.feed_update(app.bot, in_group(880002, "xin chào cả nhóm"))
    said = [c for c in app.api.calls if c.method == "sendMessage"]
    assert len(said) == 1 and said[0].chat_id == -100123
    assert "nhắn tin riêng" in said[0].text
