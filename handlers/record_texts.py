"""Buttons and texts of an official's recorded comment (a letter, a meeting, an e-mail)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import RecordNav, RecordStep
from handlers.comment_draft import CommentDraft
from handlers.comment_texts import PREVIEW, noted, target_name
from handlers.format import moment
from handlers.texts import escape
from handlers.words import CATEGORY_LABELS, MEDIUM_LABELS, STANCE_LABELS
from storage.entries import Target
from storage.models import CommentMedium


class RecordDraft(CommentDraft):
    """A citizen's draft plus how it reached the unit; kept under its own key."""

    key: ClassVar[str] = "record_draft"

    medium: CommentMedium = CommentMedium.LETTER
    named: bool = False  # the sender's name was asked for and given


def _nav(text: str, step: RecordStep, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=RecordNav(step=step, value=value).pack())


def _cancel() -> list[InlineKeyboardButton]:
    return [_nav(_("Cancel"), RecordStep.CANCEL)]


def _column(buttons: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons] + [_cancel()])


def mediums() -> InlineKeyboardMarkup:
    return _column(
        _nav(_(label), RecordStep.MEDIUM, medium.value) for medium, label in MEDIUM_LABELS.items()
    )


def writing() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_nav(_("Next ➡️"), RecordStep.DONE)], _cancel()])


def stances() -> InlineKeyboardMarkup:
    return _column(
        [
            *(_nav(_(label), RecordStep.STANCE, s.value) for s, label in STANCE_LABELS.items()),
            _nav(_("Skip »"), RecordStep.STANCE),
        ]
    )


def categories() -> InlineKeyboardMarkup:
    return _column(
        [
            *(
                _nav(_(label), RecordStep.CATEGORY, c.value)
                for c, label in CATEGORY_LABELS.items()
            ),
            _nav(_("Not known"), RecordStep.CATEGORY),
        ]
    )


def naming() -> InlineKeyboardMarkup:
    return _column([_nav(_("No name given"), RecordStep.NO_NAME)])


def confirm() -> InlineKeyboardMarkup:
    return _column([_nav(_("💾 Save"), RecordStep.SAVE)])


def ask_medium() -> str:
    return _("📨 How did this comment reach your unit?")


def ask_content(target: Target) -> str:
    return "\n".join(
        [
            f"📄 <b>{escape(target_name(target))}</b>",
            "",
            _(
                "Send photos of the pages and/or type a summary of the comment; several "
                "messages are fine. Then press «Next ➡️»."
            ),
        ]
    )


def collected(draft: CommentDraft) -> str:
    return _("📝 Noted: {what}. Send more, or press «Next ➡️».").format(what=noted(draft))


def ask_stance() -> str:
    return _("Does the sender agree with the draft? (optional)")


def ask_category() -> str:
    return _("Who is the sender?")


def ask_name() -> str:
    return _("The sender's name, if the letter is signed (at most {limit} characters).")


def summary(draft: RecordDraft, target: Target) -> str:
    text = draft.text if len(draft.text) <= PREVIEW else draft.text[:PREVIEW] + "…"
    stance = STANCE_LABELS.get(draft.stance) if draft.stance else None
    category = CATEGORY_LABELS.get(draft.category) if draft.category else None
    lines = [
        _("<b>Comment received</b>: {medium}").format(medium=_(MEDIUM_LABELS[draft.medium])),
        _("On: {target}").format(target=escape(target_name(target))),
    ]
    if text:
        lines.append(f"«{escape(text)}»")
    if draft.files:
        lines.append(_("Files: {count}").format(count=len(draft.files)))
    lines += [
        _("Stance: {stance}").format(stance=_(stance) if stance else _("not given")),
        _("Sender: {category}").format(category=_(category) if category else _("not known")),
        _("Name: {name}").format(name=escape(draft.name) if draft.name else _("not given")),
        "",
        _("Save it as a comment of your unit?"),
    ]
    return "\n".join(lines)


def receipt(when: datetime, code: str, tz: str) -> str:
    return "\n".join(
        [
            _("✅ Saved as a comment of your unit."),
            _("Receipt: <b>{code}</b>, {time}").format(code=code, time=moment(when, tz)),
            _("Send /record for the next one."),
        ]
    )


def already(when: datetime, code: str, tz: str) -> str:
    return _("You saved this comment already at {time} (receipt {code}); it is kept once.").format(
        time=moment(when, tz), code=code
    )
