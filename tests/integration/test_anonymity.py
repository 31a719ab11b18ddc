"""Fault 4: an anonymous comment cannot be traced to its author from a dump of the database.

The conversation runs through the real handlers (Telegram and Zalo, SQLite and PostgreSQL):
an anonymous comment, an official's answer, the author reading it and withdrawing another.
Then every row of every table is read (and SQLite's ``iterdump`` too) and searched for the
author's messenger id and name, and for any column of the comment's rows that points to them.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from storage.models import ChannelId, Comment, Person, RoleKind
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_comments import poster, write_anonymously, write_named
from tests.zalo_chat import ZaloApp

AUTHOR, NAMED, HA = 731_944_582, 731_944_583, 731_944_584
AUTHOR_NAME = "Khúc Thừa Dụ Ẩn Danh"
SECRET_TEXT = "Đề nghị làm rõ lộ trình chuyển đổi số ở phường Quán Thánh"
WITHDRAWN_TEXT = "Ý kiến thứ hai sẽ được rút lại ngay"
# Columns that name a person (the author must be in none of the comment's rows).
PERSON_COLUMNS = ("person_id", "status_changed_by_id", "used_by_id", "submitted_by_id")

Row = dict[str, Any]


def _read_all(connection: Connection) -> dict[str, list[Row]]:
    dump: dict[str, list[Row]] = {}
    for table in inspect(connection).get_table_names():
        rows = connection.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        dump[table] = [dict(row) for row in rows]
    return dump


def _iterdump(connection: Connection) -> list[str]:
    raw = connection.connection.driver_connection
    # aiosqlite wraps sqlite3: its inner connection dumps without the event loop's help.
    inner: Any = getattr(raw, "_conn", raw)
    return list(inner.iterdump())


def _flat(row: Row) -> str:
    return "\x1f".join(str(value) for value in row.values())


async def _dump(app: BotApp | ZaloApp) -> tuple[dict[str, list[Row]], list[str]]:
    async with app.runtime.db.engine.connect() as connection:
        tables = await connection.run_sync(_read_all)
        lines: list[str] = []
        if connection.dialect.name == "sqlite":
            lines = await connection.run_sync(_iterdump)
    return tables, lines


async def _identities(app: BotApp | ZaloApp) -> tuple[Person, set[str]]:
    """The author's person row and every string that would identify them."""
    async with app.runtime.db.sessions() as session:
        person = (
            await session.execute(select(Person).where(col(Person.full_name) == AUTHOR_NAME))
        ).scalar_one()
        found = {AUTHOR_NAME, str(AUTHOR), person.external_id}
        if person.channel == "zalo":
            row = await session.get(ChannelId, int(person.external_id))
            assert row is not None
            found.add(row.external_id)
    # A short integer id (Zalo's row numbers) would match anything: the structure checks
    # below cover it.
    return person, {s for s in found if len(s) >= 6}


async def test_a_dump_does_not_tell_who_wrote_an_anonymous_comment(
    any_app: BotApp | ZaloApp, caplog: pytest.LogCaptureFixture
) -> None:
    app = any_app
    caplog.set_level(logging.INFO)
    official = app.chat(HA, "Phạm Thu Hà")
    invite_code = await _official_code(app)
    await official.say(f"/start i-{invite_code}")
    author = app.chat(AUTHOR, AUTHOR_NAME)
    await write_anonymously(author, await poster(app), SECRET_TEXT)
    await write_anonymously(author, await poster(app, section=1), WITHDRAWN_TEXT)
    await write_named(app.chat(NAMED, "Lê Minh Cường"), await poster(app), "Ý kiến có tên")
    async with app.runtime.db.sessions() as session:
        found = (await session.execute(select(Comment).order_by(col(Comment.id)))).scalars()
        answered, withdrawn, named = found.all()
    await official.say(f"/reply {answered.receipt} Cảm ơn, phường sẽ trả lời cụ thể.")
    mine = texts(await author.say("/mycomments"))
    assert "Cảm ơn, phường sẽ trả lời cụ thể." in mine, "the author still reads the answer"
    await author.press(f"Rút {withdrawn.receipt}")
    assert "Đã rút" in texts(await author.press(f"Đồng ý rút {withdrawn.receipt}"))

    person, identities = await _identities(app)
    tables, lines = await _dump(app)
    anonymous = {answered.receipt: SECRET_TEXT, withdrawn.receipt: WITHDRAWN_TEXT}
    ids = {answered.id, withdrawn.id}

    # 1. The rows that belong to the comments point to nobody and name nobody.
    comment_rows = [r for r in tables["comment"] if r["id"] in ids]
    related = comment_rows + [
        r
        for table in ("comment_reply", "comment_attachment")
        for r in tables[table]
        if r["comment_id"] in ids
    ]
    related += [
        r
        for table, rows in tables.items()
        for r in rows
        if table not in ("comment", "comment_reply", "comment_attachment")
        and any(code in _flat(r) or words in _flat(r) for code, words in anonymous.items())
    ]
    assert len(comment_rows) == 2
    for row in related:
        for column in PERSON_COLUMNS:
            assert row.get(column) != person.id, (column, row)
        assert str(row.get("chat_id")) != person.external_id, row
        assert not any(identity in _flat(row) for identity in identities), row

    # 2. No row that names the author (person, channel ids, FSM keys...) mentions the comments.
    for table, rows in tables.items():
        for row in rows:
            flat = _flat(row)
            if any(identity in flat for identity in identities) or (
                table != "person" and any(row.get(c) == person.id for c in PERSON_COLUMNS)
            ):
                for code, words in anonymous.items():
                    assert code not in flat and words not in flat, (table, row)

    # 3. The same over SQLite's own dump, line by line.
    for line in lines:
        if any(identity in line for identity in identities):
            assert not any(code in line or words in line for code, words in anonymous.items())

    # 4. Nor does a first-contact time point at the moment the comments were sent.
    moments = {r["created_at"] for r in comment_rows}
    for table in ("person", "channel_id"):
        for row in tables[table]:
            if any(identity in _flat(row) for identity in identities):
                assert row["created_at"] not in moments, (table, row)

    # The named comment keeps its author, and nothing above was vacuous.
    assert named.person_id is not None and named.author_key is None
    assert all(r["person_id"] is None and r["author_key"] for r in comment_rows)
    assert any(AUTHOR_NAME in _flat(r) for r in tables["person"])
    assert not lines or any(answered.receipt in line for line in lines)

    # 5. Logs at INFO carry neither the messenger id nor the name.
    for record in caplog.records:
        message = record.getMessage()
        assert not any(identity in message for identity in identities), message


async def _official_code(app: BotApp | ZaloApp) -> str:
    from tests.seed import invite

    async with app.runtime.db.sessions() as session:
        return await invite(session, app.seed.ward, role=RoleKind.OFFICIAL)
