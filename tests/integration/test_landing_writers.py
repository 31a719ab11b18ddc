"""The web form beside the process's other writers, on SQLite and PostgreSQL: its photos are
decoded before it queues for the SQLite writer lock (chat updates do not wait on a decode), and
the same browser's posts sent at once are taken one after the other (one comment, the limits
kept)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import select

from bot.config import CommentSettings
from scheduler.clock import FrozenClock
from storage.models import Comment
from storage.web_photos import CleanPhoto, clean_photo
from tests.integration.test_landing import JPEG
from tests.web_pages import serve_pages


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_photos_are_decoded_before_the_sqlite_writer_lock_is_taken(
    database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phone's photo takes tenths of a second to decode, three of them more: every chat
    update of the process queues for its final write behind whoever holds the lock."""
    decoding, decoded = threading.Event(), threading.Event()

    def slow_decode(data: bytes, *, max_bytes: int) -> CleanPhoto:
        decoding.set()
        assert decoded.wait(30), "the test never let the decode finish"
        return clean_photo(data, max_bytes=max_bytes)

    monkeypatch.setattr("storage.web_comments.clean_photo", slow_decode)
    async with serve_pages(database_url, clock) as pages:
        db = pages.runtime.db
        assert db.dialect == "sqlite", "SQLite: the process queues its writers"
        code = pages.codes.section
        token = await pages.csrf(code)
        sending = asyncio.create_task(
            pages.send(
                code, "Ảnh ổ gà trước số nhà 12.", csrf=token, photos=[("image/jpeg", JPEG)]
            )
        )
        try:
            assert await asyncio.to_thread(decoding.wait, 30), "the photo was never decoded"
            held = db.writing_now
        finally:
            decoded.set()
            status, _location, _html = await sending
        async with pages.runtime.db.sessions() as session:
            stored = (await session.execute(select(Comment))).scalars().all()
    assert status == 303 and len(stored) == 1
    assert not held, "a chat update would have waited for the photo to decode"


async def test_the_same_comment_sent_twice_at_once_is_stored_once(
    database_url: str, clock: FrozenClock
) -> None:
    """A double tap on «Gửi góp ý», or a phone sending again on a slow network: both posts
    arrive together, and both lead to the one receipt."""
    async with serve_pages(database_url, clock) as pages:
        code = pages.codes.section
        token = await pages.csrf(code)
        sent = await asyncio.gather(
            *(pages.send(code, "Gửi một lần, bấm hai lần.", csrf=token) for _ in range(3))
        )
        async with pages.runtime.db.sessions() as session:
            stored = (await session.execute(select(Comment))).scalars().all()
    assert [status for status, _location, _html in sent] == [303] * 3
    assert len({location for _status, location, _html in sent}) == 1
    assert len(stored) == 1


async def test_posts_sent_at_once_count_against_the_hourly_limit(
    database_url: str, clock: FrozenClock
) -> None:
    """A program posting many comments at once from one browser gets no more through than
    one posting them one by one."""
    async with serve_pages(
        database_url, clock, comments=CommentSettings(per_hour=2, web_photo_bytes=1 << 16)
    ) as pages:
        code = pages.codes.section
        token = await pages.csrf(code)
        sent = await asyncio.gather(
            *(pages.send(code, f"Ý kiến số {n}.", csrf=token) for n in range(6))
        )
        async with pages.runtime.db.sessions() as session:
            stored = (await session.execute(select(Comment))).scalars().all()
    assert sorted(status for status, _location, _html in sent) == [303, 303, 429, 429, 429, 429]
    assert len(stored) == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_photos_of_forms_sent_at_once_are_decoded_two_at_a_time(
    database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decode holds up to ~180 MB for a second: forms posted at once each had theirs, as
    many at once as the thread pool has threads. Each decode here waits a second for a third
    to start beside it; none may."""
    guard = threading.Lock()
    third = threading.Event()
    active = [0]
    most = [0]

    def watched_decode(data: bytes, *, max_bytes: int) -> CleanPhoto:
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
            if active[0] > 2:
                third.set()
        try:
            third.wait(1.0)
            return clean_photo(data, max_bytes=max_bytes)
        finally:
            with guard:
                active[0] -= 1

    monkeypatch.setattr("storage.web_comments.clean_photo", watched_decode)
    async with serve_pages(database_url, clock) as pages:
        code = pages.codes.section
        token = await pages.csrf(code)
        sent = await asyncio.gather(
            *(
                pages.send(code, f"Ảnh số {n}.", csrf=token, photos=[("image/jpeg", JPEG)])
                for n in range(4)
            )
        )
    assert [status for status, _location, _html in sent] == [303] * 4
    assert most[0] == 2, most
