"""Ids read from an address or a form: digits only, within the database's integer, or None.

A page never trusts an id: an out-of-range one would make PostgreSQL raise (a 500), so it is
refused here as the unknown id it is."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # PostgreSQL's integer
_DIGITS = 10


def db_id(text: str) -> int | None:
    """``"17"`` → 17; anything else (``"-1"``, ``"1e3"``, ``"٣"``, ``"99999999999"``) → None."""
    if not text or len(text) > _DIGITS or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
