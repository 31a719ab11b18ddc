"""The command line's words: gettext in ``GOPY_LOCALE`` (Vietnamese unless told otherwise).

Typer reads help texts when the module is imported, before anyone asked for a language, so
they are written as msgids marked with ``N_`` and translated when the command tree is built
(``Translated.main``). The catalogue of one language is read on first use: about 35 ms, and
``gopy --help`` stays well under a second.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache
from importlib.resources import files
from typing import Any

from typer.core import TyperGroup

DEFAULT_LOCALE = "vi"


def N_(message: str) -> str:  # the name extractors look for
    """Mark a msgid that is translated later (a help text read at import time)."""
    return message


def cli_locale() -> str:
    """``GOPY_LOCALE`` from the environment or ``.env`` (as ``Settings`` reads it), else vi."""
    chosen = os.environ.get("GOPY_LOCALE")
    if chosen is None:
        chosen = _dotenv_locale(os.path.abspath(".env"))
    return (chosen or DEFAULT_LOCALE).strip().lower()


@cache
def _dotenv_locale(path: str) -> str | None:
    """Read once per process: every translated string asks for the language."""
    if not os.path.isfile(path):
        return None
    from dotenv import dotenv_values

    return dotenv_values(path).get("GOPY_LOCALE")


@cache
def _catalogue(locale: str) -> gettext.NullTranslations:
    """The compiled ``.mo`` if the package ships one, else the ``.po`` compiled in memory; an
    unknown language speaks the msgids (English), as the bot does."""
    folder = files("bot") / "locales" / locale / "LC_MESSAGES"
    compiled = folder / "messages.mo"
    if compiled.is_file():
        with compiled.open("rb") as source:
            return gettext.GNUTranslations(source)
    po = folder / "messages.po"
    if not po.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str, **values: Any) -> str:
    """``message`` in the command line's language, its ``{placeholders}`` filled in."""
    text = _catalogue(cli_locale()).gettext(message)
    return text.format(**values) if values else text


def translate_tree(command: Any) -> None:
    """Translate the help texts of a click command, its parameters and its subcommands."""
    for attr in ("help", "short_help", "epilog"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, _(text))
    for param in getattr(command, "params", []):
        text = getattr(param, "help", None)
        if text:
            param.help = _(text)
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)


class Translated(TyperGroup):
    """The root group: translates every help text just before the command line runs.

    Typer builds a fresh click tree for each run (and for each ``CliRunner.invoke``), so the
    language is read anew each time.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        translate_tree(self)
        return super().main(*args, **kwargs)
