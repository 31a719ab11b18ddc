"""The command menu Telegram shows next to the input box, in each language."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from handlers.keyboards import N_
from storage.models import RoleKind
from storage.people import Member

log = logging.getLogger(__name__)

# Telegram shows this menu to everyone, citizens first: secretaries and officials find their
# own commands on their reply keyboard (handlers.keyboards.main_menu) and in /help.
COMMANDS = (
    ("comment", N_("Comment on the draft documents")),
    ("mycomments", N_("Your comments")),
    ("help", N_("How to use the bot")),
    ("cancel", N_("Stop what you are doing")),
    ("lang", N_("Change language")),
)


# A role's own commands, added to the menu of that person's chat when they join.
ROLE_COMMANDS = {
    RoleKind.SECRETARY: (
        ("report", N_("File or change this week's report")),
        ("myreports", N_("Reports sent, week by week")),
    ),
    RoleKind.OFFICIAL: (
        ("report", N_("Draft and sign your unit's report")),
        ("status", N_("Reports so far, unit by unit")),
        ("comments", N_("Citizens' comments")),
        ("record", N_("Record a letter, a meeting's remarks or an e-mail")),
        ("export", N_("Consolidated report")),
        ("letterhead", N_("Letterhead and signer of your letters")),
        ("qr", N_("QR codes and posters")),
        ("web", N_("Open the desk in a browser")),
    ),
}


def bot_commands(i18n: I18n, locale: str, member: Member | None = None) -> list[BotCommand]:
    """The menu of everyone, or of ``member``: their roles' commands first."""
    own: dict[str, str] = {}
    for kind, items in ROLE_COMMANDS.items():
        if member is not None and member.has(kind):
            for name, text in items:
                # A secretary who is also an official has one /report (it offers both).
                own.setdefault(name, text)
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for name, text in (*own.items(), *COMMANDS)
    ]


async def publish_for_chat(
    bot: Bot, chat_id: int, member: Member, i18n: I18n, locale: str
) -> None:
    """The menu of one person's private chat, once they hold a role."""
    try:
        await bot.set_my_commands(
            bot_commands(i18n, locale, member), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramAPIError:
        log.warning("could not publish a chat's command menu")


def register_menu(dp: Dispatcher, i18n: I18n) -> None:
    """Publish the menu when the bot starts: the default language, then each other one."""

    async def publish(bot: Bot) -> None:
        try:
            await bot.set_my_commands(bot_commands(i18n, i18n.default_locale))
            for locale in i18n.available_locales:
                if locale != i18n.default_locale:
                    await bot.set_my_commands(bot_commands(i18n, locale), language_code=locale)
        except TelegramAPIError:
            # A missing menu is cosmetic; the bot must start all the same.
            log.warning("could not publish the command menu")

    dp.startup.register(publish)
