"""Help, language, and the polite fallback for anything no other handler took."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import keyboards
from handlers.callbacks import SetLocale
from handlers.replies import reply_target
from storage.models import RoleKind
from storage.people import Member, set_locale


def build_router() -> Router:
    router = Router(name="common")
    router.message.register(show_help, Command("help"))
    router.message.register(show_help, keyboards.MenuButton(keyboards.MENU_HELP))
    router.message.register(choose_language, Command("lang", "language"))
    router.callback_query.register(change_language, SetLocale.filter())
    router.message.register(cancel_outside_form, Command("cancel", "back", "skip"))
    router.message.register(fallback)
    router.callback_query.register(unknown_button)
    return router


async def show_help(message: Message, member: Member) -> None:
    text = _(
        "/comment sends a comment on the draft documents; /mycomments lists yours. "
        "/cancel stops what you are doing, /lang changes language."
    )
    if member.has(RoleKind.SECRETARY):
        text += "\n" + _(
            "/report files or changes this week's report; /myreports shows the weeks sent. "
            "In the form, /back goes to the previous question."
        )
    if member.has(RoleKind.OFFICIAL):
        text += "\n" + _(
            "Officials: /status shows who has filed this week; /remind reminds those who have not."
        )
        text += "\n" + _(
            "/comments shows citizens' comments (/reply, /hide, /spam by receipt code); "
            "/qr makes a QR poster."
        )
        text += "\n" + _(
            "/record enters a comment your unit received by letter, at a meeting, by e-mail or "
            "in the comment box."
        )
        text += "\n" + _("/export makes the consolidated report of your unit (DOCX, XLSX, CSV).")
        text += "\n" + _(
            "/report drafts your unit's own report (the figures of the units below, your "
            "unit's own work, the assessment); «Sign and send» files it to the level above."
        )
        text += "\n" + _(
            "/letterhead shows and changes how your unit's letters are headed and signed."
        )
        text += "\n" + _(
            "/web opens the desk in a browser: the board, comments, reports and posters."
        )
    await message.answer(text, reply_markup=keyboards.main_menu(member))


async def choose_language(message: Message) -> None:
    await message.answer(_("Choose a language:"), reply_markup=keyboards.languages())


async def change_language(
    callback: CallbackQuery,
    callback_data: SetLocale,
    session: AsyncSession,
    member: Member,
    i18n: I18n,
) -> None:
    await callback.answer()
    if callback_data.locale not in ("vi", "en"):
        return
    await set_locale(session=session, person=member.person, locale=callback_data.locale)
    with i18n.use_locale(callback_data.locale):
        await reply_target(callback).answer(
            _("Language changed."), reply_markup=keyboards.main_menu(member)
        )


async def cancel_outside_form(message: Message, member: Member) -> None:
    await message.answer(
        _("There is nothing to cancel."), reply_markup=keyboards.main_menu(member)
    )


async def fallback(message: Message, member: Member) -> None:
    await message.answer(
        _("Sorry, I did not understand that. Send /help to see what I can do."),
        reply_markup=keyboards.main_menu(member),
    )


async def unknown_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button is no longer active."))
