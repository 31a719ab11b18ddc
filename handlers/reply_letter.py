"""An official's answer as a letter to the comment's author, in the author's language.

It goes through the outbox like every message the bot starts: rate-limited, held during the
campaign's quiet hours, sent once even if the bot restarts.
"""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.texts import escape
from scheduler.sweeps import Defaults, rules_of, timing
from storage.models import Campaign, Comment, CommentReply, Person, Purpose, Unit
from storage.outbox import Letter
from storage.replies import reply_key

QUOTED = 300


async def reply_letter(
    *,
    session: AsyncSession,
    i18n: I18n,
    comment: Comment,
    campaign: Campaign,
    reply: CommentReply,
    author: Person,
    unit: Unit,
    defaults: Defaults,
    now: datetime,
) -> Letter:
    assert author.id is not None and reply.id is not None
    locale = author.locale if author.locale in i18n.available_locales else i18n.default_locale
    with i18n.use_locale(locale):
        text = reply_text(comment, reply, unit)
    when = timing(await rules_of(session=session, campaign=campaign, defaults=defaults), now)
    return Letter(
        key=reply_key(reply.id),
        purpose=Purpose.REPLY,
        person_id=author.id,
        channel=author.channel,
        chat_id=author.external_id,
        text=text,
        markup=None,
        not_before=when.not_before,
        quiet_hours=when.quiet_hours,
        timezone=when.timezone,
        about=comment.receipt,
    )


def reply_text(comment: Comment, reply: CommentReply, unit: Unit) -> str:
    original = comment.text if len(comment.text) <= QUOTED else comment.text[:QUOTED] + "…"
    lines = [_("📬 An answer to your comment {code}").format(code=comment.receipt)]
    if original:
        lines.append(f"<blockquote>{escape(original)}</blockquote>")
    lines += [escape(reply.text), "", f"— {escape(unit.name)}"]
    return "\n".join(lines)
