"""Groups of opinions («Nhóm ý kiến») in chat, for officials: from /comments, the themes of a
document or section with counts and a quote each; a theme's comments; merge two themes; move
a comment to another theme. Typed steps (rename, a new theme) are in ``handlers.theme_typing``.
The rules are ``storage.themes``'; who may see and change what, ``storage.theme_access``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.comment_texts import about
from handlers.fit import fit_items
from handlers.replies import Answerable, refused_unless_official, reply_target
from handlers.texts import escape
from scheduler.clock import Clock
from storage.models import Campaign, Comment, CommentTheme, Unit
from storage.people import Member
from storage.theme_access import ThemeAccess, movable, scope_access, theme_access
from storage.themes import (
    Among,
    Scope,
    ThemeError,
    live_themes,
    merge,
    move,
    theme_comments,
    theme_counts,
)

THEME = "theme_id"  # FSM data: the theme being renamed
SCOPE = "theme_scope"  # FSM data: [campaign, document, section] of a theme being defined
SHOWN = 8  # themes listed in chat; the rest are counted with «Ý kiến khác»
PAGE = 5  # a theme's comments per message
QUOTE = 160


class ThemeFlow(StatesGroup):
    renaming = State()  # an official typing a theme's new name
    naming = State()  # … a new theme's name
    keywords = State()  # … then its keywords


class ThemesView(CallbackData, prefix="tv"):
    """The themes of a document (0: none) and section (0: the document as a whole)."""

    campaign_id: int
    document_id: int = 0
    section_id: int = 0


class ThemeAction(StrEnum):
    OPEN = "open"  # its comments, a page at a time, with «Chuyển nhóm»
    RENAME = "rename"
    MERGE = "merge"  # pick the theme to merge it into


class ThemeAct(CallbackData, prefix="ta"):
    theme_id: int
    action: ThemeAction
    offset: int = 0


class MergeTheme(CallbackData, prefix="tm"):
    source_id: int
    target_id: int


class MoveComment(CallbackData, prefix="tx"):
    """Move a comment: with ``theme_id`` 0, pick the theme first."""

    comment_id: int
    theme_id: int = 0


class DefineTheme(CallbackData, prefix="td"):
    campaign_id: int
    document_id: int = 0
    section_id: int = 0


def build_router() -> Router:
    router = Router(name="themes")
    router.callback_query.register(show_themes, ThemesView.filter())
    router.callback_query.register(theme_action, ThemeAct.filter())
    router.callback_query.register(merge_theme, MergeTheme.filter())
    router.callback_query.register(move_comment, MoveComment.filter())
    return router


def themes_button(campaign_id: int, document_id: int | None, section_id: int | None) -> ThemesView:
    """What /comments' «Nhóm ý kiến» button carries."""
    return ThemesView(
        campaign_id=campaign_id, document_id=document_id or 0, section_id=section_id or 0
    )


@dataclass(frozen=True, slots=True)
class Overseen:
    """A scope the official may see (``storage.theme_access``), and its title."""

    campaign: Campaign
    unit: Unit  # whose subtree they count
    scope: Scope
    title: str
    editor: bool = False  # may rename, merge, move and add


def _overseen(access: ThemeAccess) -> Overseen:
    title = about(access.document, access.section, access.campaign.title)
    return Overseen(access.campaign, access.unit, access.scope, title, access.editor)


async def overseen_scope(
    session: AsyncSession,
    member: Member,
    campaign_id: int,
    document_id: int,
    section_id: int,
    *,
    edit: bool = False,
) -> Overseen | None:
    """The campaign's document and section (0: none) if the official may see its groups
    (with ``edit``: change them); else None."""
    access = await scope_access(
        session=session,
        member=member,
        campaign_id=campaign_id,
        document_id=document_id,
        section_id=section_id,
        edit=edit,
    )
    return _overseen(access) if access is not None else None


async def overseen_theme(
    session: AsyncSession, member: Member, theme_id: int, *, edit: bool = False
) -> tuple[CommentTheme, Overseen] | None:
    """A live theme the official may read (with ``edit``: change), with its scope."""
    found = await theme_access(session=session, member=member, theme_id=theme_id, edit=edit)
    return (found[0], _overseen(found[1])) if found is not None else None


async def _refused(callback: CallbackQuery, member: Member) -> Answerable | None:
    """The message to answer under, or None after refusing someone who is not an official."""
    await callback.answer()
    message = reply_target(callback)
    if not isinstance(message, Message) or await refused_unless_official(message, member):
        return None
    return message


async def gone(message: Answerable) -> None:
    await message.answer(_("This choice is no longer available."))


def short(text: str, limit: int = QUOTE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


async def show_themes(
    callback: CallbackQuery, callback_data: ThemesView, session: AsyncSession, member: Member
) -> None:
    message = await _refused(callback, member)
    if message is None:
        return
    where = await overseen_scope(
        session,
        member,
        callback_data.campaign_id,
        callback_data.document_id,
        callback_data.section_id,
    )
    if where is None:
        await gone(message)
        return
    await send_themes(message, session, where)


async def send_themes(message: Answerable, session: AsyncSession, where: Overseen) -> None:
    """The themes with counts and a quote each, a button per theme, and «Thêm nhóm»."""
    themes = await theme_counts(
        session=session, scope=where.scope, among=Among(unit_id=where.unit.id), quotes=1, top=SHOWN
    )
    head = _("🗂 <b>Groups of opinions</b>: {title}").format(title=escape(where.title))
    lines: list[str] = []
    builder = InlineKeyboardBuilder()
    for number, theme in enumerate(themes, start=1):
        if theme.theme_id is None:
            lines.append(_("Other opinions: {count}").format(count=theme.count))
            continue
        line = _("{number}. <b>{label}</b>: {count} comments").format(
            number=number, label=escape(theme.label), count=theme.count
        )
        quote = theme.quotes[0].text if theme.quotes else ""
        lines.append(line + (f"\n   «{escape(short(quote))}»" if quote else ""))
        builder.button(
            text=f"{number}. {theme.label} ({theme.count})",
            callback_data=ThemeAct(theme_id=theme.theme_id, action=ThemeAction.OPEN),
        )
    if not any(t.theme_id is not None for t in themes):
        lines.append(_("No groups yet: gopy groups the comments every night. You can add one."))
    scope = where.scope
    if where.editor:
        builder.button(
            text=_("➕ Add a group"),
            callback_data=DefineTheme(
                campaign_id=scope.campaign_id,
                document_id=scope.document_id or 0,
                section_id=scope.section_id or 0,
            ),
        )
    builder.adjust(1)
    text = fit_items([head], lines, sep="\n\n")
    await message.answer(text, reply_markup=builder.as_markup())


async def theme_action(
    callback: CallbackQuery,
    callback_data: ThemeAct,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
) -> None:
    message = await _refused(callback, member)
    if message is None:
        return
    found = await overseen_theme(session, member, callback_data.theme_id)
    if found is None:
        await gone(message)
        return
    theme, where = found
    if callback_data.action is not ThemeAction.OPEN and not where.editor:
        await gone(message)
        return
    if callback_data.action is ThemeAction.OPEN:
        await _open(message, session, theme, where, callback_data.offset)
    elif callback_data.action is ThemeAction.MERGE:
        await _merge_choices(message, session, theme, where)
    else:
        await state.set_state(ThemeFlow.renaming)
        await state.update_data({THEME: theme.id})
        await message.answer(
            _("Type the new name of «{label}» (/cancel to stop):").format(
                label=escape(theme.label)
            )
        )


async def _open(
    message: Answerable, session: AsyncSession, theme: CommentTheme, where: Overseen, offset: int
) -> None:
    assert theme.id is not None
    among = Among(unit_id=where.unit.id)
    page = await theme_comments(
        session=session, theme_id=theme.id, among=among, offset=offset, limit=PAGE + 1
    )
    head = _("🗂 <b>{label}</b> — {title}").format(
        label=escape(theme.label), title=escape(where.title)
    )
    lines = [f"<b>{c.receipt}</b>: {escape(short(c.text, 400))}" for c in page[:PAGE]]
    builder = InlineKeyboardBuilder()
    edits = 0
    if where.editor:
        builder.button(
            text=_("✏️ Rename"),
            callback_data=ThemeAct(theme_id=theme.id, action=ThemeAction.RENAME),
        )
        builder.button(
            text=_("🔗 Merge into another"),
            callback_data=ThemeAct(theme_id=theme.id, action=ThemeAction.MERGE),
        )
        edits = 2
        for comment in page[:PAGE]:
            assert comment.id is not None
            builder.button(
                text=_("↪️ Move {code}").format(code=comment.receipt),
                callback_data=MoveComment(comment_id=comment.id),
            )
    if len(page) > PAGE:
        builder.button(
            text=_("More ▶️"),
            callback_data=ThemeAct(
                theme_id=theme.id, action=ThemeAction.OPEN, offset=offset + PAGE
            ),
        )
    builder.button(text=_("⬅️ All groups"), callback_data=_back(where.scope))
    builder.adjust(*([edits] if edits else []), *([1] * (len(page) + 2)))
    body = lines or [_("No comments in this group.")]
    await message.answer(fit_items([head], body, sep="\n\n"), reply_markup=builder.as_markup())


def _back(scope: Scope) -> ThemesView:
    return themes_button(scope.campaign_id, scope.document_id, scope.section_id)


async def _merge_choices(
    message: Answerable, session: AsyncSession, theme: CommentTheme, where: Overseen
) -> None:
    assert theme.id is not None
    others = [t for t in await live_themes(session=session, scope=where.scope) if t.id != theme.id]
    if not others:
        await message.answer(_("There is no other group to merge it into."))
        return
    builder = InlineKeyboardBuilder()
    for other in others:
        assert other.id is not None
        builder.button(
            text=other.label, callback_data=MergeTheme(source_id=theme.id, target_id=other.id)
        )
    builder.adjust(1)
    await message.answer(
        _("Merge «{label}» into which group?").format(label=escape(theme.label)),
        reply_markup=builder.as_markup(),
    )


async def merge_theme(
    callback: CallbackQuery,
    callback_data: MergeTheme,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    message = await _refused(callback, member)
    if message is None:
        return
    source = await overseen_theme(session, member, callback_data.source_id, edit=True)
    target = await overseen_theme(session, member, callback_data.target_id, edit=True)
    if source is None or target is None:
        await gone(message)
        return
    try:
        await merge(
            session=session,
            source_id=callback_data.source_id,
            target_id=callback_data.target_id,
            now=clock.now(),
        )
    except ThemeError:
        await gone(message)
        return
    await session.commit()
    await message.answer(
        _("✅ «{source}» is merged into «{target}».").format(
            source=escape(source[0].label), target=escape(target[0].label)
        )
    )
    await send_themes(message, session, target[1])


async def move_comment(
    callback: CallbackQuery,
    callback_data: MoveComment,
    session: AsyncSession,
    member: Member,
    clock: Clock,
) -> None:
    message = await _refused(callback, member)
    if message is None:
        return
    comment = await session.get(Comment, callback_data.comment_id)
    access = (
        await movable(session=session, member=member, comment=comment)
        if comment is not None
        else None
    )
    if comment is None or access is None:
        await gone(message)
        return
    where = _overseen(access)
    if not callback_data.theme_id:
        await _move_choices(message, session, comment, where)
        return
    try:
        theme = await move(
            session=session,
            comment_id=comment.id or 0,
            theme_id=callback_data.theme_id,
            now=clock.now(),
        )
    except ThemeError:
        await gone(message)
        return
    await session.commit()
    await message.answer(
        _(
            "✅ {code} is now in «{label}»; it stays there when the comments are grouped again."
        ).format(code=comment.receipt, label=escape(theme.label))
    )


async def _move_choices(
    message: Answerable, session: AsyncSession, comment: Comment, where: Overseen
) -> None:
    builder = InlineKeyboardBuilder()
    for theme in await live_themes(session=session, scope=where.scope):
        if theme.id != comment.theme_id:
            assert theme.id is not None and comment.id is not None
            builder.button(
                text=theme.label,
                callback_data=MoveComment(comment_id=comment.id, theme_id=theme.id),
            )
    builder.adjust(1)
    await message.answer(
        _("Move {code} to which group?").format(code=comment.receipt),
        reply_markup=builder.as_markup(),
    )
