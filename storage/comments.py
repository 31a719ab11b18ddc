"""Citizens' comments: submit (rate-limited, deduplicated), list one's own, withdraw,
moderate, reply, and count them per document and section."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.codes import RECEIPT_LENGTH, normalise_code, random_code
from storage.comment_scope import readable_campaign, readable_campaigns
from storage.completeness import subtree
from storage.dialect import insert_ignore
from storage.entries import Target
from storage.forms import InvalidValue, clean_text
from storage.keys import ServerKey
from storage.models import (
    AuthorCategory,
    Campaign,
    Comment,
    CommentAttachment,
    CommentMedium,
    CommentReply,
    CommentStatus,
    Document,
    EntryPoint,
    Person,
    RoleKind,
    Section,
    Stance,
    Unit,
)
from storage.people import Member
from storage.places import fold
from storage.units import ancestors

RECEIPT_PREFIX = "YK-"  # ý kiến
MAX_NAME = 100  # the name a commenter signs with
# Counted, listed and exported: withdrawn comments and spam are kept but left out.
COUNTED = (CommentStatus.RECEIVED, CommentStatus.HIDDEN)


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # "photo", "voice", "document"
    file_id: str
    file_unique_id: str


@dataclass(frozen=True, slots=True)
class Identity:
    """How the author signs: anonymous keeps neither name nor phone."""

    anonymous: bool = True
    name: str | None = None
    phone: str | None = None


def clean_name(raw: str) -> str | None:
    """The name a commenter signs with, spaces folded; None unless it has letters and fits
    ``MAX_NAME`` (the chat's form and the web form)."""
    try:
        name = clean_text(raw, max_length=MAX_NAME)
    except InvalidValue:
        return None
    return " ".join(name.split()) if any(ch.isalpha() for ch in name) else None


@dataclass(frozen=True, slots=True)
class Details:
    """Where a comment counts and what the commenter told about it, all optional.

    ``unit_id`` None counts it for the campaign's own unit (the place is not known);
    ``entered_by_id`` is the official who recorded a letter or a meeting's remarks.
    """

    unit_id: int | None = None
    stance: Stance | None = None
    category: AuthorCategory | None = None
    medium: CommentMedium = CommentMedium.CHAT
    entered_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class CommentLimits:
    per_hour: int = 10
    # The same text again within this window is the same comment (a double tap, a re-send).
    duplicate_window: timedelta = timedelta(minutes=10)


class Outcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    RATE_LIMITED = "rate_limited"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: Outcome
    comment: Comment | None = None
    # RATE_LIMITED: when the oldest comment of the last hour leaves the window.
    retry_at: datetime | None = None


def is_open(campaign: Campaign, now: datetime) -> bool:
    """The one rule for taking comments: from the campaign's start to its end."""
    return campaign.starts_at <= now <= campaign.ends_at


def fingerprint(text: str, attachments: Sequence[Attachment]) -> str:
    """Equal for the same words (case and spacing aside) and the same files."""
    folded = " ".join(text.casefold().split())
    files = ",".join(sorted(a.file_unique_id for a in attachments))
    return hashlib.sha256(f"{folded}\x00{files}".encode()).hexdigest()


HOUR = timedelta(hours=1)


async def _by(
    session: AsyncSession, person: Person, key: ServerKey, since: datetime | None = None
) -> ColumnElement[bool]:
    """Comments of ``person``: named ones by ``person_id``, anonymous ones by the author key of
    each campaign that took comments after ``since`` (campaigns are a handful a year)."""
    assert person.id is not None
    query = select(col(Campaign.id))
    if since is not None:
        query = query.where(col(Campaign.ends_at) >= since)
    keys = [
        key.author_key(campaign_id=campaign_id, person_id=person.id)
        for campaign_id in (await session.execute(query)).scalars().all()
        if campaign_id is not None
    ]
    anonymous = col(Comment.author_key).in_(keys) if keys else false()
    return or_(col(Comment.person_id) == person.id, anonymous)


def is_author(comment: Comment, person: Person, key: ServerKey) -> bool:
    """Whether ``person`` wrote ``comment``, named or anonymous."""
    if comment.person_id is not None:
        return comment.person_id == person.id
    if comment.author_key is None or person.id is None:
        return False
    mine = key.author_key(campaign_id=comment.campaign_id, person_id=person.id)
    return hmac.compare_digest(comment.author_key, mine)


async def _recent(
    session: AsyncSession, person: Person, key: ServerKey, since: datetime
) -> list[Comment]:
    """The person's comments after ``since``, oldest first (a handful: the rate limit bounds
    them)."""
    result = await session.execute(
        select(Comment)
        .where(await _by(session, person, key, since), col(Comment.created_at) > since)
        .order_by(col(Comment.created_at))
    )
    return list(result.scalars().all())


def _frees_at(recent: Sequence[Comment], now: datetime, limits: CommentLimits) -> datetime | None:
    return frees_at([c.created_at for c in recent], now, limits.per_hour)


def frees_at(times: Sequence[datetime], now: datetime, per_hour: int) -> datetime | None:
    """When a rolling hour holding ``times`` (oldest first) takes one more, or None if it
    takes one now: when the oldest of the last ``per_hour`` of them is an hour old."""
    within = [t for t in times if t > now - HOUR]
    if len(within) < per_hour:
        return None
    return within[-per_hour] + HOUR


async def rate_limited_until(
    *,
    session: AsyncSession,
    person: Person,
    key: ServerKey,
    now: datetime,
    limits: CommentLimits,
) -> datetime | None:
    """When the person may comment again, or None if they may now (``per_hour`` a rolling hour)."""
    return _frees_at(await _recent(session, person, key, now - HOUR), now, limits)


async def submit_comment(
    *,
    session: AsyncSession,
    target: Target,
    person: Person,
    key: ServerKey,
    text: str,
    attachments: Sequence[Attachment],
    identity: Identity,
    channel: str,
    now: datetime,
    limits: CommentLimits,
    details: Details = Details(),
) -> Submitted:
    """Store a comment, or say why not. The text arrives cleaned (``forms.clean_text``)."""
    print_ = fingerprint(text, attachments)
    refused = await check_submission(
        session=session,
        target=target,
        person=person,
        key=key,
        print_=print_,
        now=now,
        limits=limits,
    )
    if refused is not None:
        return refused
    comment, _files = await store_submission(
        session=session,
        target=target,
        person=person,
        key=key,
        text=text,
        attachments=attachments,
        identity=identity,
        channel=channel,
        print_=print_,
        now=now,
        details=details,
    )
    return Submitted(Outcome.NEW, comment)


async def check_submission(
    *,
    session: AsyncSession,
    target: Target,
    person: Person,
    key: ServerKey,
    print_: str,
    now: datetime,
    limits: CommentLimits,
) -> Submitted | None:
    """Why the comment with ``fingerprint`` ``print_`` is not stored as a new one now (the
    campaign is closed; the same comment lately, returned; too many this hour), or None.
    Changes nothing: the web form checks its own limits between this and storing."""
    if not is_open(target.campaign, now):
        return Submitted(Outcome.CLOSED)
    # One query answers both questions: the same comment lately, and too many this hour.
    recent = await _recent(session, person, key, now - max(HOUR, limits.duplicate_window))
    for earlier in reversed(recent):
        if earlier.fingerprint == print_ and earlier.created_at >= now - limits.duplicate_window:
            return Submitted(Outcome.DUPLICATE, earlier)
    retry_at = _frees_at(recent, now, limits)
    if retry_at is not None:
        return Submitted(Outcome.RATE_LIMITED, retry_at=retry_at)
    return None


async def store_submission(
    *,
    session: AsyncSession,
    target: Target,
    person: Person,
    key: ServerKey,
    text: str,
    attachments: Sequence[Attachment],
    identity: Identity,
    channel: str,
    print_: str,
    now: datetime,
    details: Details,
) -> tuple[Comment, list[CommentAttachment]]:
    """Store a comment ``check_submission`` let through, with its files (the rows returned,
    in order)."""
    assert person.id is not None and target.campaign.id is not None
    author = key.author_key(campaign_id=target.campaign.id, person_id=person.id)
    comment = await insert_comment(
        session,
        comment_values(target, person, author, text, identity, channel, print_, now, details),
    )
    return comment, await attach(session, comment, attachments)


async def attach(
    session: AsyncSession, comment: Comment, attachments: Sequence[Attachment]
) -> list[CommentAttachment]:
    """Keep the files of a comment just stored, in the order they were sent."""
    assert comment.id is not None
    rows = [
        CommentAttachment(
            comment_id=comment.id,
            kind=a.kind,
            file_id=a.file_id[:255],
            file_unique_id=a.file_unique_id[:64],
            position=i,
        )
        for i, a in enumerate(attachments)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def insert_comment(session: AsyncSession, values: dict[str, Any]) -> Comment:
    """One new comment (``comment_values``) with a free receipt code."""
    for _attempt in range(5):
        statement = insert_ignore(session, Comment, **(values | {"receipt": new_receipt()}))
        # RETURNING hands back the new row, or nothing when the receipt was taken.
        inserted: Comment | None = (await session.scalars(statement.returning(Comment))).first()
        if inserted is not None:
            return inserted
    raise RuntimeError("could not draw a free receipt code")


def new_receipt() -> str:
    return RECEIPT_PREFIX + random_code(RECEIPT_LENGTH)


def comment_values(
    target: Target,
    person: Person | None,
    author_key: str | None,
    text: str,
    identity: Identity,
    channel: str,
    print_: str,
    now: datetime,
    details: Details,
) -> dict[str, Any]:
    """The columns of a new comment, but its receipt code. ``person`` None: the author is not
    a user of the bot (a letter an official entered): a name, if any, is all that is kept."""
    named = not identity.anonymous
    return {
        "campaign_id": target.campaign.id,
        "document_id": target.document.id if target.document else None,
        "section_id": target.section.id if target.section else None,
        # Anonymous: no link to the person, only the keyed hash (see ``Comment``).
        "person_id": person.id if named and person is not None else None,
        "author_key": None if named else author_key,
        "text": text,
        "search_text": fold(text),
        "anonymous": not named,
        "author_name": identity.name if named else None,
        "phone": identity.phone if named else None,
        "channel": channel,
        "fingerprint": print_,
        "created_at": now,
        "status": CommentStatus.RECEIVED,
        "unit_id": details.unit_id if details.unit_id is not None else target.campaign.unit_id,
        "stance": details.stance,
        "category": details.category,
        "medium": details.medium,
        "entered_by_id": details.entered_by_id,
    }


def receipt_from_text(raw: str) -> str | None:
    """``YK-7K3QMA`` from what an official typed (``yk 7k3qma``), or None."""
    code = normalise_code(raw)
    bare = RECEIPT_PREFIX.rstrip("-")
    if code.startswith(bare) and len(code) == len(bare) + RECEIPT_LENGTH:
        return RECEIPT_PREFIX + code[len(bare) :]
    return None


async def find_comment(*, session: AsyncSession, receipt: str) -> Comment | None:
    result = await session.execute(select(Comment).where(Comment.receipt == receipt))
    return result.scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment with what it is about and its files, as lists and exports show it."""

    comment: Comment
    campaign: Campaign
    document: Document | None
    section: Section | None
    photos: int = 0
    reply: str | None = None
    place: str = ""  # the name of the unit it counts for (exports)


def _photo_count() -> Any:
    return (
        select(func.count())
        .where(CommentAttachment.comment_id == Comment.id, CommentAttachment.kind == "photo")
        .scalar_subquery()
    )


def _views() -> Select[Comment, Campaign, Document, Section]:
    return (
        sa_select(Comment, Campaign, Document, Section)
        .join(Campaign, col(Campaign.id) == Comment.campaign_id)
        .outerjoin(Document, col(Document.id) == Comment.document_id)
        .outerjoin(Section, col(Section.id) == Comment.section_id)
    )


def _last_reply() -> Any:
    return (
        select(col(CommentReply.text))
        .where(CommentReply.comment_id == Comment.id)
        .order_by(col(CommentReply.id).desc())
        .limit(1)
        .scalar_subquery()
    )


async def own_comments(
    *, session: AsyncSession, person: Person, key: ServerKey, limit: int = 10
) -> list[CommentView]:
    """The person's latest comments with the latest answer to each, newest first (spam shows
    as received to its author). Anonymous authors read officials' answers here."""
    result = await session.execute(
        _views()
        .add_columns(_last_reply())
        .where(await _by(session, person, key))
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(limit)
    )
    return [CommentView(row[0], row[1], row[2], row[3], reply=row[4]) for row in result.all()]


class Withdrawal(StrEnum):
    ALLOWED = "allowed"  # may be withdrawn now
    DONE = "done"
    UNKNOWN = "unknown"  # not theirs, or no such comment
    CLOSED = "closed"  # the campaign has ended: the comment is part of the record
    ALREADY = "already"


async def check_withdrawal(
    *, session: AsyncSession, person: Person, key: ServerKey, comment_id: int, now: datetime
) -> tuple[Withdrawal, Comment | None]:
    """Whether the author may withdraw the comment now; changes nothing."""
    comment = await session.get(Comment, comment_id)
    if comment is None or not is_author(comment, person, key):
        return Withdrawal.UNKNOWN, None
    if comment.status is CommentStatus.WITHDRAWN:
        return Withdrawal.ALREADY, comment
    campaign = await session.get(Campaign, comment.campaign_id)
    if campaign is None or not is_open(campaign, now):
        return Withdrawal.CLOSED, comment
    return Withdrawal.ALLOWED, comment


async def withdraw_comment(
    *, session: AsyncSession, person: Person, key: ServerKey, comment_id: int, now: datetime
) -> tuple[Withdrawal, Comment | None]:
    outcome, comment = await check_withdrawal(
        session=session, person=person, key=key, comment_id=comment_id, now=now
    )
    if outcome is not Withdrawal.ALLOWED or comment is None:
        return outcome, comment
    # Who withdrew an anonymous comment is its author: recording them would name them.
    by = None if comment.person_id is None else person
    await _set_status(session, comment, CommentStatus.WITHDRAWN, by, now)
    return Withdrawal.DONE, comment


async def _set_status(
    session: AsyncSession,
    comment: Comment,
    status: CommentStatus,
    by: Person | None,
    now: datetime,
) -> None:
    comment.status = status
    comment.status_changed_at = now
    comment.status_changed_by_id = by.id if by is not None else None
    session.add(comment)
    await session.flush()


async def overseeing_unit(
    *, session: AsyncSession, member: Member, campaign: Campaign
) -> Unit | None:
    """The official's unit that oversees ``campaign`` (the campaign's unit or one above it)."""
    mine = {u.id: u for u in member.units(RoleKind.OFFICIAL)}
    if not mine:
        return None
    if campaign.unit_id in mine:
        return mine[campaign.unit_id]
    owner = await session.get(Unit, campaign.unit_id)
    if owner is None:
        return None
    for unit in await ancestors(session=session, unit=owner):
        if unit.id in mine:
            return mine[unit.id]
    return None


async def overseen_by_unit(
    *, session: AsyncSession, member: Member, campaign_id: int
) -> tuple[Campaign, Unit] | None:
    """The campaign and the official's unit at or above its unit, or None.

    The report chain's rule (the consolidated report of /export): a unit reports on the
    campaigns it runs or oversees. Who reads comments is ``storage.comment_scope``'s rule.
    """
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    unit = await overseeing_unit(session=session, member=member, campaign=campaign)
    return (campaign, unit) if unit is not None else None


async def overseen_campaign(
    *, session: AsyncSession, member: Member, campaign_id: int
) -> tuple[Campaign, Unit] | None:
    """Kept for callers written before ``storage.comment_scope``: the campaign and the unit
    the official reads it for (``ReadingScope.unit``), or None. Prefer ``readable_campaign``."""
    scope = await readable_campaign(session=session, member=member, campaign_id=campaign_id)
    return (scope.campaign, scope.unit) if scope is not None else None


class Moderation(StrEnum):
    HIDE = "hide"
    SPAM = "spam"
    RESTORE = "restore"


_MODERATED = {
    Moderation.HIDE: CommentStatus.HIDDEN,
    Moderation.SPAM: CommentStatus.SPAM,
    Moderation.RESTORE: CommentStatus.RECEIVED,
}


async def moderate(
    *, session: AsyncSession, comment: Comment, action: Moderation, by: Person, now: datetime
) -> bool:
    """Hide, mark as spam or restore; nothing is deleted. False for a withdrawn comment."""
    if comment.status is CommentStatus.WITHDRAWN:
        return False
    await _set_status(session, comment, _MODERATED[action], by, now)
    return True


async def add_reply(
    *,
    session: AsyncSession,
    comment: Comment,
    official: Person,
    unit: Unit,
    text: str,
    now: datetime,
) -> CommentReply:
    assert comment.id is not None and official.id is not None and unit.id is not None
    reply = CommentReply(
        comment_id=comment.id, person_id=official.id, unit_id=unit.id, text=text, created_at=now
    )
    session.add(reply)
    await session.execute(
        update(Comment).where(col(Comment.id) == comment.id).values(replied_at=now)
    )
    comment.replied_at = now
    await session.flush()
    return reply


async def latest_comments(
    *,
    session: AsyncSession,
    campaign: Campaign,
    document_id: int | None = None,
    section_id: int | None = None,
    exact: bool = False,
    until: datetime | None = None,
    limit: int = 5,
    within: int | Sequence[int] | None = None,
) -> list[CommentView]:
    """The newest comments that are shown (not hidden, spam or withdrawn).

    A document without a section means all of its comments, or with ``exact`` only those on
    the document as a whole (and no ids, with ``exact``: those on the campaign as a whole).
    ``within``: only those counted for that unit's subtree (or those units' subtrees).
    """
    query = _views().where(
        col(Comment.campaign_id) == campaign.id,
        col(Comment.status) == CommentStatus.RECEIVED,
        *_placed(within),
    )
    if section_id is not None:
        query = query.where(col(Comment.section_id) == section_id)
    elif document_id is not None:
        query = query.where(col(Comment.document_id) == document_id)
        if exact:
            query = query.where(col(Comment.section_id).is_(None))
    elif exact:
        query = query.where(col(Comment.document_id).is_(None))
    if until is not None:
        query = query.where(col(Comment.created_at) <= until)
    result = await session.execute(
        query.add_columns(_photo_count())
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(limit)
    )
    return [CommentView(row[0], row[1], row[2], row[3], int(row[4])) for row in result.all()]


def _placed(within: int | Sequence[int] | None) -> list[ColumnElement[bool]]:
    """Comments counted for the subtree of unit(s) ``within`` (no condition for None)."""
    if within is None:
        return []
    tree = subtree(within)
    return [col(Comment.unit_id).in_(sa_select(tree.c.id))]


async def export_views(
    *,
    session: AsyncSession,
    campaign: Campaign,
    batch: int = 2000,
    within: int | Sequence[int] | None = None,
) -> AsyncIterator[CommentView]:
    """Every counted comment of ``campaign`` in export order: document, section, time
    (``within``: only those counted for that unit's subtree), with the unit each counts for.

    Streamed in batches by keyset, so a campaign with a million comments never sits in memory.
    """
    photos = _photo_count()
    reply = _last_reply()
    place = col(Unit.name)
    doc_pos = func.coalesce(col(Document.position), -1)
    sec_pos = func.coalesce(col(Section.position), -1)
    order = (doc_pos, sec_pos, col(Comment.created_at), col(Comment.id))
    last: tuple[int, int, datetime, int] | None = None
    while True:
        query = (
            sa_select(Comment, Campaign, Document, Section, photos, reply, doc_pos, sec_pos, place)
            .join(Campaign, col(Campaign.id) == Comment.campaign_id)
            .outerjoin(Document, col(Document.id) == Comment.document_id)
            .outerjoin(Section, col(Section.id) == Comment.section_id)
            .outerjoin(Unit, col(Unit.id) == Comment.unit_id)
            .where(
                col(Comment.campaign_id) == campaign.id,
                col(Comment.status).in_(COUNTED),
                *_placed(within),
            )
        )
        if last is not None:
            query = query.where(tuple_(*order) > tuple_(*last))
        rows = (await session.execute(query.order_by(*order).limit(batch))).all()
        for comment, camp, document, section, count, text, _d, _s, name in rows:
            yield CommentView(comment, camp, document, section, int(count or 0), text, name or "")
        if len(rows) < batch:
            return
        tail = rows[-1]
        last = (tail[6], tail[7], tail[0].created_at, tail[0].id)


async def overseen_campaigns(
    *, session: AsyncSession, member: Member, limit: int = 5
) -> list[Campaign]:
    """Kept for callers written before ``storage.comment_scope``: ``readable_campaigns``."""
    return await readable_campaigns(session=session, member=member, limit=limit)


async def campaigns_run_below(
    *, session: AsyncSession, member: Member, limit: int = 5
) -> list[tuple[Campaign, Unit]]:
    """The latest campaigns run by the official's units or below them, each with the unit
    that oversees it (the report chain, see ``overseen_by_unit``)."""
    if not member.has(RoleKind.OFFICIAL):
        return []
    result = await session.execute(
        select(Campaign).order_by(col(Campaign.starts_at).desc(), col(Campaign.id).desc())
    )
    found: list[tuple[Campaign, Unit]] = []
    for campaign in result.scalars().all():
        unit = await overseeing_unit(session=session, member=member, campaign=campaign)
        if unit is not None:
            found.append((campaign, unit))
            if len(found) >= limit:
                break
    return found


async def referenced(
    *, session: AsyncSession, document_id: int | None = None, section_id: int | None = None
) -> bool:
    """Whether comments or entry points point at the document or section."""
    checks = []
    table: type[Comment] | type[EntryPoint]
    for table in (Comment, EntryPoint):
        if section_id is not None:
            checks.append(select(col(table.id)).where(table.section_id == section_id).limit(1))
        if document_id is not None:
            checks.append(select(col(table.id)).where(table.document_id == document_id).limit(1))
    for check in checks:
        if (await session.execute(check)).first() is not None:
            return True
    return False
