"""Translations: gettext catalogues in ``bot/locales/``, read straight from the ``.po`` sources.

Compiling ``.po`` to ``.mo`` in memory at start-up removes a build step a newcomer could forget;
it takes a few milliseconds for catalogues of this size. The catalogues are package data, found
with ``importlib.resources`` so an installed wheel reads its own copy, never the checkout's.
"""

from __future__ import annotations

import gettext
import io
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: Traversable = files("bot") / "locales"
DOMAIN = "messages"


def compile_catalogues(
    path: Traversable, domain: str = DOMAIN
) -> dict[str, gettext.GNUTranslations]:
    translations: dict[str, gettext.GNUTranslations] = {}
    for folder in sorted(path.iterdir(), key=lambda entry: entry.name):
        po_path = folder.joinpath("LC_MESSAGES", f"{domain}.po")
        if not po_path.is_file():
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=folder.name)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations[folder.name] = gettext.GNUTranslations(buffer)
    return translations


def build_i18n(default_locale: str = "vi") -> I18n:
    # aiogram's I18n only loads compiled .mo files; build it on an empty folder, then hand it
    # the catalogues compiled here. (A subclass would not do: aiogram's context lookup is keyed
    # on the exact I18n class.)
    with tempfile.TemporaryDirectory() as empty:
        i18n = I18n(path=empty, default_locale=default_locale, domain=DOMAIN)
    i18n.path = Path(str(LOCALES))
    i18n.locales = compile_catalogues(LOCALES)
    return i18n
