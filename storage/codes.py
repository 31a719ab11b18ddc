"""Short codes people read aloud or type: invites and receipts, from an unambiguous alphabet."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

# No 0/O, 1/I/L, U/V pairs: codes are copied by hand from paper and read over the phone.
ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
INVITE_LENGTH = 10
RECEIPT_LENGTH = 6
INVITE_PREFIX = "i-"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(raw: str) -> str:
    """Upper-case, drop spaces, dashes and dots people add when typing a code."""
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in text if ch.isalnum())


def invite_from_text(raw: str) -> str | None:
    """The invite code in a deep-link payload or a typed message, or None if it is not one."""
    text = raw.strip()
    if text[: len(INVITE_PREFIX)].lower() == INVITE_PREFIX:
        text = text[len(INVITE_PREFIX) :]
    if len(text) > 3 * INVITE_LENGTH:
        return None
    code = normalise_code(text)
    if len(code) == INVITE_LENGTH and all(ch in ALPHABET for ch in code):
        return code
    return None


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def pretty_code(code: str) -> str:
    """Group a long code for reading: ``ABCDE-FGHJK``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) > 6 else code
