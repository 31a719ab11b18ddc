"""Migration 0007 on a database with rows (SQLite and PostgreSQL): anonymous comments lose
their author's id but stay theirs (author key), invites made before keep working."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlmodel import col, select

from storage.comments import Withdrawal, check_withdrawal, own_comments
from storage.database import create_engine, create_session_factory
from storage.invites import RedeemOutcome, redeem_invite
from storage.migrate import upgrade
from storage.models import ChannelMenu, Comment, Invite, Outbox, Person
from storage.types import UTCDateTime
from tests.chat import at
from tests.seed import TEST_KEY

NOW = at("2025-11-10 09:00")
CODE = "ABCDEFGHJK"


def _insert(connection: sa.Connection, table_name: str, /, **values: Any) -> None:
    """A row as the 0006 schema had it (the models now have more columns)."""

    def kind(value: Any) -> Any:
        if isinstance(value, datetime):
            return UTCDateTime()
        if isinstance(value, dict | list):
            return sa.JSON()
        return None

    table = sa.table(table_name, *(sa.column(k, kind(v)) for k, v in values.items()))
    connection.execute(sa.insert(table).values(**values))


def _rows_of_0006(connection: sa.Connection) -> None:
    _insert(connection, "unit", id=1, code="NGOCHA", name="Đảng ủy phường Ngọc Hà", level="ward")
    for id_, external, name in ((1, "9001", "Ẩn Danh"), (2, "9002", "Có Tên"), (3, "9003", "Hà")):
        _insert(
            connection,
            "person",
            id=id_,
            channel="telegram",
            external_id=external,
            full_name=name,
            created_at=NOW,
        )
    _insert(connection, "reportform", id=1, name="f", fields=[])
    _insert(
        connection,
        "campaign",
        id=1,
        code="C",
        title="Góp ý",
        unit_id=1,
        form_id=1,
        timezone="Asia/Ho_Chi_Minh",
        starts_at=NOW - timedelta(days=7),
        ends_at=NOW + timedelta(days=30),
    )
    comments = (
        (1, "YK-AAAAAA", 1, True, "received", None),
        (2, "YK-BBBBBB", 1, True, "withdrawn", 1),
        (3, "YK-CCCCCC", 2, False, "received", None),
    )
    for id_, receipt, person, anonymous, status, by in comments:
        _insert(
            connection,
            "comment",
            id=id_,
            receipt=receipt,
            campaign_id=1,
            person_id=person,
            text=f"ý kiến {id_}",
            anonymous=anonymous,
            author_name=None if anonymous else "Có Tên",
            channel="telegram",
            fingerprint=f"{id_:064d}",
            created_at=NOW - timedelta(minutes=10 * id_),
            status=status,
            status_changed_by_id=by,
        )
    _insert(
        connection,
        "comment_reply",
        id=1,
        comment_id=1,
        person_id=3,
        unit_id=1,
        text="Cảm ơn",
        created_at=NOW,
    )
    _insert(
        connection,
        "outbox",
        id=1,
        key="reply:1",
        purpose="reply",
        person_id=1,
        channel="telegram",
        chat_id="9001",
        text="📬 Trả lời ý kiến YK-AAAAAA",
        created_at=NOW,
        not_before=NOW,
        status="sent",
        attempts=1,
    )
    _insert(
        connection,
        "invite",
        id=1,
        code_hash=hashlib.sha256(CODE.encode()).hexdigest(),
        unit_id=1,
        role="secretary",
        mode="add",
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
    )
    _insert(
        connection,
        "channel_menu",
        channel="zalo",
        chat_id=9001,
        message={"message_id": 1, "chat": {"id": 9001}},
        text="1. Đồng ý rút YK-AAAAAA",
        options=["wd:1:1"],
        shown_at=NOW,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at revision 0006 holding rows, for 0007 to migrate."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("postgres_ready")
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade(url, "0006")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_rows_of_0006)
    await engine.dispose()
    return url


async def test_upgrade_from_0006_with_rows(old_database: str) -> None:
    await upgrade(old_database, key=TEST_KEY)
    engine = create_engine(old_database)
    try:
        async with create_session_factory(engine)() as session:
            found = (await session.execute(select(Comment).order_by(col(Comment.id)))).scalars()
            answered, withdrawn, named = found.all()
            for comment in (answered, withdrawn):
                assert comment.person_id is None
                assert comment.author_key == TEST_KEY.author_key(campaign_id=1, person_id=1)
            assert withdrawn.status_changed_by_id is None, "who withdrew it was its author"
            assert named.person_id == 2 and named.author_key is None
            # The sent answer named the comment beside the chat: in its text, and in its key
            # ("reply:1", and reply 1 is to comment 1).
            assert (await session.execute(select(Outbox))).first() is None
            for person in (await session.execute(select(Person))).scalars():
                assert person.created_at == datetime(2025, 11, 10, tzinfo=UTC), "to the day"
            assert (await session.execute(select(ChannelMenu))).first() is None
            invite = (await session.execute(select(Invite))).scalar_one()
            assert invite.legacy

            author = await session.get(Person, 1)
            assert author is not None
            mine = await own_comments(session=session, person=author, key=TEST_KEY)
            assert [v.comment.receipt for v in mine] == ["YK-AAAAAA", "YK-BBBBBB"]
            assert mine[0].reply == "Cảm ơn"
            allowed, _comment = await check_withdrawal(
                session=session, person=author, key=TEST_KEY, comment_id=1, now=NOW
            )
            assert allowed is Withdrawal.ALLOWED

            joiner = await session.get(Person, 3)
            assert joiner is not None
            result = await redeem_invite(
                session=session, code=CODE, person=joiner, key=TEST_KEY, now=NOW
            )
            assert result.outcome is RedeemOutcome.OK, "an invite made before 0007 still works"
            await session.commit()
    finally:
        await engine.dispose()
