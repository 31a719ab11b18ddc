"""Every user-facing string is in the catalogue, translated, and formats the Vietnamese way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n import LOCALES, build_i18n
from handlers.format import moment
from tests.chat import at

ROOT = Path(__file__).resolve().parents[2]


def extracted(tmp_path: Path) -> set[str]:
    """The msgids of the Python sources and of the web pages' templates (``babel.cfg``)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-location",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "-o",
            str(pot),
            "handlers",
            "bot",
            "storage",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {str(m.id) for m in read_po(f) if m.id}


def test_the_web_pages_strings_are_extracted(tmp_path: Path) -> None:
    """The templates' ``_()`` reach the catalogue (a mapping that missed them would pass the
    test above with every page untranslated)."""
    assert {"Comment on Zalo", "Switch language", "Send comment"} <= extracted(tmp_path)


def catalogue(locale: str) -> dict[str, str]:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f, locale=locale) if m.id}


def test_every_string_in_the_code_is_translated_to_vietnamese(tmp_path: Path) -> None:
    vi = catalogue("vi")
    missing = [msgid for msgid in extracted(tmp_path) if not vi.get(msgid)]
    assert missing == [], "run `make messages` and translate: " + repr(missing)


def test_english_catalogue_covers_the_same_strings() -> None:
    assert set(catalogue("en")) == set(catalogue("vi"))


def test_placeholders_survive_translation() -> None:
    import re

    for msgid, text in catalogue("vi").items():
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", text)), msgid


def test_vietnamese_moment_format() -> None:
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        assert moment(at("2025-11-12 17:00"), "Asia/Ho_Chi_Minh") == "17:00 thứ Tư, 12/11"
        assert moment(at("2025-11-16 07:05"), "Asia/Ho_Chi_Minh") == "07:05 Chủ nhật, 16/11"
    with i18n.context(), i18n.use_locale("en"):
        assert moment(at("2025-11-12 17:00"), "Asia/Ho_Chi_Minh") == "17:00 Wednesday, 12/11"


def _msgids(path: Path) -> list[str]:
    """Every msgid as written in the file, continuation lines joined (babel would fold two
    entries of one msgid into one without a word, so duplicates are counted on the text)."""
    ids: list[str] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current = [line[len("msgid ") :]]
            ids.append("")
        elif current is not None and line.startswith('"'):
            current.append(line)
        else:
            if current is not None:
                ids[-1] = "".join(part.strip().strip('"') for part in current)
            current = None
    return [msgid for msgid in ids if msgid]


def test_no_msgid_is_written_twice() -> None:
    """Catalogues merge by union (.gitattributes): two branches changing one entry must not
    leave it twice."""
    for locale in ("vi", "en"):
        path = Path(str(LOCALES)) / locale / "LC_MESSAGES" / "messages.po"
        ids = _msgids(path)
        assert len(ids) > 100
        assert sorted({m for m in ids if ids.count(m) > 1}) == [], locale
