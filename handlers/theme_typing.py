"""The typed steps of groups of opinions: a theme's new name, and a new theme (its name, then
a few keywords). Bad input keeps the step; /cancel (or any other command) stops."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import is_command
from handlers.replies import refused_unless_official, reply_target
from handlers.texts import escape
from handlers.themes import (
    SCOPE,
    THEME,
    DefineTheme,
    Overseen,
    ThemeFlow,
    gone,
    overseen_scope,
    overseen_theme,
    send_themes,
)
from scheduler.clock import Clock
from storage.people import Member
from storage.themes import (
    LABEL_LENGTH,
    define,
    place_new,
    regroup,
    rename,
    tidy,
    unthemed_share,
)

# A section this small is grouped again at once when an official adds a theme; a larger one
# gets its unthemed comments now and the rest at night.
REGROUP_NOW = 5000
KEYWORD_LENGTH = 60
_SPLIT = re.compile(r"[,;\n]+")


def build_router() -> Router:
    router = Router(name="theme_typing")
    router.callback_query.register(start_define, DefineTheme.filter())
    router.message.register(cancel, ThemeFlow.renaming, Command("cancel"))
    router.message.register(cancel, ThemeFlow.naming, Command("cancel"))
    router.message.register(cancel, ThemeFlow.keywords, Command("cancel"))
    router.message.register(typed_rename, ThemeFlow.renaming, F.text)
    router.message.register(typed_label, ThemeFlow.naming, F.text)
    router.message.register(typed_keywords, ThemeFlow.keywords, F.text)
    return router


def _label(message: Message) -> str | None:
    # Tidied as storage will store it: invisible characters alone make no name.
    label = tidy(message.text or "")
    return label if 0 < len(label) <= LABEL_LENGTH else None


async def _ask_label_again(message: Message) -> None:
    await message.answer(
        _(
            "A group's name has 1 to {limit} characters. Please type it again (/cancel to stop):"
        ).format(limit=LABEL_LENGTH)
    )


async def _stopped(message: Message, state: FSMContext, member: Member) -> bool:
    """True (the step is over) for a command or someone who is no longer an official."""
    if await is_command(message):
        await cancel(message, state)
        return True
    if await refused_unless_official(message, member):
        await state.clear()
        return True
    return False


async def typed_rename(
    message: Message, state: FSMContext, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if await _stopped(message, state, member):
        return
    theme_id = (await state.get_data()).get(THEME)
    found = (
        await overseen_theme(session, member, theme_id, edit=True)
        if isinstance(theme_id, int)
        else None
    )
    if found is None:
        await state.clear()
        await gone(message)
        return
    label = _label(message)
    if label is None:
        await _ask_label_again(message)
        return
    theme, where = found
    before = theme.label
    assert theme.id is not None
    await rename(session=session, theme_id=theme.id, label=label, now=clock.now())
    await session.commit()
    await state.clear()
    await message.answer(
        _(
            "✅ «{before}» is renamed «{after}»; the name stays when comments are regrouped."
        ).format(before=escape(before), after=escape(theme.label))
    )
    await send_themes(message, session, where)


async def start_define(
    callback: CallbackQuery,
    callback_data: DefineTheme,
    state: FSMContext,
    session: AsyncSession,
    member: Member,
) -> None:
    await callback.answer()
    message = reply_target(callback)
    if not isinstance(message, Message) or await refused_unless_official(message, member):
        return
    ids = [callback_data.campaign_id, callback_data.document_id, callback_data.section_id]
    if await overseen_scope(session, member, *ids, edit=True) is None:
        await gone(message)
        return
    await state.set_state(ThemeFlow.naming)
    await state.update_data({SCOPE: ids})
    await message.answer(_("Type the name of the new group (/cancel to stop):"))


async def _scope(state: FSMContext, session: AsyncSession, member: Member) -> Overseen | None:
    ids = (await state.get_data()).get(SCOPE)
    if not isinstance(ids, list) or len(ids) != 3:
        return None
    return await overseen_scope(session, member, *(int(i) for i in ids), edit=True)


async def typed_label(
    message: Message, state: FSMContext, session: AsyncSession, member: Member
) -> None:
    if await _stopped(message, state, member):
        return
    label = _label(message)
    if label is None:
        await _ask_label_again(message)
        return
    await state.update_data({"theme_label": label})
    await state.set_state(ThemeFlow.keywords)
    await message.answer(
        _(
            "Now a few keywords of «{label}», separated by commas, e.g. "
            "<i>bồi thường, giải phóng mặt bằng</i>:"
        ).format(label=escape(label))
    )


def keywords_of(text: str) -> list[str] | None:
    """The keywords typed, or None when there is none or one is too long."""
    words = [" ".join(w.split()) for w in _SPLIT.split(text)]
    words = [w for w in words if w]
    if not words or any(len(w) > KEYWORD_LENGTH for w in words):
        return None
    return list(dict.fromkeys(words))


async def typed_keywords(
    message: Message, state: FSMContext, session: AsyncSession, member: Member, clock: Clock
) -> None:
    if await _stopped(message, state, member):
        return
    where = await _scope(state, session, member)
    label = (await state.get_data()).get("theme_label")
    if where is None or not isinstance(label, str):
        await state.clear()
        await gone(message)
        return
    words = keywords_of(message.text or "")
    if words is None:
        await message.answer(
            _(
                "Please type one or more keywords of up to {limit} characters, separated by "
                "commas (/cancel to stop):"
            ).format(limit=KEYWORD_LENGTH)
        )
        return
    now = clock.now()
    theme = await define(
        session=session,
        scope=where.scope,
        label=label,
        keywords=words,
        by_id=member.person.id,
        now=now,
    )
    # Stored first: the grouping's seconds of computing must not hold SQLite's write lock.
    await session.commit()
    _unthemed, total = await unthemed_share(session=session, scope=where.scope)
    if total <= REGROUP_NOW:
        await regroup(session=session, scope=where.scope, now=now)
    else:
        await place_new(session=session, scope=where.scope)
    await session.commit()
    await state.clear()
    await message.answer(
        _("✅ The group «{label}» is added; comments with its keywords go into it.").format(
            label=escape(theme.label)
        )
    )
    await send_themes(message, session, where)


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped: nothing was changed."))
