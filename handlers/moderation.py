"""Officials and citizens' comments: ``/comments`` (counts, latest, by section, export),
``/reply``, ``/hide``, ``/spam`` and ``/restore`` by receipt code."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import CommentAction, CommentsView, ExportComments, ModerateComment
from handlers.comment_texts import about, official_line, section_name
from handlers.count_texts import count_lines
from handlers.files import FileMaker, Format
from handlers.fit import fit_items
from handlers.format import moment
from handlers.replies import Answerable, refused_unless_official, reply_target
from handlers.reply_letter import reply_words
from handlers.texts import escape
from handlers.themes import themes_button
from scheduler.clock import Clock
from services.answers import MAX_REPLY, Route, answer_comment, clean_answer
from services.oversight import Outreach
from storage.campaigns import documents_of
from storage.comment_counts import comment_counts, place_counts
from storage.comment_scope import (
    readable_campaign,
    readable_campaigns,
    readable_comment,
    reading_scope,
)
from storage.comments import (
    CommentView,
    Moderation,
    export_views,
    latest_comments,
    moderate,
)
from storage.forms import InvalidValue
from storage.models import Campaign, Comment, CommentStatus, Unit
from storage.people import Member
from storage.themes import theme_labels

LATEST = 5
LISTED = 10
_RECEIPT = re.compile(r"^\s*(YK[-\s]?[A-Z0-9]{6})\b\s*(.*)$", re.IGNORECASE | re.DOTALL)


def build_router() -> Router:
    router = Router(name="moderation")
    router.message.register(show_comments, Command("comments"))
    router.message.register(show_comments, keyboards.MenuButton(keyboards.MENU_COMMENTS))
    router.callback_query.register(narrow, CommentsView.filter())
    router.callback_query.register(export, ExportComments.filter())
    router.message.register(reply, Command("reply"))
    for action in Moderation:
        router.message.register(moderate_one, Command(action.value))
    return router


async def show_comments(message: Message, session: AsyncSession, member: Member) -> None:
    if await refused_unless_official(message, member):
        return
    campaigns = await readable_campaigns(session=session, member=member, limit=3)
    if not campaigns:
        await message.answer(_("No campaign of your unit has comments to show."))
        return
    for campaign in campaigns:
        scope = await reading_scope(session=session, member=member, campaign=campaign)
        if scope is None:
            continue
        for unit in scope.roots:
            await _overview(message, session, campaign, unit, None if scope.whole else unit.id)


async def _overview(
    message: Answerable,
    session: AsyncSession,
    campaign: Campaign,
    unit: Unit,
    within: int | None,
) -> None:
    """The comments counted for the official's unit: per unit below it, by stance and sender,
    per document and section, and the latest ones (``within``: the unit, when it holds only
    a part of the campaign)."""
    counts = {
        (t.document_id, t.section_id): t
        for t in await comment_counts(session=session, campaign=campaign, unit=unit)
    }
    shown = sum(t.shown for t in counts.values())
    hidden = sum(t.hidden for t in counts.values())
    head = _("💬 <b>{title}</b>: {count} comments").format(
        title=escape(campaign.title), count=shown
    ) + (_(" ({count} hidden)").format(count=hidden) if hidden else "")
    places = await place_counts(session=session, campaign=campaign, unit=unit, shown_only=True)
    kinds = [escape(line) for line in count_lines(places)]
    lines = [f"📍 {escape(place.name)}: {place.total}" for place in places.children if place.total]
    builder = InlineKeyboardBuilder()
    assert campaign.id is not None
    for document, sections in await documents_of(session=session, campaign=campaign):
        total = sum(t.shown for (d, _s), t in counts.items() if d == document.id)
        lines.append(f"📄 {escape(document.title)}: {total}")
        for section in sections:
            tally = counts.get((document.id, section.id))
            if tally is not None and tally.shown:
                lines.append(f"   • {escape(section_name(section))}: {tally.shown}")
        assert document.id is not None
        builder.button(
            text=f"📄 {document.title} ({total})",
            callback_data=CommentsView(campaign_id=campaign.id, document_id=document.id),
        )
    general = counts.get((None, None))
    if general is not None and general.shown:
        lines.append(_("💬 General comments: {count}").format(count=general.shown))
    views = await latest_comments(
        session=session,
        campaign=campaign,
        limit=LATEST,
        within=within,
    )
    latest = [official_line(view) for view in views]
    if latest:
        # The heading travels with the first comment: never shown alone.
        latest[0] = "\n".join(["", _("<b>Latest</b>"), latest[0]])
    builder.button(
        text=_("📥 Excel (XLSX)"),
        callback_data=ExportComments(campaign_id=campaign.id, fmt="xlsx"),
    )
    builder.button(
        text=_("📥 CSV"), callback_data=ExportComments(campaign_id=campaign.id, fmt="csv")
    )
    builder.adjust(1)
    builder.attach(comment_buttons(views))
    text = fit_items([head, *kinds], [*lines, *latest], ["", _commands_hint()], more=_more)
    await message.answer(text, reply_markup=builder.as_markup())


def _more(count: int) -> str:
    return _("… and {count} more comments").format(count=count)


def comment_buttons(views: list[CommentView]) -> InlineKeyboardBuilder:
    """A row under the list per comment: answer it, hide it, mark it as spam, see its photos
    (no code typed)."""
    builder = InlineKeyboardBuilder()
    for view in views:
        comment = view.comment
        if comment.id is None or comment.status is CommentStatus.WITHDRAWN:
            continue
        row = [
            (_("↩️ Reply {code}").format(code=comment.receipt), CommentAction.REPLY),
            (_("🙈 Hide"), CommentAction.HIDE),
            (_("🚫 Spam"), CommentAction.SPAM),
        ]
        if view.photos:
            row.append((_("📷 Photos ({count})").format(count=view.photos), CommentAction.PHOTOS))
        builder.row(
            *(
                InlineKeyboardButton(
                    text=text,
                    callback_data=ModerateComment(comment_id=comment.id, action=action).pack(),
                )
                for text, action in row
            )
        )
    return builder


def _commands_hint() -> str:
    return _(
        "Reply: /reply YK-… your answer. Hide: /hide YK-…, spam: /spam YK-…, "
        "show again: /restore YK-…"
    )


async def narrow(
    callback: CallbackQuery, callback_data: CommentsView, session: AsyncSession, member: Member
) -> None:
    await callback.answer()
    message = reply_target(callback)
    scope = await readable_campaign(
        session=session, member=member, campaign_id=callback_data.campaign_id
    )
    if scope is None:
        await message.answer(_("This choice is no longer available."))
        return
    campaign = scope.campaign
    document_id = callback_data.document_id or None
    section_id = callback_data.section_id or None
    views = await latest_comments(
        session=session,
        campaign=campaign,
        document_id=document_id,
        section_id=section_id,
        limit=LISTED,
        within=scope.within,
    )
    builder = InlineKeyboardBuilder()
    title = campaign.title
    for document, sections in await documents_of(session=session, campaign=campaign):
        if document.id != document_id:
            continue
        title = about(document, None, campaign.title)
        for section in sections:
            if section.id == section_id:
                title = about(document, section, campaign.title)
            elif section_id is None:
                assert section.id is not None and campaign.id is not None
                builder.button(
                    text=section_name(section),
                    callback_data=CommentsView(
                        campaign_id=campaign.id, document_id=document.id, section_id=section.id
                    ),
                )
    if document_id is not None:
        assert campaign.id is not None
        builder.button(
            text=_("🗂 Groups of opinions"),
            callback_data=themes_button(campaign.id, document_id, section_id),
        )
    builder.adjust(1)
    builder.attach(comment_buttons(views))
    head = _("<b>{title}</b>: latest comments").format(title=escape(title))
    body = [official_line(view) for view in views] or [_("No comments yet.")]
    text = fit_items([head], body, sep="\n\n", more=_more)
    await message.answer(text, reply_markup=builder.as_markup())


async def export(
    callback: CallbackQuery,
    callback_data: ExportComments,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    files: FileMaker,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    scope = await readable_campaign(
        session=session, member=member, campaign_id=callback_data.campaign_id
    )
    if scope is None:
        await message.answer(_("This choice is no longer available."))
        return
    campaign = scope.campaign
    views: list[CommentView] = [
        v async for v in export_views(session=session, campaign=campaign, within=scope.within)
    ]
    fmt: Format = "csv" if callback_data.fmt == "csv" else "xlsx"
    counts = await place_counts(session=session, campaign=campaign, unit=scope.unit)
    themes = await theme_labels(
        session=session, ids=(v.comment.theme_id for v in views if v.comment.theme_id)
    )
    # Writing a large spreadsheet takes seconds of pure Python: not on the event loop.
    data = await asyncio.to_thread(
        files.comments, views, fmt=fmt, tz=campaign.timezone, counts=counts, themes=themes
    )
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    name = f"gopy-{campaign.code}-{stamp}.{fmt}"
    await message.answer_document(
        BufferedInputFile(data, filename=name),
        caption=_("Comments of «{title}»: {count}.").format(
            title=escape(campaign.title), count=len(views)
        ),
    )


async def comment_for(
    message: Message, session: AsyncSession, member: Member, code: str
) -> tuple[Comment, Campaign, Unit] | None:
    """The comment with receipt ``code`` if it is placed where the official reads
    (``storage.comment_scope``), with the unit that answers it; else say why not (the same
    words for a comment of another ward as for no comment: nothing tells it exists)."""
    found = await readable_comment(session=session, member=member, receipt=code.upper())
    if found is None:
        await message.answer(
            _("No comment {code} among those you oversee. Please check the code.").format(
                code=escape(code.upper())
            )
        )
        return None
    return found.comment, found.scope.campaign, found.unit


def _receipt_and_rest(args: str | None) -> tuple[str, str] | None:
    match = _RECEIPT.match(args or "")
    if match is None:
        return None
    code = re.sub(r"[-\s]", "", match[1]).upper()
    return f"{code[:2]}-{code[2:]}", match[2]


async def reply(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    outreach: Outreach,
    i18n: I18n,
) -> None:
    if await refused_unless_official(message, member):
        return
    parsed = _receipt_and_rest(command.args)
    if parsed is None:
        await message.answer(_("Please write: /reply YK-7K3QMA your answer"))
        return
    await send_reply(message, session, member, clock, outreach, i18n, *parsed)


async def send_reply(
    message: Message,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    outreach: Outreach,
    i18n: I18n,
    code: str,
    rest: str,
) -> bool:
    """Store an official's answer to comment ``code`` and queue its letter
    (``services.answers``); False (after saying why) when nothing was stored. /reply and
    the «Reply» button both land here."""
    try:
        text = clean_answer(rest)
    except InvalidValue as error:
        if error.reason == "too_long":
            await message.answer(
                _("An answer can have at most {limit} characters.").format(limit=MAX_REPLY)
            )
        else:
            await message.answer(_("Please write: /reply YK-7K3QMA your answer"))
        return False
    found = await comment_for(message, session, member, code)
    if found is None:
        return False
    comment, campaign, unit = found
    now = clock.now()
    answered = await answer_comment(
        session=session,
        comment=comment,
        campaign=campaign,
        unit=unit,
        official=member.person,
        text=text,
        defaults=outreach.defaults,
        words=reply_words(i18n),
        now=now,
    )
    if answered is None:
        await message.answer(
            _("Comment {code} was withdrawn by its author.").format(code=comment.receipt)
        )
        return False
    # Stored (and a letter queued) before it is said; the delivery loop looks for committed rows.
    await session.commit()
    if answered.route is Route.RECEIPT_PAGE:
        await message.answer(_web_reply_text(comment))
    elif answered.route is Route.MY_COMMENTS:
        await message.answer(_anonymous_reply_text(comment))
    else:
        outreach.wake()
        goes_at = answered.goes_at or now
        await message.answer(_sent_text(comment, goes_at, now, campaign.timezone))
    return True


def _anonymous_reply_text(comment: Comment) -> str:
    return _(
        "✅ Your answer to {code} is saved. The comment was sent anonymously, so the bot "
        "cannot message its author: they will see your answer in /mycomments."
    ).format(code=comment.receipt)


def _web_reply_text(comment: Comment) -> str:
    return _(
        "✅ Your answer to {code} is saved. The comment was sent from the web page, so the "
        "bot cannot message its author: your answer appears on the comment's receipt page."
    ).format(code=comment.receipt)


def _sent_text(comment: Comment, goes_at: datetime, now: datetime, tz: str) -> str:
    text = _("✅ Your answer to {code} is on its way to its author.").format(code=comment.receipt)
    if goes_at > now:
        text += "\n" + _("It is quiet hours now: it goes at {time}.").format(
            time=moment(goes_at, tz)
        )
    return text


async def moderate_one(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    if await refused_unless_official(message, member):
        return
    action = Moderation(command.command.lower())
    parsed = _receipt_and_rest(command.args)
    if parsed is None:
        await message.answer(_("Please write: /{command} YK-7K3QMA").format(command=action.value))
        return
    await apply_moderation(message, session, member, clock, action, parsed[0])


async def apply_moderation(
    message: Message,
    session: AsyncSession,
    member: Member,
    clock: Clock,
    action: Moderation,
    code: str,
) -> None:
    """Hide, mark as spam or restore comment ``code``: the typed command and the buttons."""
    found = await comment_for(message, session, member, code)
    if found is None:
        return
    comment = found[0]
    if not await moderate(
        session=session, comment=comment, action=action, by=member.person, now=clock.now()
    ):
        await message.answer(
            _("Comment {code} was withdrawn by its author.").format(code=comment.receipt)
        )
        return
    done = {
        Moderation.HIDE: _(
            "Comment {code} is hidden: kept on record, left out of lists and reports."
        ),
        Moderation.SPAM: _("Comment {code} is marked as spam: kept on record, not counted."),
        Moderation.RESTORE: _("Comment {code} is shown again."),
    }
    await message.answer(done[action].format(code=comment.receipt))
