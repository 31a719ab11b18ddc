"""The words of an official's answer as a letter to the comment's author, in the author's
language: what ``services.answers`` queues (for /reply, the «Reply» button and the desk)."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.texts import escape
from services.answers import ReplyWords
from storage.models import Comment, CommentReply, Unit

QUOTED = 300


def reply_words(i18n: I18n) -> ReplyWords:
    """``ReplyWords`` in the author's locale (the default one if the bot does not speak it)."""

    def words(comment: Comment, reply: CommentReply, unit: Unit, locale: str | None) -> str:
        chosen = locale if locale in i18n.available_locales else i18n.default_locale
        with i18n.context(), i18n.use_locale(chosen):
            return reply_text(comment, reply, unit)

    return words


def reply_text(comment: Comment, reply: CommentReply, unit: Unit) -> str:
    original = comment.text if len(comment.text) <= QUOTED else comment.text[:QUOTED] + "…"
    lines = [_("📬 An answer to your comment {code}").format(code=comment.receipt)]
    if original:
        lines.append(f"<blockquote>{escape(original)}</blockquote>")
    lines += [escape(reply.text), "", f"— {escape(unit.name)}"]
    return "\n".join(lines)
