"""The update's unit of work (``uow`` in the handler's data): what a handler writes, its state
and the dedupe mark commit together; a failed handler leaves nothing but the dedupe mark; two
updates of one chat run one after the other. On SQLite and PostgreSQL (the ``app`` fixture)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.channels import updates
from storage.fsm import FsmRow
from storage.models import FsmRecord, Person, ProcessedUpdate
from storage.people import Member
from storage.update_work import UpdateWork
from tests.chat import texts
from tests.conftest import BotApp


async def _person(app: BotApp, user_id: int) -> Person:
    async with app.runtime.db.sessions() as session:
        found = await session.execute(select(Person).where(Person.external_id == str(user_id)))
        return found.scalar_one()


async def _state(app: BotApp, user_id: int) -> FsmRow:
    async with app.runtime.db.sessions() as session:
        suffix = f":{user_id}:{user_id}:default"
        found = await session.execute(select(FsmRecord).where(FsmRecord.key.endswith(suffix)))
        row = found.scalar_one_or_none()
        return FsmRow(row.state, dict(row.data)) if row else FsmRow()


async def _marked(app: BotApp, update_id: int) -> bool:
    async with app.runtime.db.sessions() as session:
        found = await session.execute(
            select(ProcessedUpdate).where(
                ProcessedUpdate.update_key == f"{app.bot.id}:{update_id}"
            )
        )
        return found.first() is not None


async def test_a_failed_handler_stores_nothing_but_the_dedupe_mark(app: BotApp) -> None:
    async def keep(message: Message, state: FSMContext, uow: UpdateWork, member: Member) -> None:
        # Given explicitly, and the same session the handler gets as ``session``.
        assert uow.session is not None and uow.fsm is not None
        await state.set_state("Test:kept")
        await state.update_data(step=1)
        await message.answer("kept")

    async def fail(
        message: Message, state: FSMContext, session: AsyncSession, member: Member
    ) -> None:
        member.person.full_name = "Changed"
        session.add(member.person)
        await session.flush()  # written in the update's transaction, then rolled back
        await state.set_state("Test:failed")
        await state.update_data(step=2)
        raise RuntimeError("boom")

    app.dp.message.register(keep, F.text == "/uow-keep")
    app.dp.message.register(fail, F.text == "/uow-fail")
    chat = app.chat(8101, "Trần Thị Bình")
    assert "kept" in texts(await chat.say("/uow-keep"))
    assert await _state(app, 8101) == FsmRow("Test:kept", {"step": 1})

    failing = updates.text_update(
        update_id=990_201,
        sender=updates.user(8101, "Trần Thị Bình"),
        text="/uow-fail",
        message_id=1,
        date=app.clock.now(),
    )
    assert "hệ thống vừa gặp sự cố" in texts(await chat.feed(failing))
    assert (await _person(app, 8101)).full_name == "Trần Thị Bình", "the write was rolled back"
    assert await _state(app, 8101) == FsmRow("Test:kept", {"step": 1}), "state unchanged"
    assert await _marked(app, 990_201), "the failed update is marked handled"
    assert await chat.feed(failing) == [], "and is not run again when re-delivered"


async def test_two_updates_of_one_chat_run_one_after_the_other(app: BotApp) -> None:
    first_inside = asyncio.Event()
    let_go = asyncio.Event()
    seen: list[int] = []

    async def count(message: Message, state: FSMContext) -> None:
        data: dict[str, Any] = await state.get_data()
        seen.append(data.get("n", 0))
        if len(seen) == 1:
            first_inside.set()
            await let_go.wait()
        await state.update_data(n=data.get("n", 0) + 1)

    app.dp.message.register(count, F.text == "/uow-count")
    chat = app.chat(8102)
    first = asyncio.create_task(chat.say("/uow-count"))
    await first_inside.wait()
    second = asyncio.create_task(chat.say("/uow-count"))
    # Without the chat's lock the second would read n=0 and finish while the first waits; with
    # it, it cannot start before the first has committed. Either way it gets half a second.
    done, _ = await asyncio.wait({second}, timeout=0.5)
    assert not done, "the second update ran while the first was in its handler"
    let_go.set()
    await asyncio.gather(first, second)
    assert seen == [0, 1]
    assert (await _state(app, 8102)).data == {"n": 2}
