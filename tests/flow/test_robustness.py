"""The bot stays up: re-delivered updates are handled once, a failing handler gets an apology."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.channels import updates
from storage.models import Person
from tests.chat import texts
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
    assert "/report" in texts(await chat.say("/help"))


async def test_unknown_text_gets_a_polite_answer(app: BotApp) -> None:
    assert "/help" in texts(await app.chat(803).say("xin chào"))


async def test_person_created_once(app: BotApp) -> None:
    chat = app.chat(804)
    await chat.say("/start")
    await chat.say("/help")
    async with app.runtime.sessions() as session:
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
    rebuilt = type(storage)(app.runtime.sessions, app.clock.now)  # type: ignore[call-arg]
    assert await rebuilt.get_state(key) == "ReportFlow:filling"
    assert await rebuilt.get_data(key) == {"a": 1}
    await storage.set_state(key, None)
    await storage.set_data(key, {})
    assert await rebuilt.get_state(key) is None and await rebuilt.get_data(key) == {}
