"""Grouping computes for seconds on a large section: on SQLite it must not hold the write lock
meanwhile, or a citizen's comment waits (and fails past the busy timeout). Probed by another
connection asking for the lock, without waiting, while the engine runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest

import storage.themes
from bot.themes import Doc, Found, discover
from handlers.themes import ThemesView
from scheduler.themes import update_themes
from storage.database import create_engine, create_session_factory
from storage.models import RoleKind
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.flow.test_themes import HA, grouped_overnight
from tests.outreach import join_as
from tests.seed import seed_ward
from tests.themes_seed import GROUPS, Writer

MORNING = at("2025-11-10 03:00")  # past the nightly grouping's hour


def probe(path: str, locked: list[bool]) -> Any:
    """``discover`` that first notes whether another connection could take the write lock."""

    def probed(docs: Sequence[Doc], **kwargs: Any) -> list[Found]:
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            locked.append(False)
        except sqlite3.OperationalError:
            locked.append(True)
        finally:
            other.close()
        return discover(docs, **kwargs)

    return probed


async def test_the_nightly_grouping_does_not_hold_the_write_lock_while_computing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sqlite_url.removeprefix("sqlite+aiosqlite:///")
    locked: list[bool] = []
    monkeypatch.setattr(storage.themes, "discover", probe(path, locked))
    engine = create_engine(sqlite_url)
    try:
        async with create_session_factory(engine)() as session:
            writer = Writer(await seed_ward(session))
            await writer.add_groups(session)
            second = Writer(writer.seed)
            second.count = 1000
            section = writer.seed.sections[1]
            for texts in GROUPS.values():
                for text in texts:
                    comment = await second.add(session, text)
                    comment.section_id = section.id
                    session.add(comment)
            await session.commit()
            done = await update_themes(session=session, now=MORNING)
        assert done.regrouped == 2 and len(locked) == 2
        assert locked == [False, False], "the second section was computed under the lock"
    finally:
        await engine.dispose()


async def test_an_official_adding_a_group_does_not_hold_the_write_lock_while_computing(
    app: BotApp, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    writer = await grouped_overnight(app)
    locked: list[bool] = []
    path = database_url.removeprefix("sqlite+aiosqlite:///")
    monkeypatch.setattr(storage.themes, "discover", probe(path, locked))
    ha = app.chat(HA)
    await ha.press_data(
        ThemesView(
            campaign_id=writer.scope.campaign_id,
            document_id=writer.scope.document_id or 0,
            section_id=writer.scope.section_id or 0,
        ).pack()
    )
    await ha.press("Thêm nhóm")
    await ha.say("Giao thông công cộng")
    assert "Đã thêm nhóm" in texts(await ha.say("xe buýt điện, tuyến xe buýt"))
    assert locked == [False], "the section was grouped again under the lock"
