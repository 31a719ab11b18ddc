"""Web comments on SQLite and PostgreSQL: the chat's comment with the web form's checks, and
what a receipt page reads."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.config import Settings
from storage.comments import (
    CommentLimits,
    Identity,
    Moderation,
    Outcome,
    Submitted,
    add_reply,
    moderate,
    submit_comment,
)
from storage.entries import Target
from storage.forms import MAX_TEXT
from storage.models import (
    AttachmentBlob,
    AuthorCategory,
    Comment,
    CommentAttachment,
    CommentMedium,
    CommentStatus,
    Person,
    Stance,
    WebAttempt,
)
from storage.people import get_or_create_person
from storage.web_comments import (
    WEB,
    Photo,
    Problem,
    WebLimits,
    WebOutcome,
    photo_of,
    receipt_view,
    wards_to_choose,
)
from tests.chat import at
from tests.integration.web_world import NOW, OPINION, World, build_world, jpeg, send
from tests.seed import TEST_KEY


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)


async def chat_comment(
    session: AsyncSession, target: Target, text: str, phone: str | None = None
) -> Submitted:
    """A comment sent in the chat (on Telegram), signed with ``phone`` if given."""
    person = await get_or_create_person(
        session=session, channel="telegram", external_id="7299", full_name="An", now=NOW
    )
    identity = Identity(anonymous=False, name="An", phone=phone) if phone else Identity()
    return await submit_comment(
        session=session,
        target=target,
        person=person,
        key=TEST_KEY,
        text=text,
        attachments=[],
        identity=identity,
        channel="telegram",
        now=NOW,
        limits=CommentLimits(),
    )


async def _count(session: AsyncSession, table: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_first_comment_makes_a_web_person_and_is_the_chats_comment(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session, "Ba Đình")
    done = await send(
        session,
        entry,
        unicodedata.normalize("NFD", "  Đề nghị làm rõ  "),  # accents sent apart: NFC
        photos=[jpeg()],
        stance=Stance.PARTLY,
        category=AuthorCategory.WORKER,
    )
    assert done.outcome is WebOutcome.NEW and done.comment is not None
    comment = done.comment
    assert comment.text == "Đề nghị làm rõ" and comment.receipt.startswith("YK-")
    person = (await session.execute(select(Person).where(Person.channel == WEB))).scalar_one()
    assert person.external_id == TEST_KEY.browser_key("browser-1") != "browser-1"
    assert person.created_at == datetime(2025, 11, 10, tzinfo=UTC), "to the day"
    assert comment.anonymous and comment.person_id is None and comment.phone is None
    assert comment.author_key == TEST_KEY.author_key(
        campaign_id=world.campaign.id or 0, person_id=person.id or 0
    )
    assert comment.channel == WEB and comment.medium is CommentMedium.WEB
    assert comment.unit_id == world.wards["Ba Đình"].id, "the poster's ward"
    assert comment.stance is Stance.PARTLY and comment.category is AuthorCategory.WORKER

    (attachment,) = (await session.execute(select(CommentAttachment))).scalars().all()
    assert attachment.kind == "photo" and attachment.file_id.startswith("web:")
    assert attachment.id is not None
    photo = await photo_of(session=session, attachment_id=attachment.id)
    assert photo is not None and photo.content_type == "image/jpeg"
    assert b"PhoneMaker" not in photo.data, "metadata stripped"
    assert Image.open(io.BytesIO(photo.data)).size == (320, 240)


async def test_a_named_comment_keeps_the_name_and_the_phone(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session, city=False)
    done = await send(session, entry, name="  Lê   Minh Cường ", phone="+84 912.345.678")
    assert done.outcome is WebOutcome.NEW and done.comment is not None
    comment = done.comment
    assert not comment.anonymous and comment.author_key is None
    assert comment.author_name == "Lê Minh Cường" and comment.phone == "+84912345678"
    assert comment.person_id is not None
    no_phone = await send(session, entry, "Một ý khác", name="Lê Minh Cường")
    assert no_phone.outcome is WebOutcome.NEW and no_phone.comment is not None
    assert no_phone.comment.phone is None, "the phone is optional with a name, as in the chat"
    assert no_phone.comment.person_id == comment.person_id, "the same browser, one person"


async def test_a_photo_alone_is_a_comment_and_an_empty_file_field_no_photo(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session)
    done = await send(
        session, entry, "   ", photos=[jpeg(), Photo("application/octet-stream", b"")]
    )
    assert done.outcome is WebOutcome.NEW and done.comment is not None
    assert done.comment.text == ""
    assert await _count(session, CommentAttachment) == 1
    empty = await send(session, entry, " ", photos=[Photo("image/jpeg", b"")])
    assert empty.outcome is WebOutcome.INVALID and empty.problem == Problem.EMPTY


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"text": " \n\t "}, Problem.EMPTY),
        ({"text": "x" * (MAX_TEXT + 1)}, Problem.TOO_LONG),
        ({"name": "12345"}, Problem.NAME),
        ({"name": "A" * 101}, Problem.NAME),
        ({"name": "An", "phone": "12345"}, Problem.PHONE),
        ({"phone": "0912 345 678"}, Problem.PHONE_WITHOUT_NAME),
        ({"photos": [jpeg()] * 4}, Problem.TOO_MANY_PHOTOS),
        ({"photos": [Photo("image/jpeg", b"\xff\xd8" + b"x" * 2000)]}, Problem.PHOTO_TOO_BIG),
        ({"photos": [Photo("image/jpeg", b"GIF89a not a jpeg")]}, Problem.NOT_A_PHOTO),
        ({"unit_id": "cell"}, Problem.PLACE),
        ({"unit_id": 10_000}, Problem.PLACE),
        ({"browser": " "}, Problem.NO_COOKIE),
        ({"browser": "b" * 129}, Problem.NO_COOKIE),
    ],
)
async def test_what_is_wrong_is_invalid_and_nothing_is_written(
    session: AsyncSession, world: World, form: dict[str, Any], problem: str
) -> None:
    if form.get("unit_id") == "cell":
        form["unit_id"] = world.cells[0].id  # below a ward: not a place the form offers
    limits = WebLimits(photo_bytes=1000 if problem == Problem.PHOTO_TOO_BIG else 5 << 20)
    done = await send(
        session, await world.entry(session), **{"text": OPINION, **form}, limits=limits
    )
    assert done.outcome is WebOutcome.INVALID and done.problem == problem
    assert done.comment is None
    for table in (Person, Comment, CommentAttachment, AttachmentBlob, WebAttempt):
        assert await _count(session, table) == 0, table


async def test_a_closed_campaign_takes_nothing(session: AsyncSession, world: World) -> None:
    entry = await world.entry(session)
    for moment, outcome in (
        (at("2025-10-14 23:59"), WebOutcome.NOT_YET_OPEN),
        (at("2025-12-31 17:01"), WebOutcome.CLOSED),
    ):
        done = await send(session, entry, now=moment)
        assert done.outcome is outcome
    assert await _count(session, Person) == 0


async def test_where_it_counts(session: AsyncSession, world: World) -> None:
    wide = await world.entry(session)
    chosen = await send(session, wide, "Ở Ngọc Khánh", unit_id=world.wards["Ngọc Khánh"].id)
    unknown = await send(session, wide, "Không rõ nơi")
    own = await send(session, wide, "Chọn cả thành phố", unit_id=world.city.id)
    poster = await send(
        session,
        await world.entry(session, "Hoàn Kiếm"),
        "Tờ áp phích của Hoàn Kiếm",
        unit_id=world.wards["Ba Đình"].id,  # the poster says the place; a stray choice is ignored
    )
    placed = [d.comment.unit_id if d.comment else None for d in (chosen, unknown, own, poster)]
    assert placed == [
        world.wards["Ngọc Khánh"].id,
        world.city.id,
        world.city.id,
        world.wards["Hoàn Kiếm"].id,
    ]


async def test_the_wards_a_campaign_wide_poster_offers(
    session: AsyncSession, world: World
) -> None:
    wide = await wards_to_choose(session=session, entry=await world.entry(session))
    assert [u.place for u in wide] == ["Ba Đình", "Hoàn Kiếm", "Ngọc Hà", "Ngọc Khánh"]
    assert (
        await wards_to_choose(session=session, entry=await world.entry(session, "Ba Đình")) == []
    )
    ward_own = await world.entry(session, city=False)
    assert await wards_to_choose(session=session, entry=ward_own) == [], "no wards below"
    assert await _count(session, Person) == 0, "reading a page makes nobody"


async def test_the_same_words_again_are_the_same_comment(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session)
    first = await send(session, entry, "Ý kiến về giao thông", photos=[jpeg()])
    assert first.outcome is WebOutcome.NEW and first.comment is not None
    again = await send(
        session, entry, "ý kiến  về GIAO thông", photos=[jpeg()], now=NOW + timedelta(minutes=9)
    )
    assert again.outcome is WebOutcome.DUPLICATE and again.comment is not None
    assert again.comment.receipt == first.comment.receipt, "the earlier receipt"
    other_photo = await send(
        session,
        entry,
        "Ý kiến về giao thông",
        photos=[jpeg("red")],
        now=NOW + timedelta(minutes=9),
    )
    assert other_photo.outcome is WebOutcome.NEW, "another photo: another comment"
    other_browser = await send(
        session, entry, "Ý kiến về giao thông", photos=[jpeg()], browser="browser-2"
    )
    assert other_browser.outcome is WebOutcome.NEW, "someone else's words"
    later = await send(
        session, entry, "Ý kiến về giao thông", photos=[jpeg()], now=NOW + timedelta(minutes=11)
    )
    assert later.outcome is WebOutcome.NEW, "after the window: a new comment"
    assert await _count(session, Comment) == 4
    assert await _count(session, WebAttempt) == 4, "one attempt per new comment"


async def test_ten_an_hour_per_browser_as_in_the_chat(session: AsyncSession, world: World) -> None:
    entry = await world.entry(session)
    limits = WebLimits(per_hour=3)
    for n in range(3):
        done = await send(
            session, entry, f"Ý {n}", now=NOW + timedelta(minutes=10 * n), limits=limits
        )
        assert done.outcome is WebOutcome.NEW
    refused = await send(session, entry, "Ý 3", now=NOW + timedelta(minutes=30), limits=limits)
    assert refused.outcome is WebOutcome.RATE_LIMITED and refused.retry_at == NOW + timedelta(
        hours=1
    )
    assert (
        await send(session, entry, "Ý 3", now=NOW + timedelta(minutes=60), limits=limits)
    ).outcome is WebOutcome.NEW


async def test_the_limit_per_address_counts_a_clock_hour(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session)
    limits = WebLimits(per_address_hour=2)
    start = at("2025-11-10 09:20")
    for n in range(2):
        done = await send(session, entry, "Ý kiến", browser=f"b{n}", now=start, limits=limits)
        assert done.outcome is WebOutcome.NEW
    refused = await send(session, entry, "Ý kiến", browser="b2", now=start, limits=limits)
    assert refused.outcome is WebOutcome.ADDRESS_LIMITED
    assert refused.retry_at == at("2025-11-10 10:00")
    twice = await send(session, entry, "Ý kiến", browser="b0", now=start, limits=limits)
    assert twice.outcome is WebOutcome.DUPLICATE, "a re-sent comment still finds its receipt"
    elsewhere = await send(
        session, entry, "Ý kiến", browser="b2", address="198.51.100.1", now=start, limits=limits
    )
    assert elsewhere.outcome is WebOutcome.NEW
    next_hour = await send(
        session, entry, "Ý kiến", browser="b3", now=at("2025-11-10 10:00"), limits=limits
    )
    assert next_hour.outcome is WebOutcome.NEW
    assert await _count(session, Person) == 4, "b0, b1, b2 and b3: no person for a refusal"


async def test_the_limit_per_phone_counts_every_spelling_and_the_chat(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session)
    limits = WebLimits(per_hour=3, per_address_hour=100)
    chat = await chat_comment(session, entry.target, "Qua Telegram", phone="+84912345678")
    assert chat.outcome is Outcome.NEW
    spellings = ["0912 345 678", "+84 912.345.678"]
    for n, phone in enumerate(spellings):
        done = await send(
            session,
            entry,
            f"Ý {n}",
            browser=f"b{n}",
            name="An",
            phone=phone,
            now=NOW + timedelta(minutes=n + 1),
            limits=limits,
        )
        assert done.outcome is WebOutcome.NEW
    refused = await send(
        session,
        entry,
        "Ý 3",
        browser="b3",
        name="An",
        phone="0912345678",
        now=NOW + timedelta(minutes=5),
        limits=limits,
    )
    assert refused.outcome is WebOutcome.PHONE_LIMITED
    assert refused.retry_at == NOW + timedelta(hours=1)
    other = await send(
        session,
        entry,
        "Ý 3",
        browser="b3",
        name="An",
        phone="0987654321",
        now=NOW + timedelta(minutes=5),
        limits=limits,
    )
    assert other.outcome is WebOutcome.NEW


async def test_attempts_are_hours_and_forgotten_after_a_day(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session)
    first = await send(session, entry, "Sáng nay", now=at("2025-11-10 09:37"))
    assert first.comment is not None
    (attempt,) = (await session.execute(select(WebAttempt))).scalars().all()
    assert attempt.attempted_at == at("2025-11-10 09:00"), "the hour, not the second"
    assert attempt.attempted_at != first.comment.created_at
    assert attempt.source_key != TEST_KEY.address_key(
        address="203.0.113.7", hour=at("2025-11-10 10:00")
    ), "another hour, another key: the address cannot be followed"
    await send(session, entry, "Chiều nay", now=at("2025-11-10 15:00"))
    await send(session, entry, "Hôm sau", now=at("2025-11-11 10:05"))
    kept = (await session.execute(select(WebAttempt.attempted_at))).scalars().all()
    assert sorted(kept) == [at("2025-11-10 15:00"), at("2025-11-11 10:00")]


async def test_the_receipt_page_reads_status_and_answers_never_the_sender(
    session: AsyncSession, world: World
) -> None:
    entry = await world.entry(session, "Ba Đình")
    done = await send(session, entry, name="Lê Minh Cường", phone="0912345678", photos=[jpeg()])
    assert done.comment is not None
    comment = done.comment
    official = (
        await session.execute(select(Person).where(Person.channel == WEB))
    ).scalar_one()  # any person will do as the answering official here
    ward = world.wards["Ba Đình"]
    await add_reply(
        session=session,
        comment=comment,
        official=official,
        unit=ward,
        text="Cảm ơn bạn.",
        now=NOW + timedelta(hours=2),
    )
    view = await receipt_view(session=session, entry=entry, receipt=comment.receipt.lower())
    assert view is not None
    assert view.receipt == comment.receipt and view.status is CommentStatus.RECEIVED
    assert view.text == OPINION and view.photos == 1 and view.created_at == NOW
    assert view.target.campaign.id == world.campaign.id
    assert view.target.document is not None and view.target.document.id == world.document.id
    assert [(r.text, r.unit_name, r.at) for r in view.replies] == [
        ("Cảm ơn bạn.", ward.name, NOW + timedelta(hours=2))
    ]
    assert not hasattr(view, "author_name") and "Cường" not in repr(view)
    assert "912345678" not in repr(view)

    await moderate(session=session, comment=comment, action=Moderation.SPAM, by=official, now=NOW)
    spam = await receipt_view(session=session, entry=entry, receipt=comment.receipt)
    assert spam is not None and spam.status is CommentStatus.RECEIVED, "moderation is not told"

    ward_entry = await world.entry(session, city=False)
    assert await receipt_view(session=session, entry=ward_entry, receipt=comment.receipt) is None
    assert await receipt_view(session=session, entry=entry, receipt="YK-222222") is None
    assert await receipt_view(session=session, entry=entry, receipt="<script>") is None

    chat = await chat_comment(session, ward_entry.target, "Qua Telegram")
    assert chat.comment is not None
    chat.comment.status = CommentStatus.WITHDRAWN
    await session.flush()
    viewed = await receipt_view(session=session, entry=ward_entry, receipt=chat.comment.receipt)
    assert viewed is not None and viewed.status is CommentStatus.WITHDRAWN, "any medium"
    assert viewed.photos == 0 and viewed.replies == []


async def test_photo_of_a_chat_photo_is_none(session: AsyncSession, world: World) -> None:
    assert await photo_of(session=session, attachment_id=12345) is None


def test_limits_come_from_the_settings() -> None:
    settings = Settings(secret_key=SecretStr("x" * 40))
    settings.comments.per_hour, settings.comments.duplicate_minutes = 7, 3
    settings.comments.per_address_hour, settings.comments.web_photos = 20, 2
    settings.comments.web_photo_bytes = 1 << 20
    assert WebLimits.from_settings(settings) == WebLimits(
        per_hour=7,
        duplicate_window=timedelta(minutes=3),
        per_address_hour=20,
        photos=2,
        photo_bytes=1 << 20,
    )
