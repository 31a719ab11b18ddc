"""A comment sent from a poster's web page: the chat's comment (``storage.comments``) with the
web form's own checks, and what its receipt page shows.

The sender is a ``Person`` on channel ``web`` whose id is a keyed hash of the random id their
browser keeps in a cookie, created when they first send (never when they only read): so
anonymity, the duplicate rule and the hourly limit per person are the chat's own. The web
adds a limit per network address (``storage.web_attempts``), one per phone number, and
photos checked by decoding them (``storage.web_photos``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.comments import (
    HOUR,
    Details,
    Identity,
    Outcome,
    Submitted,
    check_submission,
    clean_name,
    find_comment,
    fingerprint,
    frees_at,
    is_open,
    receipt_from_text,
    store_submission,
)
from storage.comments import CommentLimits as ChatLimits
from storage.dialect import one_at_a_time
from storage.entries import Entry, Target, target_of
from storage.forms import MAX_TEXT, InvalidValue, clean_text
from storage.keys import ServerKey
from storage.models import (
    AuthorCategory,
    Comment,
    CommentAttachment,
    CommentMedium,
    CommentReply,
    CommentStatus,
    Person,
    Stance,
    Unit,
)
from storage.people import create_person
from storage.phones import InvalidPhone, parse_phone
from storage.places import campaign_places, fold, place_name
from storage.web_attempts import count_address, record_attempt
from storage.web_photos import (
    CleanPhoto,
    PhotoProblem,
    PhotoRefused,
    blob_of,
    clean_photo,
    keep_photos,
)

if TYPE_CHECKING:
    from bot.config import Settings

WEB = "web"  # the channel of web senders and of their comments
MAX_BROWSER = 128  # a cookie's id is far shorter; anything longer is not one of ours
# The lock that stores web comments one at a time ("gopy_web" in ASCII): see store_web_comment.
_ONE_AT_A_TIME = 0x676F70795F776562


def N_(message: str) -> str:  # marks a msgid for extraction; the page translates it
    return message


class Problem:
    """Why a web comment was refused as INVALID: msgids the page shows in its language."""

    EMPTY = N_("Please write your comment, or add a photo.")
    TOO_LONG = N_("Your comment is too long. Please shorten it, or send it as two comments.")
    NAME = N_("Please type your name in letters, or leave it empty to comment anonymously.")
    PHONE = N_(
        "That does not look like a Vietnamese phone number. Please type it like 0912 345 678, "
        "or leave it empty."
    )
    PHONE_WITHOUT_NAME = N_(
        "You typed a phone number but no name. Please add your name, or clear the phone "
        "number to comment anonymously."
    )
    TOO_MANY_PHOTOS = N_("Too many photos for one comment. Please remove some.")
    PHOTO_TOO_BIG = N_("A photo is too large. Please choose a smaller one.")
    NOT_A_PHOTO = N_("A file is not a photo that can be read. Please send JPEG, PNG or WebP.")
    PLACE = N_("Please choose your ward or commune from the list.")
    NO_COOKIE = N_(
        "Your browser did not keep this page's cookie. Please allow cookies and try again."
    )


@dataclass(frozen=True, slots=True)
class Photo:
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class WebSender:
    """``browser``: the random id from the browser's cookie; ``address``: the client's IP."""

    browser: str
    address: str


@dataclass(frozen=True, slots=True)
class WebComment:
    """The form as sent. ``name`` blank: anonymous (a phone without a name is refused); the
    phone is optional with a name, as in the chat. ``unit_id``: the ward chosen on a
    campaign-wide poster (a ward's poster already says where)."""

    text: str
    photos: Sequence[Photo] = ()
    stance: Stance | None = None
    category: AuthorCategory | None = None
    name: str | None = None
    phone: str | None = None
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class WebLimits:
    per_hour: int = 10
    duplicate_window: timedelta = timedelta(minutes=10)
    per_address_hour: int = 30
    photos: int = 3
    photo_bytes: int = 5 << 20

    @classmethod
    def from_settings(cls, settings: Settings) -> WebLimits:
        comments = settings.comments
        return cls(
            per_hour=comments.per_hour,
            duplicate_window=timedelta(minutes=comments.duplicate_minutes),
            per_address_hour=comments.per_address_hour,
            photos=comments.web_photos,
            photo_bytes=comments.web_photo_bytes,
        )

    @property
    def chat(self) -> ChatLimits:
        return ChatLimits(per_hour=self.per_hour, duplicate_window=self.duplicate_window)


class WebOutcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"  # the same words (and photos) lately: ``comment`` is the earlier one
    CLOSED = "closed"
    NOT_YET_OPEN = "not_yet_open"  # before the campaign's first day: come back then
    RATE_LIMITED = "rate_limited"  # this browser: ``per_hour`` a rolling hour
    ADDRESS_LIMITED = "address_limited"  # this network address: ``per_address_hour``
    PHONE_LIMITED = "phone_limited"  # this phone number: ``per_hour`` a rolling hour
    INVALID = "invalid"  # ``problem`` says what to fix


@dataclass(frozen=True, slots=True)
class WebSubmitted:
    outcome: WebOutcome
    comment: Comment | None = None
    retry_at: datetime | None = None  # the *_LIMITED outcomes: when a new try is taken
    problem: str | None = None  # INVALID: a msgid of ``Problem``

    @property
    def taken(self) -> bool:
        """Stored, now or lately (a duplicate): ``comment`` has the receipt."""
        return self.outcome in (WebOutcome.NEW, WebOutcome.DUPLICATE)


_FROM_CHAT = {
    Outcome.NEW: WebOutcome.NEW,
    Outcome.DUPLICATE: WebOutcome.DUPLICATE,
    Outcome.CLOSED: WebOutcome.CLOSED,
    Outcome.RATE_LIMITED: WebOutcome.RATE_LIMITED,
}


def _web(submitted: Submitted) -> WebSubmitted:
    return WebSubmitted(_FROM_CHAT[submitted.outcome], submitted.comment, submitted.retry_at)


def _invalid(problem: str) -> WebSubmitted:
    return WebSubmitted(WebOutcome.INVALID, problem=problem)


@dataclass(frozen=True, slots=True)
class CheckedComment:
    """A web comment past every check that needs no database (``check_web_comment``): its
    fields read and its photos decoded, ready for ``store_web_comment``."""

    comment: WebComment
    text: str
    identity: Identity
    photos: list[CleanPhoto]


def _read_text(comment: WebComment) -> str | WebSubmitted:
    # A browser sends a text box's line breaks as CRLF (HTML's rule for forms), where its box
    # counted one character: stored with the chat's LF, and counted as the box counted them.
    text = comment.text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return clean_text(text, max_length=MAX_TEXT)
    except InvalidValue as error:
        if error.reason == "too_long":
            return _invalid(Problem.TOO_LONG)
        # No words: a photo alone is a comment too (a handwritten letter), as in the chat.
        return "" if any(photo.data for photo in comment.photos) else _invalid(Problem.EMPTY)


def _read_identity(comment: WebComment) -> Identity | WebSubmitted:
    raw_name = (comment.name or "").strip()
    raw_phone = (comment.phone or "").strip()
    if not raw_name:
        # A number typed without a name wants an answer: it is not silently dropped into an
        # anonymous comment, nor kept with one (anonymous keeps nothing).
        return _invalid(Problem.PHONE_WITHOUT_NAME) if raw_phone else Identity()
    name = clean_name(raw_name)
    if name is None:
        return _invalid(Problem.NAME)
    if not raw_phone:
        return Identity(anonymous=False, name=name)
    try:
        return Identity(anonymous=False, name=name, phone=parse_phone(raw_phone))
    except InvalidPhone:
        return _invalid(Problem.PHONE)


async def _read_photos(given: Sequence[Photo], limits: WebLimits) -> list[CleanPhoto] | str:
    # A file field left empty arrives as a part with no bytes: no photo, not a bad one.
    photos = [photo for photo in given if photo.data]
    if len(photos) > limits.photos:
        return Problem.TOO_MANY_PHOTOS
    if any(len(p.data) > limits.photo_bytes for p in photos):
        return Problem.PHOTO_TOO_BIG
    clean: list[CleanPhoto] = []
    for photo in photos:
        try:
            # Decoding takes tenths of a second of CPU: not on the event loop.
            clean.append(
                await asyncio.to_thread(clean_photo, photo.data, max_bytes=limits.photo_bytes)
            )
        except PhotoRefused as refused:
            too_big = refused.problem is PhotoProblem.TOO_BIG
            return Problem.PHOTO_TOO_BIG if too_big else Problem.NOT_A_PHOTO
    return clean


async def _read_form(comment: WebComment, limits: WebLimits) -> CheckedComment | WebSubmitted:
    """Every field read and checked, or the first problem; no database involved."""
    text = _read_text(comment)
    if isinstance(text, WebSubmitted):
        return text
    identity = _read_identity(comment)
    if isinstance(identity, WebSubmitted):
        return identity
    photos = await _read_photos(comment.photos, limits)
    if isinstance(photos, str):
        return _invalid(photos)
    return CheckedComment(comment, text, identity, photos)


async def _place(
    session: AsyncSession, entry: Entry, unit_id: int | None
) -> int | WebSubmitted | None:
    """Where the comment counts: the poster's unit; on a campaign-wide poster the ward
    chosen (one below the campaign's unit), or None for the campaign's own unit."""
    if entry.unit is not None:
        return entry.unit.id
    campaign = entry.target.campaign
    if unit_id is None or unit_id == campaign.unit_id:
        return None
    places = await campaign_places(session=session, campaign=campaign)
    if places.get(unit_id) is None:
        return _invalid(Problem.PLACE)
    return unit_id


async def _web_person(session: AsyncSession, key: ServerKey, browser: str) -> Person | None:
    result = await session.execute(
        select(Person).where(Person.channel == WEB, Person.external_id == key.browser_key(browser))
    )
    return result.scalar_one_or_none()


def answered_on_the_web(comment: Comment) -> bool:
    """Whether answers to ``comment`` are read on its receipt page: it came from the web
    form, and no messenger reaches its sender (named or not), so nothing is queued."""
    return comment.channel == WEB


async def phone_limited_until(
    *, session: AsyncSession, phone: str, now: datetime, per_hour: int
) -> datetime | None:
    """When comments signed with ``phone`` (any channel) may come again, or None if now."""
    result = await session.execute(
        select(Comment.created_at)
        .where(col(Comment.phone) == phone, col(Comment.created_at) > now - HOUR)
        .order_by(col(Comment.created_at).desc())
        .limit(per_hour)
    )
    return frees_at(sorted(result.scalars().all()), now, per_hour)


async def check_web_comment(
    *, entry: Entry, sender: WebSender, comment: WebComment, now: datetime, limits: WebLimits
) -> CheckedComment | WebSubmitted:
    """The checks that need no database, in order: the campaign's dates, the browser's id,
    the fields, the photos (decoded off the event loop, for tenths of a second each). A caller
    holding a writer's lock runs this first, so nobody queues behind a decode."""
    campaign = entry.target.campaign
    if not is_open(campaign, now):
        early = now < campaign.starts_at
        return WebSubmitted(WebOutcome.NOT_YET_OPEN if early else WebOutcome.CLOSED)
    browser = sender.browser.strip()
    if not browser or len(browser) > MAX_BROWSER:
        return _invalid(Problem.NO_COOKIE)
    return await _read_form(comment, limits)


async def submit_web_comment(
    *,
    session: AsyncSession,
    entry: Entry,
    sender: WebSender,
    comment: WebComment,
    key: ServerKey,
    now: datetime,
    limits: WebLimits,
) -> WebSubmitted:
    """``check_web_comment``, then ``store_web_comment``: store a comment sent from the web
    form, or say why not (nothing is written then)."""
    checked = await check_web_comment(
        entry=entry, sender=sender, comment=comment, now=now, limits=limits
    )
    if isinstance(checked, WebSubmitted):
        return checked
    return await store_web_comment(
        session=session,
        entry=entry,
        sender=sender,
        checked=checked,
        key=key,
        now=now,
        limits=limits,
    )


async def store_web_comment(
    *,
    session: AsyncSession,
    entry: Entry,
    sender: WebSender,
    checked: CheckedComment,
    key: ServerKey,
    now: datetime,
    limits: WebLimits,
) -> WebSubmitted:
    """Store a comment that ``check_web_comment`` let through (same entry, sender and
    moment), or say why not (nothing is written then).

    In order: the place; the chat's duplicate and hourly rules for this browser (a re-sent
    comment finds its receipt even past the other limits); the limits per address and per
    phone. The sender's person is created only to store.

    One at a time: a double tap sends the form twice at once, and a program sends many. Each
    must read what the one before stored, or both pass the duplicate rule and the limits."""
    await one_at_a_time(session, _ONE_AT_A_TIME)
    target = entry.target
    browser = sender.browser.strip()
    comment, form = checked.comment, checked
    unit_id = await _place(session, entry, comment.unit_id)
    if isinstance(unit_id, WebSubmitted):
        return unit_id
    attachments = [photo.attachment for photo in form.photos]
    print_ = fingerprint(form.text, attachments)
    person = await _web_person(session, key, browser)
    if person is not None:
        refused = await check_submission(
            session=session,
            target=target,
            person=person,
            key=key,
            print_=print_,
            now=now,
            limits=limits.chat,
        )
        if refused is not None:
            return _web(refused)
    address = await count_address(
        session=session,
        key=key,
        address=sender.address,
        now=now,
        per_hour=limits.per_address_hour,
    )
    if address.retry_at is not None:
        return WebSubmitted(WebOutcome.ADDRESS_LIMITED, retry_at=address.retry_at)
    phone = form.identity.phone
    if phone is not None:
        retry_at = await phone_limited_until(
            session=session, phone=phone, now=now, per_hour=limits.per_hour
        )
        if retry_at is not None:
            return WebSubmitted(WebOutcome.PHONE_LIMITED, retry_at=retry_at)
    if person is None:
        person = await create_person(
            session=session,
            channel=WEB,
            external_id=key.browser_key(browser),
            full_name="",
            now=now,
        )
    stored, rows = await store_submission(
        session=session,
        target=target,
        person=person,
        key=key,
        text=form.text,
        attachments=attachments,
        identity=form.identity,
        channel=WEB,
        print_=print_,
        now=now,
        details=Details(
            unit_id=unit_id,
            stance=comment.stance,
            category=comment.category,
            medium=CommentMedium.WEB,
        ),
    )
    await keep_photos(session=session, rows=rows, photos=form.photos)
    await record_attempt(session=session, count=address, now=now)
    return WebSubmitted(WebOutcome.NEW, stored)


@dataclass(frozen=True, slots=True)
class ReplyView:
    text: str
    unit_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """What whoever holds a receipt may read: the comment, its status and the answers; never
    who sent it. Hidden and spam show as received, as the author sees them in the chat."""

    receipt: str
    status: CommentStatus
    created_at: datetime
    text: str
    target: Target
    replies: list[ReplyView]
    photos: int


async def receipt_view(*, session: AsyncSession, entry: Entry, receipt: str) -> ReceiptView | None:
    """The comment with ``receipt`` (as typed: «yk 7k3qma»), if it belongs to the campaign of
    ``entry`` (sent on any channel); else None."""
    code = receipt_from_text(receipt)
    comment = await find_comment(session=session, receipt=code) if code else None
    if comment is None or comment.campaign_id != entry.target.campaign.id:
        return None
    target = await target_of(
        session=session,
        campaign_id=comment.campaign_id,
        document_id=comment.document_id,
        section_id=comment.section_id,
    )
    if target is None:
        # A document or section dropped since (``comments.referenced`` guards against it):
        # the comment still shows, on the campaign.
        target = Target(entry.target.campaign)
    answers = await session.execute(
        select(CommentReply, Unit)
        .join(Unit, col(Unit.id) == CommentReply.unit_id)
        .where(CommentReply.comment_id == comment.id)
        .order_by(col(CommentReply.created_at), col(CommentReply.id))
    )
    photos = await session.execute(
        select(CommentAttachment.id).where(
            CommentAttachment.comment_id == comment.id, CommentAttachment.kind == "photo"
        )
    )
    moderated = comment.status in (CommentStatus.HIDDEN, CommentStatus.SPAM)
    return ReceiptView(
        receipt=comment.receipt,
        status=CommentStatus.RECEIVED if moderated else comment.status,
        created_at=comment.created_at,
        text=comment.text,
        target=target,
        replies=[ReplyView(r.text, unit.name, r.created_at) for r, unit in answers.all()],
        photos=len(photos.all()),
    )


async def wards_to_choose(*, session: AsyncSession, entry: Entry) -> list[Unit]:
    """The places a campaign-wide poster's form offers, by name: every unit below the
    campaign's that is not a cell, which the chat finds by name (its buttons show the first
    level only, a list can show them all). Empty for a ward's poster or a ward's campaign."""
    if entry.unit is not None:
        return []
    places = await campaign_places(session=session, campaign=entry.target.campaign)
    return sorted(places.known, key=lambda unit: fold(place_name(unit)))


async def photo_of(*, session: AsyncSession, attachment_id: int) -> Photo | None:
    """The bytes of a web comment's photo (None for a chat photo: the messenger keeps it)."""
    blob = await blob_of(session=session, attachment_id=attachment_id)
    return Photo(blob.content_type, blob.data) if blob is not None else None
