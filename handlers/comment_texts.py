"""Texts of the comment conversation: what a poster points to, the draft, the receipt."""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import gettext as _

from handlers.comment_draft import CommentDraft, Question
from handlers.format import moment, thousands
from handlers.texts import escape
from handlers.words import CATEGORY_LABELS, STANCE_LABELS
from storage.comments import CommentView
from storage.entries import Target
from storage.models import AuthorCategory, CommentStatus, Document, Section, Stance
from storage.phones import display_phone

PREVIEW = 300


def section_name(section: Section) -> str:
    return f"{section.number}. {section.heading}"


def about(document: Document | None, section: Section | None, campaign_title: str) -> str:
    """One line naming what a comment is about (plain text; escape before HTML)."""
    if document is None:
        return campaign_title
    if section is None:
        return document.title
    return f"{document.title} — {section_name(section)}"


def target_name(target: Target) -> str:
    return about(target.document, target.section, target.campaign.title)


def greeting(target: Target) -> str:
    lines = [f"📄 <b>{escape(target.campaign.title)}</b>"]
    if target.document is not None:
        lines.append(escape(target.document.title))
    if target.section is not None:
        lines.append(f"<b>{escape(section_name(target.section))}</b>")
        if target.section.summary:
            lines.append(f"<i>{escape(target.section.summary)}</i>")
    lines += [
        "",
        _(
            "✍️ Please send your comment: type it, or send a photo of a handwritten letter "
            "(a caption is welcome). You may send several messages."
        ),
    ]
    return "\n".join(lines)


def collected(draft: CommentDraft) -> str:
    return _(
        "📝 Noted: {what}. Send more if you like, or choose how to send your comment:"
    ).format(what=noted(draft))


def noted(draft: CommentDraft) -> str:
    """What a draft holds so far: «120 characters, 2 photo(s)»."""
    parts = []
    if draft.text:
        parts.append(_("{count} characters").format(count=thousands(len(draft.text))))
    if draft.photos:
        parts.append(_("{count} photo(s)").format(count=draft.photos))
    others = len(draft.files) - draft.photos
    if others:
        parts.append(_("{count} other file(s)").format(count=others))
    return ", ".join(parts)


def after_words(draft: CommentDraft) -> str:
    """What the bot says under each part of the comment: the stance question first, then (its
    questions answered, after «Add more») how to send."""
    if Question.STANCE in draft.answered:
        return collected(draft)
    return _(
        "📝 Noted: {what}. Send more if you like. When you are done: do you agree with the draft?"
    ).format(what=noted(draft))


def stance_label(stance: Stance) -> str:
    return _(STANCE_LABELS[stance])


def category_label(category: AuthorCategory) -> str:
    return _(CATEGORY_LABELS[category])


def summary(draft: CommentDraft, target: Target) -> str:
    text = draft.text if len(draft.text) <= PREVIEW else draft.text[:PREVIEW] + "…"
    if draft.anonymous:
        author = _("anonymous")
    else:
        author = escape(draft.name or "")
        if draft.phone:
            author += f", {display_phone(draft.phone)}"
    lines = [
        _("<b>Your comment</b>"),
        _("On: {target}").format(target=escape(target_name(target))),
    ]
    if text:
        lines.append(f"«{escape(text)}»")
    if draft.files:
        lines.append(_("Files: {count}").format(count=len(draft.files)))
    if draft.stance is not None:
        lines.append(_("Your view: {stance}").format(stance=stance_label(draft.stance)))
    if draft.category is not None:
        lines.append(_("You are: {category}").format(category=category_label(draft.category)))
    if draft.place:
        lines.append(_("Place: {place}").format(place=escape(draft.place)))
    lines += [_("From: {author}").format(author=author), "", _("Send it?")]
    return "\n".join(lines)


def receipt(view_time: datetime, code: str, tz: str) -> str:
    return "\n".join(
        [
            _("✅ Thank you! Your comment was received."),
            _("Receipt: <b>{code}</b>, {time}").format(code=code, time=moment(view_time, tz)),
            _("Send /mycomments to see your comments or withdraw one."),
        ]
    )


def status_label(view: CommentView, *, answered: bool | None = None) -> str:
    """``answered`` says whether the answer reached the author (its letter was sent); left
    out, an answer written counts (what officials see)."""
    status = view.comment.status
    if status is CommentStatus.WITHDRAWN:
        return _("withdrawn")
    if answered if answered is not None else view.comment.replied_at is not None:
        return _("answered")
    return _("received")


def official_label(view: CommentView) -> str:
    """The status as officials see it: their own moderation shows."""
    if view.comment.status is CommentStatus.HIDDEN:
        return _("hidden")
    if view.comment.status is CommentStatus.SPAM:
        return _("spam")
    return status_label(view)


def author_line(view: CommentView) -> str:
    """Who sent it, for officials: a name and phone, or «anonymous»; never a messenger id."""
    comment = view.comment
    if comment.anonymous or not comment.author_name:
        return _("anonymous")
    phone = f", {display_phone(comment.phone)}" if comment.phone else ""
    return escape(comment.author_name) + phone


def official_line(view: CommentView) -> str:
    comment = view.comment
    tz = view.campaign.timezone
    text = comment.text if len(comment.text) <= 160 else comment.text[:160] + "…"
    head = f"<b>{comment.receipt}</b> · {moment(comment.created_at, tz)} · {author_line(view)}"
    lines = [head, escape(about(view.document, view.section, view.campaign.title))]
    if text:
        lines.append(f"«{escape(text)}»")
    if view.photos:
        lines.append(_("📷 {count} photo(s)").format(count=view.photos))
    return "\n".join(lines)


def own_line(view: CommentView, *, answered: bool) -> str:
    """A line of the author's own list; ``answered``: an answer was delivered to them."""
    comment = view.comment
    tz = view.campaign.timezone
    text = comment.text if len(comment.text) <= 80 else comment.text[:80] + "…"
    status = status_label(view, answered=answered)
    head = f"<b>{comment.receipt}</b> · {moment(comment.created_at, tz)} · {status}"
    body = escape(about(view.document, view.section, view.campaign.title))
    answer = ""
    if view.reply:
        short = view.reply if len(view.reply) <= 300 else view.reply[:300] + "…"
        answer = _("↪️ Answer: {text}").format(text=escape(short))
    lines = (head, body, f"«{escape(text)}»" if text else "", answer)
    return "\n".join(line for line in lines if line)
