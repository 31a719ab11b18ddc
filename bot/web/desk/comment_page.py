"""One comment on the desk: in full, with its photos, its answers (and whether each reached
the author), its status and group; the forms to answer it, hide, mark as spam or restore it,
and move it to another group. Photos of web comments are served from gopy's copy through a
route the same guard keeps; chat photos stay with the messenger they came through.

A comment the official does not read (``storage.comment_scope``) is a 404, as is one that
does not exist: nothing tells another ward's comment exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy import select
from sqlmodel import col

from bot.web.desk import paths
from bot.web.desk.comment_words import (
    author_name,
    author_phone,
    category_word,
    medium_word,
    stance_word,
    status_word,
)
from bot.web.desk.guard import DeskCall, Text
from handlers.comment_texts import about
from handlers.format import moment
from services.answers import MAX_REPLY
from storage.comment_scope import Readable, readable_comment
from storage.comments import receipt_from_text
from storage.models import (
    AttachmentBlob,
    Comment,
    CommentAttachment,
    CommentReply,
    CommentStatus,
    CommentTheme,
    Document,
    Outbox,
    OutboxStatus,
    Person,
    Section,
    Unit,
)
from storage.replies import reply_key
from storage.theme_access import movable, theme_access
from storage.themes import live_themes
from storage.web_comments import answered_on_the_web

# What the page says after an action (``?done=``): fixed words, never text from the address.
DONE: Mapping[str, Text] = {
    "letter": lambda: _("Your answer is saved and on its way to the author's chat."),
    "receipt_page": lambda: _(
        "Your answer is saved. The comment came from the web page: the author reads your "
        "answer on the comment's receipt page."
    ),
    "my_comments": lambda: _(
        "Your answer is saved. The comment was sent anonymously, so nobody can message its "
        "author: they read your answer in /mycomments."
    ),
    "hide": lambda: _("The comment is hidden: kept on record, left out of lists and reports."),
    "spam": lambda: _("The comment is marked as spam: kept on record, not counted."),
    "restore": lambda: _("The comment is shown again."),
    "moved": lambda: _(
        "The comment is in its new group; it stays there when comments are grouped again."
    ),
}


async def readable(call: DeskCall) -> Readable | None:
    """The comment of the address's receipt, if the official reads it."""
    code = receipt_from_text(call.request.match_info["receipt"])
    if code is None:
        return None
    return await readable_comment(session=call.session, member=call.member, receipt=code)


@dataclass(frozen=True, slots=True)
class Photo:
    number: int
    attachment_id: int
    kept: bool  # gopy has its bytes (a web photo)


async def photos_of(call: DeskCall, comment: Comment) -> list[Photo]:
    """The comment's photos in the order they were sent, numbered from 1."""
    rows = await call.session.execute(
        select(col(CommentAttachment.id), col(AttachmentBlob.attachment_id))
        .outerjoin(AttachmentBlob, col(AttachmentBlob.attachment_id) == CommentAttachment.id)
        .where(
            col(CommentAttachment.comment_id) == comment.id,
            col(CommentAttachment.kind) == "photo",
        )
        .order_by(col(CommentAttachment.position), col(CommentAttachment.id))
    )
    return [
        Photo(n, attachment_id, blob is not None)
        for n, (attachment_id, blob) in enumerate(rows.all(), start=1)
        if attachment_id is not None
    ]


async def show_comment(call: DeskCall) -> web.StreamResponse:
    found = await readable(call)
    if found is None:
        return call.not_found()
    return await comment_response(call, found)


async def comment_response(
    call: DeskCall,
    found: Readable,
    *,
    status: int = 200,
    problem: Text | None = None,
    kept: str = "",
) -> web.Response:
    """The comment's page; with ``problem`` (a 400), the answer typed is ``kept`` in its box."""
    shown = await _shown(call, found)
    done = DONE.get(call.request.query.get("done", ""))

    def context() -> Mapping[str, Any]:
        return {
            **_words(call, found, shown),
            "done": done() if done is not None and problem is None else "",
            "problem": problem() if problem is not None else "",
            "kept": kept,
        }

    response = call.render("desk/comment.html", context, nav="comments", status=status)
    # Its web photos are shown on the page: images from the desk itself, nothing else.
    response.headers["Content-Security-Policy"] += "; img-src 'self'"
    return response


@dataclass(frozen=True, slots=True)
class Answer:
    reply: CommentReply
    unit: str
    official: str
    letter: OutboxStatus | None  # its letter's, when one was queued


@dataclass(frozen=True, slots=True)
class Shown:
    """What the comment's page shows besides the comment itself."""

    document: Document | None
    section: Section | None
    place: Unit | None
    photos: list[Photo]
    other_files: int  # voice notes, documents: seen in chat
    answers: list[Answer]
    theme: CommentTheme | None  # None also when the official may not see it
    targets: list[CommentTheme]  # the groups it may be moved to (none: may not move it)


async def _shown(call: DeskCall, found: Readable) -> Shown:
    session = call.session
    comment = found.comment
    document = await session.get(Document, comment.document_id) if comment.document_id else None
    section = await session.get(Section, comment.section_id) if comment.section_id else None
    place = await session.get(Unit, comment.unit_id) if comment.unit_id else None
    files = await session.execute(
        select(col(CommentAttachment.kind)).where(col(CommentAttachment.comment_id) == comment.id)
    )
    answers = (
        await session.execute(
            select(CommentReply, col(Unit.name), col(Person.full_name))
            .join(Unit, col(Unit.id) == CommentReply.unit_id)
            .join(Person, col(Person.id) == CommentReply.person_id)
            .where(col(CommentReply.comment_id) == comment.id)
            .order_by(col(CommentReply.created_at), col(CommentReply.id))
        )
    ).all()
    keys = [reply_key(reply.id) for reply, _u, _p in answers if reply.id is not None]
    letters = await session.execute(
        select(col(Outbox.key), col(Outbox.status)).where(col(Outbox.key).in_(keys))
    )
    sent: dict[str, OutboxStatus] = {key: status for key, status in letters.all()}
    theme = await session.get(CommentTheme, comment.theme_id) if comment.theme_id else None
    if theme is not None and (
        theme.id is None
        or await theme_access(session=session, member=call.member, theme_id=theme.id) is None
    ):
        theme = None
    access = await movable(session=session, member=call.member, comment=comment)
    targets = []
    if access is not None:
        themes = await live_themes(session=session, scope=access.scope)
        targets = [t for t in themes if t.id != comment.theme_id]
    return Shown(
        document=document,
        section=section,
        place=place,
        photos=await photos_of(call, comment),
        other_files=sum(1 for kind in files.scalars().all() if kind != "photo"),
        answers=[
            Answer(reply, unit, official, sent.get(reply_key(reply.id or 0)))
            for reply, unit, official in answers
        ],
        theme=theme,
        targets=targets,
    )


def _delivery(status: OutboxStatus | None, comment: Comment) -> str:
    if answered_on_the_web(comment):
        return _("shown on the receipt page")
    if comment.person_id is None:
        return _("read by the author in /mycomments")
    if status is OutboxStatus.SENT:
        return _("delivered to the author's chat")
    if status is OutboxStatus.FAILED:
        return _("could not be delivered: the author may have blocked the bot")
    return _("waiting to be sent")


def _words(call: DeskCall, found: Readable, shown: Shown) -> Mapping[str, Any]:
    href = call.desk.href
    comment = found.comment
    campaign = found.scope.campaign
    tz = campaign.timezone
    receipt = comment.receipt
    moderation = {
        CommentStatus.RECEIVED: [("hide", _("Hide")), ("spam", _("Mark as spam"))],
        CommentStatus.HIDDEN: [("restore", _("Show again")), ("spam", _("Mark as spam"))],
        CommentStatus.SPAM: [("restore", _("Show again")), ("hide", _("Hide"))],
        CommentStatus.WITHDRAWN: [],
    }[comment.status]
    photos, theme = shown.photos, shown.theme
    if answered_on_the_web(comment):
        route = _("The comment came from the web page: the author reads your answer there.")
    elif comment.person_id is None:
        route = _("The comment is anonymous: the author reads your answer in /mycomments.")
    else:
        route = _("The bot sends your answer to the author's chat, signed by {unit}.").format(
            unit=found.unit.name
        )
    return {
        "receipt": receipt,
        "campaign": campaign.title,
        "about": about(shown.document, shown.section, campaign.title),
        "time": moment(comment.created_at, tz),
        "place": shown.place.name if shown.place is not None else "",
        "author": author_name(comment),
        "phone": author_phone(comment),
        "stance": stance_word(comment.stance),
        "category": category_word(comment.category),
        "medium": medium_word(comment.medium),
        "status": status_word(comment.status),
        "status_value": comment.status.value,
        "text": comment.text,
        "photos": [
            {"number": p.number, "href": href(paths.comment_photo_path(receipt, p.number))}
            for p in photos
            if p.kept
        ],
        "chat_photos": sum(1 for p in photos if not p.kept),
        "other_files": shown.other_files,
        "answers": [
            {
                "time": moment(a.reply.created_at, tz),
                "unit": a.unit,
                "official": a.official,
                "text": a.reply.text,
                "delivery": _delivery(a.letter, comment),
            }
            for a in shown.answers
        ],
        "theme": theme.label if theme is not None else "",
        "theme_href": href(paths.theme_path(theme.id)) if theme and theme.id else "",
        "targets": [{"id": t.id, "label": t.label} for t in shown.targets],
        "can_reply": comment.status is not CommentStatus.WITHDRAWN,
        "route": route,
        "max_reply": MAX_REPLY,
        "moderation": moderation,
        "reply_action": href(paths.comment_action_path(paths.COMMENT_REPLY_ROUTE, receipt)),
        "moderate_action": href(paths.comment_action_path(paths.COMMENT_MODERATE_ROUTE, receipt)),
        "theme_action": href(paths.comment_action_path(paths.COMMENT_THEME_ROUTE, receipt)),
        "list": href(paths.COMMENTS, campaign=campaign.id),
    }


async def photo(call: DeskCall) -> web.StreamResponse:
    """A web comment's photo, as gopy keeps it, to an official who reads the comment."""
    found = await readable(call)
    raw = call.request.match_info["number"]
    if found is None or not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        return call.not_found()
    wanted = int(raw)
    chosen = next((p for p in await photos_of(call, found.comment) if p.number == wanted), None)
    blob = (
        await call.session.get(AttachmentBlob, chosen.attachment_id)
        if chosen is not None and chosen.kept
        else None
    )
    if blob is None:
        return call.not_found()
    return web.Response(
        body=blob.data,
        content_type=blob.content_type,
        headers={
            # A citizen's photo: kept by this browser only, never by a proxy.
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": f'inline; filename="{found.comment.receipt}-{wanted}.jpg"',
        },
    )
