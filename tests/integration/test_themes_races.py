"""Groups of opinions under pressure, on SQLite and PostgreSQL: the scheduler's job in two
processes at once (``gopy run`` and ``gopy scheduler``) groups a section once; what an official
hid never names a group."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select as sa_select
from sqlmodel import col

from scheduler.themes import update_themes
from storage.database import create_engine, create_session_factory
from storage.models import Comment, CommentStatus
from storage.themes import live_themes, regroup
from tests.chat import at
from tests.seed import seed_ward
from tests.themes_seed import NOW, Writer

MORNING = at("2025-11-10 03:00")  # past the nightly grouping's hour


async def test_two_schedulers_at_once_group_a_section_once(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            writer = Writer(await seed_ward(session))
            await writer.add_groups(session)
            await session.commit()

        async def job() -> None:
            async with sessions() as session:
                await update_themes(session=session, now=MORNING)

        await asyncio.gather(job(), job())
        async with sessions() as session:
            live = await live_themes(session=session, scope=writer.scope)
            used = Counter(
                (
                    await session.execute(
                        sa_select(col(Comment.theme_id)).where(
                            col(Comment.campaign_id) == writer.scope.campaign_id
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert live, "grouped"
        empty = [t.label for t in live if used[t.id] == 0]
        assert empty == [], f"a second run's themes duplicate the first's: {empty}"
    finally:
        await engine.dispose()


async def test_hidden_comments_never_name_a_group(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            writer = Writer(await seed_ward(session))
            await writer.add_groups(session)
            for n in range(4):
                await writer.add(
                    session,
                    f"Ông Trần Văn Khoát ở tổ {n} nhận hối lộ, đánh vợ",
                    status=CommentStatus.HIDDEN,
                )
            await regroup(session=session, scope=writer.scope, now=NOW)
            labels = [t.label for t in await live_themes(session=session, scope=writer.scope)]
        named = [label for label in labels if any(w in label for w in ("Khoát", "hối lộ", "vợ"))]
        assert named == [], f"a group named from hidden comments: {named}"
    finally:
        await engine.dispose()
