"""Comments counted per place on SQLite and PostgreSQL: a ward's comments count for it and the
city, never for another ward; per unit below, stance, category, medium; a period; and (a
Hypothesis property) the roll-up per unit below always adds up to the unit's total."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

import storage.comment_counts
from storage.comment_counts import comment_counts, place_counts
from storage.comments import (
    CommentLimits,
    Details,
    Identity,
    Moderation,
    export_views,
    latest_comments,
    moderate,
    submit_comment,
)
from storage.database import create_engine, create_session_factory
from storage.entries import Target
from storage.models import (
    AuthorCategory,
    Campaign,
    Comment,
    CommentMedium,
    CommentStatus,
    Person,
    Stance,
    Unit,
    UnitLevel,
)
from storage.people import get_or_create_person
from tests.chat import at
from tests.seed import TEST_KEY, Seed, seed_ward

NOW = at("2025-11-10 09:00")


@dataclass
class City:
    seed: Seed
    city: Unit
    kimma: Unit
    kimma_cell: Unit
    person: Person


async def city_campaign(session: AsyncSession) -> City:
    """Ngọc Hà (two cells) and Kim Mã (one cell) under the city, which runs the campaign."""
    seed = await seed_ward(session)
    city = await session.get(Unit, seed.ward.parent_id)
    assert city is not None and city.id is not None
    kimma = Unit(code="KIMMA", name="Đảng ủy phường Kim Mã", level=UnitLevel.WARD)
    kimma.parent_id = city.id
    session.add(kimma)
    await session.flush()
    cell = Unit(code="KIMMA-CB01", name="Chi bộ Kim Mã 1", level=UnitLevel.CELL)
    cell.parent_id = kimma.id
    session.add(cell)
    seed.campaign.unit_id = city.id
    session.add(seed.campaign)
    person = await get_or_create_person(
        session=session, channel="telegram", external_id="9", full_name="An", now=NOW
    )
    await session.flush()
    return City(seed, city, kimma, cell, person)


async def comment(
    session: AsyncSession,
    world: City,
    unit: Unit | None,
    minutes: float = 0,
    *,
    stance: Stance | None = None,
    category: AuthorCategory | None = None,
    medium: CommentMedium = CommentMedium.CHAT,
    section: bool = True,
) -> Comment:
    target = Target(
        world.seed.campaign, world.seed.documents[0], world.seed.sections[0] if section else None
    )
    done = await submit_comment(
        session=session,
        target=target,
        person=world.person,
        key=TEST_KEY,
        text=f"ý kiến {minutes}",
        attachments=[],
        identity=Identity(),
        channel="telegram",
        now=NOW + timedelta(minutes=minutes),
        limits=CommentLimits(per_hour=1000),
        details=Details(
            unit_id=unit.id if unit is not None else None,
            stance=stance,
            category=category,
            medium=medium,
        ),
    )
    assert done.comment is not None
    return done.comment


async def test_a_wards_comments_count_for_it_and_the_city_not_another_ward(
    session: AsyncSession,
) -> None:
    world = await city_campaign(session)
    ngocha, cells = world.seed.ward, world.seed.cells
    await comment(session, world, cells[0], 0, stance=Stance.AGREE, category=AuthorCategory.WORKER)
    await comment(session, world, cells[1], 1, stance=Stance.PARTLY, medium=CommentMedium.LETTER)
    await comment(session, world, ngocha, 2, medium=CommentMedium.MEETING, section=False)
    await comment(session, world, world.kimma_cell, 3, stance=Stance.DISAGREE)
    await comment(session, world, None, 4)  # the place is not known: the city's own
    withdrawn = await comment(session, world, cells[0], 5)
    withdrawn.status = CommentStatus.WITHDRAWN
    spam = await comment(session, world, cells[0], 6)
    hidden = await comment(session, world, cells[1], 7, stance=Stance.AGREE)
    for each, action in ((spam, Moderation.SPAM), (hidden, Moderation.HIDE)):
        await moderate(session=session, comment=each, action=action, by=world.person, now=NOW)
    session.add(withdrawn)
    await session.flush()
    campaign = world.seed.campaign

    ward = await place_counts(session=session, campaign=campaign, unit=ngocha)
    assert (ward.total, ward.hidden, ward.own) == (4, 1, 1)
    assert [(p.name, p.total) for p in ward.children] == [
        ("Chi bộ Tổ dân phố số 1", 1),
        ("Chi bộ Tổ dân phố số 2", 2),
    ]
    assert ward.by_stance == {Stance.AGREE: 2, Stance.PARTLY: 1}
    assert ward.by_category == {AuthorCategory.WORKER: 1}
    assert ward.by_medium == {
        CommentMedium.CHAT: 2,
        CommentMedium.LETTER: 1,
        CommentMedium.MEETING: 1,
    }
    assert ward.children[1].by_medium == {CommentMedium.LETTER: 1, CommentMedium.CHAT: 1}

    other = await place_counts(session=session, campaign=campaign, unit=world.kimma)
    assert (other.total, other.by_stance) == (1, {Stance.DISAGREE: 1})

    city = await place_counts(session=session, campaign=campaign, unit=world.city)
    assert (city.total, city.own) == (6, 1)
    assert [(p.name, p.total) for p in city.children] == [
        ("Đảng ủy phường Kim Mã", 1),
        ("Đảng ủy phường Ngọc Hà", 4),
    ]

    week = await place_counts(
        session=session,
        campaign=campaign,
        unit=ngocha,
        since=NOW + timedelta(minutes=1),
        until=NOW + timedelta(minutes=2),
    )
    assert (week.total, week.own) == (2, 1)

    whole = await comment_counts(session=session, campaign=campaign, unit=world.city)
    part = await comment_counts(session=session, campaign=campaign, unit=ngocha)
    document, section = world.seed.documents[0].id, world.seed.sections[0].id
    assert {(t.document_id, t.section_id): (t.shown, t.hidden) for t in whole} == {
        (document, section): (4, 1),
        (document, None): (1, 0),
    }
    assert {(t.document_id, t.section_id): (t.shown, t.hidden) for t in part} == {
        (document, section): (2, 1),
        (document, None): (1, 0),
    }
    assert whole == await comment_counts(session=session, campaign=campaign)

    kimma_id = world.kimma.id
    latest = await latest_comments(session=session, campaign=campaign, within=kimma_id, limit=9)
    assert [v.comment.text for v in latest] == ["ý kiến 3"]
    exported = [v async for v in export_views(session=session, campaign=campaign, within=kimma_id)]
    assert [(v.comment.text, v.place) for v in exported] == [("ý kiến 3", "Chi bộ Kim Mã 1")]


# --- the roll-up always adds up -----------------------------------------------------------------

# A tree as parent indexes: unit n's parent is an earlier unit (0 is the campaign's city).
trees = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.tuples(*(st.integers(min_value=0, max_value=i) for i in range(n)))
)
placed = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12),
        st.sampled_from(list(CommentStatus)),
        st.none() | st.sampled_from(list(Stance)),
    ),
    max_size=30,
)


async def _check_roll_up(
    url: str, parents: tuple[int, ...], comments: list[Any], root: int
) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            campaign = (await session.execute(select(Campaign))).scalars().first()
            owner = await session.get(Unit, campaign.unit_id) if campaign else None
            assert campaign is not None and campaign.id is not None and owner is not None
            units = [owner]
            for number, parent in enumerate(parents):
                unit = Unit(code=f"P{number}", name=f"P{number}", level=UnitLevel.CELL)
                unit.parent_id = units[parent].id
                session.add(unit)
                await session.flush()
                units.append(unit)
            for number, (where, status, stance) in enumerate(comments):
                session.add(
                    Comment(
                        receipt=f"YK-P{number:05d}",
                        campaign_id=campaign.id,
                        fingerprint="x",
                        created_at=NOW,
                        status=status,
                        stance=stance,
                        unit_id=units[where % len(units)].id,
                    )
                )
            await session.flush()
            top = units[root % len(units)]
            counts = await place_counts(session=session, campaign=campaign, unit=top)
            # A part of the campaign read as a whole (too many units for ``unit_id IN``): the
            # rows of units outside it are left out in Python, with the same counts.
            with patch.object(storage.comment_counts, "MAX_IDS", 0):
                whole = await place_counts(session=session, campaign=campaign, unit=top)
            assert whole == counts
            inside = {top.id}
            for unit in units[1:]:
                if unit.parent_id in inside:
                    inside.add(unit.id)
            expected = [
                c
                for c in comments
                if units[c[0] % len(units)].id in inside
                and c[1] in (CommentStatus.RECEIVED, CommentStatus.HIDDEN)
            ]
            assert counts.total == len(expected)
            assert counts.own + sum(p.total for p in counts.children) == counts.total
            assert sum(counts.by_medium.values()) == counts.total
            assert sum(counts.by_stance.values()) == len([c for c in expected if c[2]])
            await session.rollback()
    finally:
        await engine.dispose()


async def test_the_roll_up_per_unit_below_adds_up_to_the_total(session: AsyncSession) -> None:
    seed = await seed_ward(session)
    await session.commit()
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    del seed

    @given(trees, placed, st.integers(min_value=0, max_value=12))
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def roll_up(parents: tuple[int, ...], comments: list[Any], root: int) -> None:
        asyncio.run(_check_roll_up(url, parents, comments, root))

    await asyncio.to_thread(roll_up)
