"""The scheduler's themes job: new comments placed every few minutes, a section grouped again
once a night, or within the hour when most of its comments are in no theme."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.themes import MANY_UNTHEMED, ThemesRun, update_themes
from storage.themes import live_themes
from tests.chat import at
from tests.seed import seed_ward
from tests.themes_seed import GROUPS, Writer


async def test_placed_often_grouped_nightly_or_when_most_are_unthemed(
    session: AsyncSession,
) -> None:
    writer = Writer(await seed_ward(session))
    await writer.add_groups(session)
    await session.commit()
    night = at("2025-11-10 01:00")  # before the nightly grouping's hour
    assert await update_themes(session=session, now=night) == ThemesRun(0, 0), "too few yet"
    assert await live_themes(session=session, scope=writer.scope) == []

    more = MANY_UNTHEMED - sum(map(len, GROUPS.values()))
    for n in range(more):
        await writer.add(session, f"Trường học quá tải, lớp học đông quá số {n}")
    await session.commit()
    assert await update_themes(session=session, now=night) == ThemesRun(0, 1)
    assert await live_themes(session=session, scope=writer.scope) != []
    assert (await update_themes(session=session, now=night)).regrouped == 0, "once an hour"

    morning = at("2025-11-10 03:00")
    assert (await update_themes(session=session, now=morning)).regrouped == 1, "the night's"
    fresh = await writer.add(session, "Bồi thường giải phóng mặt bằng chưa thỏa đáng")
    await session.commit()
    later = at("2025-11-10 03:05")
    assert await update_themes(session=session, now=later) == ThemesRun(1, 0)
    await session.refresh(fresh)
    assert fresh.theme_id is not None
