"""«Sent» only after the commit, and the receipt again for a press re-delivered after a crash.

The commit of a report or a comment is replaced by one that fails (the database is gone) or
by one that commits and then dies before anything else runs (``Crash`` is a BaseException:
nothing in the bot catches it, as nothing survives a kill -9). The real subprocess version is
tests/integration/test_crash_matrix.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram.types import Message, Update
from sqlmodel import select

import handlers.comment_form
import handlers.report_form
import handlers.start
from bot.channels import updates
from storage.models import Comment, Report, ReportRevision, Role, RoleKind
from storage.update_work import UpdateWork, commit_now
from tests.chat import Chat, skip_questions, texts
from tests.conftest import AppFactory, BotApp
from tests.fakes.telegram import Call
from tests.flow.test_comments import OPINION, poster
from tests.flow.test_report_bad_input import at_summary
from tests.seed import invite


class Crash(BaseException):
    """The process dies here."""


Commit = Callable[[UpdateWork], Awaitable[None]]


def replace_commit(monkeypatch: pytest.MonkeyPatch, module: Any, new: Commit) -> None:
    monkeypatch.setattr(module, "commit_now", new)


def press_update(chat: Chat, label: str, update_id: int) -> Update:
    """The update of pressing ``label``, built once so that it can be delivered twice."""
    _call, button = chat.button(label)
    message = Message(
        message_id=1, date=chat.clock.now(), chat=updates.private_chat(chat.user_id), text="…"
    )
    return updates.callback_update(
        update_id=update_id,
        sender=updates.user(chat.user_id, chat.name),
        data=button["callback_data"],
        message=message,
    )


async def revisions(app: BotApp) -> list[ReportRevision]:
    async with app.runtime.db.sessions() as session:
        return list((await session.execute(select(ReportRevision))).scalars().all())


async def stored_comments(app: BotApp) -> list[Comment]:
    async with app.runtime.db.sessions() as session:
        return list((await session.execute(select(Comment))).scalars().all())


async def at_comment_summary(app: BotApp, user_id: int) -> Chat:
    chat = app.chat(user_id)
    await chat.say(f"/start gy-{await poster(app)}")
    await chat.say(OPINION)
    await skip_questions(chat)
    await chat.press("Gửi ẩn danh")
    assert "Gửi ý kiến" in str(chat.sent()[-1].buttons)
    return chat


FLOWS = {
    "report": (handlers.report_form, "Gửi báo cáo"),
    "comment": (handlers.comment_form, "Gửi ý kiến"),
}


async def at_send(app: BotApp, flow: str, user_id: int) -> Chat:
    if flow == "report":
        return await at_summary(app, user_id)
    return await at_comment_summary(app, user_id)


async def stored(app: BotApp, flow: str) -> int:
    return len(await revisions(app) if flow == "report" else await stored_comments(app))


@pytest.mark.parametrize("flow", FLOWS)
async def test_nothing_is_said_before_the_commit_and_a_failed_commit_loses_nothing(
    app: BotApp, flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, label = FLOWS[flow]
    chat = await at_send(app, flow, 7400)
    said_before_commit: list[Call] = []
    start = len(app.api.calls)

    async def failing(_uow: UpdateWork) -> None:
        said_before_commit.extend(c for c in app.api.calls[start:] if c.chat_id in (None, 7400))
        raise ConnectionError("the database went away")

    replace_commit(monkeypatch, module, failing)
    said = await chat.press(label)
    assert said_before_commit == [], "nothing may be said before the commit"
    assert "Đã gửi" not in texts(said) and "Cảm ơn" not in texts(said)
    assert "BC-" not in texts(said) and "YK-" not in texts(said)
    assert "Xin lỗi" in texts(said), "an apology instead"
    assert await stored(app, flow) == 0

    replace_commit(monkeypatch, module, commit_now)
    again = texts(await chat.press(label))  # the draft was kept: the same button works
    assert ("BC-" if flow == "report" else "YK-") in again
    assert await stored(app, flow) == 1


@pytest.mark.parametrize("flow", FLOWS)
async def test_a_press_redelivered_after_a_crash_gets_the_receipt_of_what_was_stored(
    make_app: AppFactory, flow: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, label = FLOWS[flow]
    app = await make_app()
    chat = await at_send(app, flow, 7401)
    press = press_update(chat, label, update_id=990_001)

    async def commit_then_die(uow: UpdateWork) -> None:
        await commit_now(uow)
        raise Crash

    replace_commit(monkeypatch, module, commit_then_die)
    start = len(app.api.calls)
    with pytest.raises(Crash):
        await app.dp.feed_update(app.bot, press)
    assert [c for c in app.api.calls[start:] if c.chat_id == 7401] == [], "died before replying"
    assert await stored(app, flow) == 1

    replace_commit(monkeypatch, module, commit_now)
    restarted = await make_app()
    again = texts(await restarted.chat(7401).feed(press))  # Telegram delivers it again
    assert "đã đóng" not in again
    if flow == "report":
        async with app.runtime.db.sessions() as session:
            (report,) = (await session.execute(select(Report))).scalars().all()
        assert report.receipt in again and "Đã gửi" in again
    else:
        (comment,) = await stored_comments(app)
        assert comment.receipt in again
    assert await stored(app, flow) == 1, "stored once"


async def test_an_invite_redelivered_after_a_crash_gets_the_welcome(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await make_app()
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.cells[0], now=app.clock.now())
    chat = app.chat(7402)
    joining = updates.text_update(
        update_id=990_002,
        sender=updates.user(chat.user_id, chat.name),
        text=f"/start i-{code}",
        message_id=1,
        date=app.clock.now(),
    )

    async def commit_then_die(uow: UpdateWork) -> None:
        await commit_now(uow)
        raise Crash

    monkeypatch.setattr(handlers.start, "commit_now", commit_then_die)
    with pytest.raises(Crash):
        await app.dp.feed_update(app.bot, joining)
    monkeypatch.setattr(handlers.start, "commit_now", commit_now)

    restarted = await make_app()
    again = texts(await restarted.chat(7402).feed(joining))
    assert "đã được dùng" not in again
    assert "bí thư Chi bộ Tổ dân phố số 1" in again
    async with app.runtime.db.sessions() as session:
        roles = (await session.execute(select(Role))).scalars().all()
    assert len([r for r in roles if r.kind is RoleKind.SECRETARY and r.active]) == 1


async def test_someone_elses_used_invite_is_still_refused(app: BotApp) -> None:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.cells[0], now=app.clock.now())
    await app.chat(7403).say(f"/start i-{code}")
    assert "đã được dùng" in texts(await app.chat(7404).say(f"/start i-{code}"))
