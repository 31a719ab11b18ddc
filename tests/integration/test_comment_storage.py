"""Comment storage on SQLite and PostgreSQL: limits, duplicates, moderation, export order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.comment_counts import comment_counts
from storage.comments import (
    Attachment,
    CommentLimits,
    Identity,
    Moderation,
    Outcome,
    export_views,
    latest_comments,
    moderate,
    rate_limited_until,
    submit_comment,
)
from storage.entries import Target, entry_for, resolve_entry
from storage.models import Person
from storage.people import get_or_create_person
from tests.chat import at
from tests.seed import TEST_KEY, Seed, seed_ward

NOW = at("2025-11-10 09:00")


async def setup(session: AsyncSession) -> tuple[Seed, Person]:
    seed = await seed_ward(session)
    person = await get_or_create_person(
        session=session, channel="telegram", external_id="9", full_name="An", now=NOW
    )
    return seed, person


async def send(
    session: AsyncSession, target: Target, person: Person, text: str, minutes: float = 0
) -> Outcome:
    done = await submit_comment(
        session=session,
        target=target,
        person=person,
        key=TEST_KEY,
        text=text,
        attachments=[],
        identity=Identity(anonymous=False, name="An", phone="+84912345678"),
        channel="telegram",
        now=NOW + timedelta(minutes=minutes),
        limits=CommentLimits(per_hour=3),
    )
    return done.outcome


async def test_rate_limit_is_a_rolling_hour(session: AsyncSession) -> None:
    seed, person = await setup(session)
    target = Target(seed.campaign, seed.documents[0])
    assert [await send(session, target, person, f"ý {n}", n * 10) for n in range(3)] == [
        Outcome.NEW
    ] * 3
    assert await send(session, target, person, "ý 4", 30) is Outcome.RATE_LIMITED
    limits = CommentLimits(per_hour=3)
    frees = await rate_limited_until(
        session=session,
        person=person,
        key=TEST_KEY,
        now=NOW + timedelta(minutes=30),
        limits=limits,
    )
    assert frees == NOW + timedelta(hours=1)
    assert await send(session, target, person, "ý 4", 60) is Outcome.NEW, "the first left"


async def test_duplicates_and_anonymity(session: AsyncSession) -> None:
    seed, person = await setup(session)
    target = Target(seed.campaign, seed.documents[0], seed.sections[0])
    first = await submit_comment(
        session=session,
        target=target,
        person=person,
        key=TEST_KEY,
        text="Ý kiến",
        attachments=[Attachment("photo", "f1", "u1")],
        identity=Identity(anonymous=True, name="should not be kept", phone="+84912345678"),
        channel="telegram",
        now=NOW,
        limits=CommentLimits(),
    )
    assert first.outcome is Outcome.NEW and first.comment is not None
    assert first.comment.author_name is None and first.comment.phone is None
    again = await send(session, target, person, "ý kiến", 5)
    assert again is Outcome.NEW, "no photo this time: another comment"


async def test_counts_latest_and_moderation(session: AsyncSession) -> None:
    seed, person = await setup(session)
    on_one = Target(seed.campaign, seed.documents[0], seed.sections[0])
    general = Target(seed.campaign)
    for n in range(3):
        await send(session, on_one, person, f"phần I số {n}", n * 25)
    await send(session, general, person, "chung", 75)
    views = await latest_comments(session=session, campaign=seed.campaign, limit=10)
    assert [v.comment.text for v in views] == [
        "chung",
        "phần I số 2",
        "phần I số 1",
        "phần I số 0",
    ]
    assert await moderate(
        session=session, comment=views[1].comment, action=Moderation.HIDE, by=person, now=NOW
    )
    assert await moderate(
        session=session, comment=views[2].comment, action=Moderation.SPAM, by=person, now=NOW
    )
    counts = {
        (t.document_id, t.section_id): (t.shown, t.hidden)
        for t in await comment_counts(session=session, campaign=seed.campaign)
    }
    assert counts == {(seed.documents[0].id, seed.sections[0].id): (1, 1), (None, None): (1, 0)}


async def test_export_streams_in_document_section_time_order(session: AsyncSession) -> None:
    seed, person = await setup(session)
    plan = [
        (Target(seed.campaign, seed.documents[1]), "Điều lệ"),
        (Target(seed.campaign, seed.documents[0], seed.sections[1]), "II sớm"),
        (Target(seed.campaign), "chung"),
        (Target(seed.campaign, seed.documents[0], seed.sections[0]), "I"),
        (Target(seed.campaign, seed.documents[0], seed.sections[1]), "II muộn"),
        (Target(seed.campaign, seed.documents[0]), "cả văn kiện"),
    ]
    for minute, (target, text) in enumerate(plan):
        await send(session, target, person, text, minute * 30)
    rows = [
        v.comment.text
        async for v in export_views(session=session, campaign=seed.campaign, batch=2)
    ]
    assert rows == ["chung", "cả văn kiện", "I", "II sớm", "II muộn", "Điều lệ"]


async def test_one_code_per_target(session: AsyncSession) -> None:
    seed, _person = await setup(session)
    target = Target(seed.campaign, seed.documents[0], seed.sections[1])
    first = await entry_for(session=session, target=target, now=NOW)
    second = await entry_for(session=session, target=target, now=NOW)
    other = await entry_for(session=session, target=Target(seed.campaign), now=NOW)
    assert first.code == second.code != other.code
    found = await resolve_entry(session=session, code=first.code)
    assert found is not None and found.target.section is not None
    assert found.target.section.id == seed.sections[1].id and found.unit is None
    assert await resolve_entry(session=session, code="ZZZZZ") is None


async def test_one_code_per_target_and_unit(session: AsyncSession) -> None:
    seed, _person = await setup(session)
    target = Target(seed.campaign, seed.documents[0])
    cell = seed.cells[0]
    wide = await entry_for(session=session, target=target, now=NOW)
    own = await entry_for(session=session, target=target, now=NOW, unit=seed.ward)
    printed = await entry_for(session=session, target=target, now=NOW, unit=cell)
    assert own.code == wide.code, "the campaign's own unit prints the campaign-wide code"
    assert printed.code != wide.code and printed.target == f"{wide.target}.u{cell.id}"
    again = await entry_for(session=session, target=target, now=NOW, unit=cell)
    assert again.code == printed.code
    found = await resolve_entry(session=session, code=printed.code)
    assert found is not None and found.unit is not None and found.unit.id == cell.id
    assert found.target.document is not None
    assert found.target.document.id == seed.documents[0].id
