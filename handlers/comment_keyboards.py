"""Inline keyboards of the comment conversation and of the document pickers."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import (
    CommentCategory,
    CommentNav,
    CommentPlace,
    CommentStance,
    Step,
    SwitchEntry,
)
from handlers.comment_draft import CommentDraft, Question
from handlers.comment_texts import category_label, stance_label, target_name
from storage.entries import Target
from storage.models import AuthorCategory, Stance, Unit
from storage.places import place_name


def _nav(text: str, step: Step) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=CommentNav(step=step).pack())


def writing(target: Target) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    url = target.document.url if target.document else None
    if url:
        rows.append([InlineKeyboardButton(text=_("📖 Read the full text"), url=url)])
    rows.append([_nav(_("Cancel"), Step.CANCEL)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def identity() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_nav(_("🙈 Send anonymously"), Step.ANONYMOUS)],
            [_nav(_("👤 Send with my name"), Step.NAMED)],
            [_nav(_("Cancel"), Step.CANCEL)],
        ]
    )


def after_words(draft: CommentDraft) -> InlineKeyboardMarkup:
    """Under each part of the comment: the stance to tap (which also says the words are done),
    or, its questions answered, how to send."""
    return identity() if Question.STANCE in draft.answered else stance()


def stance() -> InlineKeyboardMarkup:
    answers = [(stance_label(c), CommentStance(stance=c).pack()) for c in Stance]
    return _choices(answers, skip=CommentStance().pack(), per_row=1)


def category() -> InlineKeyboardMarkup:
    answers = [(category_label(c), CommentCategory(category=c).pack()) for c in AuthorCategory]
    return _choices(answers, skip=CommentCategory().pack(), per_row=2)


def places(units: list[Unit]) -> InlineKeyboardMarkup:
    """The wards to tap (none when too many: the person types), and «Not known»."""
    answers = [(_cut(place_name(u)), CommentPlace(unit_id=u.id or 0).pack()) for u in units]
    return _choices(answers, skip=CommentPlace().pack(), per_row=2, skip_text=_("Not known"))


def _choices(
    answers: list[tuple[str, str]],
    *,
    skip: str,
    per_row: int,
    skip_text: str | None = None,
) -> InlineKeyboardMarkup:
    """One-tap answers (label, callback data), a few to a row for a phone's width, then «Skip»
    and «Cancel»."""
    buttons = [InlineKeyboardButton(text=text, callback_data=data) for text, data in answers]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([InlineKeyboardButton(text=skip_text or _("Skip"), callback_data=skip)])
    rows.append([_nav(_("Cancel"), Step.CANCEL)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def name(suggested: str) -> InlineKeyboardMarkup:
    rows = []
    if suggested:
        rows.append([_nav(_("Use «{name}»").format(name=suggested[:40]), Step.USE_NAME)])
    rows.append([_nav(_("Cancel"), Step.CANCEL)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def phone() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_nav(_("Skip »"), Step.SKIP_PHONE)], [_nav(_("Cancel"), Step.CANCEL)]]
    )


def confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_nav(_("✅ Send comment"), Step.SEND)],
            [_nav(_("➕ Add more"), Step.MORE), _nav(_("Cancel"), Step.CANCEL)],
        ]
    )


def switch(current: Target, scanned: Target, code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Keep writing on «{target}»").format(target=_cut(target_name(current))),
        callback_data=CommentNav(step=Step.KEEP),
    )
    builder.button(
        text=_("Switch to «{target}»").format(target=_cut(target_name(scanned))),
        callback_data=SwitchEntry(code=code),
    )
    builder.adjust(1)
    return builder.as_markup()


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
