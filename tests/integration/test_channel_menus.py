"""The live menu of a chat: one per chat, replaced, dropped; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.channel_menus import drop_menu, get_menu, put_menu
from tests.chat import at
from tests.seed import TEST_KEY

NOW = at("2025-11-10 09:00")


async def test_one_live_menu_per_chat(session: AsyncSession) -> None:
    await put_menu(
        session=session,
        key=TEST_KEY,
        channel="zalo",
        chat_id=7,
        message={"message_id": 1},
        text="1. A",
        options=["a"],
        now=NOW,
    )
    await put_menu(
        session=session,
        key=TEST_KEY,
        channel="zalo",
        chat_id=7,
        message={"message_id": 2},
        text="1. B\n2. C",
        options=["b", "c"],
        now=NOW,
    )
    await put_menu(
        session=session,
        key=TEST_KEY,
        channel="zalo",
        chat_id=8,
        message={"message_id": 3},
        text="1. D",
        options=["d"],
        now=NOW,
    )
    await session.commit()
    menu = await get_menu(session=session, key=TEST_KEY, channel="zalo", chat_id=7)
    assert menu is not None and menu.options == ["b", "c"] and menu.message["message_id"] == 2
    await drop_menu(session=session, key=TEST_KEY, channel="zalo", chat_id=7)
    await session.commit()
    assert await get_menu(session=session, key=TEST_KEY, channel="zalo", chat_id=7) is None
    assert await get_menu(session=session, key=TEST_KEY, channel="zalo", chat_id=8) is not None
    assert await get_menu(session=session, key=TEST_KEY, channel="other", chat_id=8) is None


async def test_a_dump_of_menus_does_not_name_the_chat(session: AsyncSession) -> None:
    """A menu can name a comment («Đồng ý rút YK-…»): its row must not name the chat."""
    from sqlmodel import select

    from storage.models import ChannelMenu

    chat = 7_123_456_789
    message = {"message_id": 1, "chat": {"id": chat, "type": "private", "first_name": "An"}}
    await put_menu(
        session=session,
        key=TEST_KEY,
        channel="zalo",
        chat_id=chat,
        message=message,
        text="1. Đồng ý rút YK-7K3QMA",
        options=["wd:5:1"],
        now=NOW,
    )
    await session.commit()
    (row,) = (await session.execute(select(ChannelMenu))).scalars().all()
    assert (
        row.chat_id != chat and str(chat) not in str(row.message) and "An" not in str(row.message)
    )
    menu = await get_menu(session=session, key=TEST_KEY, channel="zalo", chat_id=chat)
    assert menu is not None and menu.message["chat"]["id"] == chat
