"""Inline keyboards of the comment conversation and of the document pickers."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import CommentNav, Step, SwitchEntry
from handlers.comment_texts import target_name
from storage.entries import Target


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
