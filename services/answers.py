"""An official's answer to a comment: stored, then carried to its author the one way that
reaches them — a letter through the outbox (rate-limited, held in the campaign's quiet hours,
sent once), the receipt page for a web comment, /mycomments for an anonymous one.

The rule of /reply and of the «Reply» button in chat, and of the desk's reply form. The words
of the letter are the chat's (``ReplyWords``, from ``handlers.reply_letter``), in the author's
language; who may answer which comment is ``storage.comment_scope``'s rule, checked first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.sweeps import Defaults, rules_of, timing
from storage.comments import add_reply
from storage.forms import clean_text
from storage.models import Campaign, Comment, CommentReply, CommentStatus, Person, Purpose, Unit
from storage.outbox import Letter, enqueue
from storage.replies import reply_key
from storage.web_comments import answered_on_the_web

MAX_REPLY = 3000

# The letter's text: (comment, answer, signing unit, the author's locale) → HTML.
ReplyWords = Callable[[Comment, CommentReply, Unit, str | None], str]


def clean_answer(raw: str) -> str:
    """The answer as stored (NFC, trimmed); ``InvalidValue`` ("empty", "too_long")."""
    return clean_text(raw, max_length=MAX_REPLY)


class Route(StrEnum):
    """How an answer reaches the comment's author."""

    LETTER = "letter"  # queued in the outbox to their chat
    RECEIPT_PAGE = "receipt_page"  # a web comment: no messenger reaches its sender
    MY_COMMENTS = "my_comments"  # anonymous: nothing stored says who wrote it


@dataclass(frozen=True, slots=True)
class Answered:
    reply: CommentReply
    route: Route
    goes_at: datetime | None = None  # LETTER: when it may go (later than now in quiet hours)


async def answer_comment(
    *,
    session: AsyncSession,
    comment: Comment,
    campaign: Campaign,
    unit: Unit,
    official: Person,
    text: str,
    defaults: Defaults,
    words: ReplyWords,
    now: datetime,
) -> Answered | None:
    """Store ``official``'s answer (``clean_answer``'d) to ``comment``, signed by ``unit`` (the
    root of the official's reading scope the comment lies in), and queue its letter when a
    messenger reaches the author. None for a withdrawn comment: nothing is stored.

    The caller commits, then rings the delivery loop (``Outreach.wake``) for a LETTER.
    """
    if comment.status is CommentStatus.WITHDRAWN:
        return None
    reply = await add_reply(
        session=session, comment=comment, official=official, unit=unit, text=text, now=now
    )
    if answered_on_the_web(comment):
        return Answered(reply, Route.RECEIPT_PAGE)
    if comment.person_id is None:
        return Answered(reply, Route.MY_COMMENTS)
    author = await session.get(Person, comment.person_id)
    assert author is not None and author.id is not None and reply.id is not None
    when = timing(await rules_of(session=session, campaign=campaign, defaults=defaults), now)
    letter = Letter(
        key=reply_key(reply.id),
        purpose=Purpose.REPLY,
        person_id=author.id,
        channel=author.channel,
        chat_id=author.external_id,
        text=words(comment, reply, unit, author.locale),
        markup=None,
        not_before=when.not_before,
        quiet_hours=when.quiet_hours,
        timezone=when.timezone,
        about=comment.receipt,
    )
    await enqueue(session=session, letters=[letter], now=now)
    return Answered(reply, Route.LETTER, when.not_before)
