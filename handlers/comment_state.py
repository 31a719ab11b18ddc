"""The comment in progress and what it is about, read back from the FSM for each step."""

from __future__ import annotations

from typing import TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.comment_draft import CommentDraft
from handlers.replies import reply_target
from storage.entries import Target, target_of

D = TypeVar("D", bound=CommentDraft)


async def current(state: FSMContext, session: AsyncSession) -> tuple[CommentDraft, Target] | None:
    """The draft and its target; None (and the state cleared) when either is gone."""
    return await current_of(CommentDraft, state, session)


async def current_of(
    kind: type[D], state: FSMContext, session: AsyncSession
) -> tuple[D, Target] | None:
    """The draft of ``kind`` and what it is about; None (the state cleared) if either is gone.
    Shared with an official's recorded letter."""
    draft = await kind.load(state)
    target = (
        await target_of(
            session=session,
            campaign_id=draft.campaign_id,
            document_id=draft.document_id,
            section_id=draft.section_id,
        )
        if draft is not None
        else None
    )
    if draft is None or target is None:
        await state.clear()
        return None
    return draft, target


async def written(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession
) -> tuple[CommentDraft, Target] | None:
    """The draft and its target once something is written; else ask for the words first."""
    found = await current(state, session)
    await callback.answer()
    if found is not None and found[0].empty:
        await reply_target(callback).answer(_("Please write your comment first."))
        return None
    return found
