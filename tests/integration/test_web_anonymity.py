"""An anonymous web comment cannot be traced from a dump of the database to the browser or the
network address it came from, nor to the named comments sent from the same ones.

As ``test_anonymity`` does for the chat: the comments go through ``submit_web_comment``, an
official answers through the real handlers, then every row of every table (and SQLite's own
dump) is searched for the browser's id, the address and the web person, and for anything
that ties them to the anonymous comments.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from storage.entries import resolve_entry
from storage.models import Comment, Person, RoleKind
from storage.web_comments import WEB, WebComment, WebLimits, WebSender, submit_web_comment
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_comments import poster
from tests.integration.test_anonymity import PERSON_COLUMNS, _dump, _flat
from tests.integration.web_world import jpeg
from tests.seed import invite

BROWSER = "d5c1e0a7-cookie-of-the-author"
ADDRESS = "203.0.113.77"
SECRET_TEXT = "Đề nghị làm rõ lộ trình chuyển đổi số ở phường Quán Thánh"
LATER_TEXT = "Ý kiến ẩn danh thứ hai, một giờ sau"
HA = 731_944_590


async def _web(
    app: BotApp, text: str, browser: str, minutes: int = 0, address: str = ADDRESS, **form: Any
) -> Comment:
    code = await poster(app)
    async with app.runtime.db.sessions() as session:
        entry = await resolve_entry(session=session, code=code)
        assert entry is not None
        done = await submit_web_comment(
            session=session,
            entry=entry,
            sender=WebSender(browser=browser, address=address),
            comment=WebComment(text=text, **form),
            key=app.runtime.key,
            now=app.clock.now() + timedelta(minutes=minutes),
            limits=WebLimits(),
        )
        await session.commit()
    assert done.comment is not None
    return done.comment


async def test_a_dump_does_not_tell_which_browser_or_address_sent_an_anonymous_web_comment(
    app: BotApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.ward, role=RoleKind.OFFICIAL)
    official = app.chat(HA, "Phạm Thu Hà")
    await official.say(f"/start i-{code}")

    answered = await _web(app, SECRET_TEXT, BROWSER, 3, photos=[jpeg()])
    # The same browser and address sign a comment minutes later, and again in the next hour.
    named = await _web(app, "Ý kiến có tên", BROWSER, 10, name="Lê Minh Cường", phone="0912345678")
    later = await _web(app, LATER_TEXT, BROWSER, 75)
    said = texts(await official.say(f"/reply {answered.receipt} Cảm ơn, phường sẽ trả lời."))
    assert "trang tra cứu" in said

    async with app.runtime.db.sessions() as session:
        person = (await session.execute(select(Person).where(Person.channel == WEB))).scalar_one()
        stored = (await session.execute(select(Comment).order_by(col(Comment.id)))).scalars()
        rows_of = {c.id: c for c in stored.all()}
    identities = {BROWSER, ADDRESS, person.external_id}
    anonymous = {answered.receipt: SECRET_TEXT, later.receipt: LATER_TEXT}
    ids = {answered.id, later.id}
    tables, lines = await _dump(app)

    # 0. Neither the browser's id nor the address is anywhere, in any form kept as text.
    for table, rows in tables.items():
        for row in rows:
            assert BROWSER not in _flat(row) and ADDRESS not in _flat(row), (table, row)
    assert not any(BROWSER in line or ADDRESS in line for line in lines)

    # 1. The rows of the anonymous comments (and their answer, photo and its bytes) point to
    # nobody and carry no identity.
    attachments = [r for r in tables["comment_attachment"] if r["comment_id"] in ids]
    related = [r for r in tables["comment"] if r["id"] in ids]
    related += [r for r in tables["comment_reply"] if r["comment_id"] in ids] + attachments
    related += [
        r
        for r in tables["attachment_blob"]
        if r["attachment_id"] in {a["id"] for a in attachments}
    ]
    assert len(related) == 2 + 1 + 1 + 1
    for row in related:
        for column in PERSON_COLUMNS:
            assert row.get(column) != person.id, (column, row)
        assert not any(identity in _flat(row) for identity in identities), row

    # 2. No row that names the web person mentions the anonymous comments.
    for table, rows in tables.items():
        for row in rows:
            flat = _flat(row)
            if any(identity in flat for identity in identities) or (
                table != "person" and any(row.get(c) == person.id for c in PERSON_COLUMNS)
            ):
                for receipt, words in anonymous.items():
                    assert receipt not in flat and words not in flat, (table, row)

    # 3. SQLite's own dump, line by line.
    for line in lines:
        if any(identity in line for identity in identities):
            assert not any(r in line or w in line for r, w in anonymous.items())

    # 4. No time kept beside the person or the address points at a comment's second: the
    # person's first contact is a day, an attempt is an hour (all of that hour's alike).
    moments = {r["created_at"] for r in tables["comment"]}
    for row in tables["person"]:
        if person.external_id in _flat(row):
            assert row["created_at"] not in moments, row
    attempts = tables["web_attempt"]
    assert len(attempts) == 3
    for row in attempts:
        assert row["attempted_at"] not in moments, row
    first_hour = [
        r["source_key"] for r in attempts if r["attempted_at"] == attempts[0]["attempted_at"]
    ]
    assert len(first_hour) == len(set(first_hour)) == 2, "no two rows alike (next test)"
    assert attempts[2]["source_key"] not in first_hour, "the next hour cannot be followed"

    # The named comment keeps its author, and nothing above was vacuous.
    assert rows_of[named.id].person_id == person.id and rows_of[named.id].author_key is None
    assert all(rows_of[i].person_id is None and rows_of[i].author_key for i in ids)
    assert not lines or any(answered.receipt in line for line in lines)

    # 5. Logs at INFO carry neither the browser, the address nor the person's key.
    for record in caplog.records:
        message = record.getMessage()
        assert not any(identity in message for identity in identities), message


async def test_a_dump_does_not_tell_which_web_comments_came_from_one_network(app: BotApp) -> None:
    """The attempts are kept in the order of the comments (their ids, the table's own order):
    rows sharing a key said which comments of the hour came from one network, so which
    anonymous comment the author of a named one likely sent. No two rows are alike now."""
    await _web(app, "Ý kiến có tên", "browser-of-cuong", name="Lê Minh Cường")
    await _web(app, "Từ mạng khác", "browser-elsewhere", 1, address="198.51.100.9")
    await _web(app, SECRET_TEXT, "browser-of-cuong", 2)
    await _web(app, "Ý kiến thứ tư", "browser-of-cuong", 3, name="Lê Minh Cường")
    tables, _lines = await _dump(app)
    keys = [row["source_key"] for row in tables["web_attempt"]]
    assert len(keys) == 4 and len(set(keys)) == 4, keys
