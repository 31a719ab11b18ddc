"""Vietnamese phone numbers as people type them: ``0912 345 678``, ``+84 912.345.678``."""

from __future__ import annotations

import re
import unicodedata

# Mobile prefixes since the 2018 renumbering (03, 05, 07, 08, 09) and landlines (02 + area).
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_SEPARATORS = re.compile(r"[\s.\-()]")


class InvalidPhone(ValueError):
    """Not a Vietnamese mobile or landline number."""


def parse_phone(raw: str) -> str:
    """The number in international form (``+84912345678``), or ``InvalidPhone``.

    Accepts the national form (``0912345678``), the international one with or without ``+``
    and a ``(0)`` people keep after the country code, and spaces, dots, dashes or brackets
    between digits.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if len(text) > 32:
        raise InvalidPhone(raw)
    text = text.replace("(0)", "")
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.isascii() or not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise InvalidPhone(raw)
    return "+84" + digits[1:]


def display_phone(number: str) -> str:
    """``+84912345678`` → ``0912 345 678``, as Vietnamese write it."""
    national = "0" + number[3:] if number.startswith("+84") else number
    if len(national) == 10:
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    return f"{national[:3]} {national[3:7]} {national[7:]}"
