"""Keyboards: the main menu and the inline buttons of the report form."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from handlers.callbacks import EditField, FormNav, Nav, SetLocale, ToggleChoice
from handlers.draft import ReportDraft
from storage.forms import FieldKind, FieldSpec, FormSpec
from storage.models import RoleKind
from storage.people import Member


def N_(message: str) -> str:
    return message


MENU_REPORT = N_("📝 Weekly report")
MENU_HISTORY = N_("📋 My reports")
MENU_HELP = N_("❓ Help")
MENU_COMMENT = N_("✍️ Comment on the drafts")
MENU_MY_COMMENTS = N_("🗂 My comments")
MENU_STATUS = N_("📊 Status")
MENU_COMMENTS = N_("💬 Comments")
MENU_EXPORT = N_("📥 Consolidated report")
MENU_QR = N_("🔳 QR code")
MENU_SIGN = N_("✍️ Unit's report")
MENU_RECORD = N_("📨 Record a comment received")
OFFICIAL_KEYS = (MENU_SIGN, MENU_STATUS, MENU_COMMENTS, MENU_RECORD, MENU_EXPORT, MENU_QR)
MENU_KEYS = (
    MENU_REPORT,
    MENU_HISTORY,
    MENU_HELP,
    MENU_COMMENT,
    MENU_MY_COMMENTS,
    *OFFICIAL_KEYS,
)


class MenuButton(Filter):
    """A press of a reply-keyboard button, in whichever language the keyboard was shown."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        return message.text in {
            i18n.gettext(self.msgid, locale=locale) for locale in i18n.available_locales
        } | {self.msgid}


def main_menu(member: Member | None) -> ReplyKeyboardMarkup:
    """Each role its own keys: an official's work, a secretary's report, a citizen's comment."""
    builder = ReplyKeyboardBuilder()
    official = member is not None and member.has(RoleKind.OFFICIAL)
    if official:
        for key in OFFICIAL_KEYS:
            builder.button(text=_(key))
    if member is not None and member.has(RoleKind.SECRETARY):
        builder.button(text=_(MENU_REPORT))
        builder.button(text=_(MENU_HISTORY))
    if not official:
        builder.button(text=_(MENU_COMMENT))
        builder.button(text=_(MENU_MY_COMMENTS))
    builder.button(text=_(MENU_HELP))
    builder.adjust(2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def question(spec: FieldSpec, draft: ReportDraft, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    rows: list[int] = []
    if spec.kind is FieldKind.CHOICES:
        for index, choice in enumerate(spec.choices):
            ticked = "✅" if choice.key in draft.selected else "⬜"
            label = choice.label.get(locale) or choice.label["vi"]
            builder.button(text=f"{ticked} {label}", callback_data=ToggleChoice(index=index))
        builder.button(text=_("Done ✔️"), callback_data=FormNav(action=Nav.DONE))
        rows += [1] * (len(spec.choices) + 1)
    nav: list[InlineKeyboardButton] = []
    if draft.index > 0 or draft.editing_one:
        nav.append(_button(_("« Back"), Nav.BACK))
    if spec.optional:
        nav.append(_button(_("Skip »"), Nav.SKIP))
    nav.append(_button(_("Cancel"), Nav.CANCEL))
    if rows:
        builder.adjust(*rows)
    builder.row(*nav)
    return builder.as_markup()


def review(form: FormSpec, locale: str, *, signing: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, spec in enumerate(form.fields):
        builder.button(
            text=f"✏️ {index + 1}. {spec.text('label', locale)}",
            callback_data=EditField(index=index),
        )
    builder.adjust(1)
    builder.row(_button(_("✍️ Sign and send") if signing else _("✅ Submit report"), Nav.SUBMIT))
    builder.row(_button(_("Cancel"), Nav.CANCEL))
    return builder.as_markup()


def languages() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="Tiếng Việt", callback_data=SetLocale(locale="vi"))
    builder.button(text="English", callback_data=SetLocale(locale="en"))
    return builder.as_markup()


def _button(text: str, action: Nav) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=FormNav(action=action).pack())
