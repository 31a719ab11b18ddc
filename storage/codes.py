"""Short codes people read aloud or type: invites, receipts and the codes under QR posters."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

# No 0/O, 1/I/L, U/V pairs: codes are copied by hand from paper and read over the phone.
ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
INVITE_LENGTH = 10
RECEIPT_LENGTH = 6
INVITE_PREFIX = "i-"
# The code printed under a poster's QR: "GY-7K3QM" (góp ý). Not a secret: posters are public.
ENTRY_PREFIX = "GY"
ENTRY_LENGTH = 5
# A poster's landing page is ``<public URL>/q/GY-7K3QM`` (bot.links builds it from this).
LANDING_PREFIX = "/q/"
# Longer than any short URL a person copies from a poster, query and all.
MAX_TYPED_URL = 512
# A short URL as typed: the scheme optional, any host, perhaps a path gopy is served under
# (GOPY_PUBLIC_URL=https://so.hanoi.gov.vn/gop-y), the landing path and its code, then perhaps a
# slash, a query or a fragment. Any host: the code is public and opens gopy's own draft, whoever
# printed the address. The host, each path segment and the code stop at "/", "?" and "#", so
# no part can take another's characters; MAX_TYPED_URL bounds the backtracking over segments.
_SHORT_URL = re.compile(
    r"(?:https?://)?[^\s/?#]+(?:/[^\s/?#]+)*?"
    + re.escape(LANDING_PREFIX)
    + r"([^\s/?#]+)/?(?:[?#]\S*)?",
    re.IGNORECASE,
)


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


def invite_payload(code: str) -> str:
    """The deep-link payload of an invite: ``i-ABCDEFGHJK`` (read back by ``invite_from_text``)."""
    return INVITE_PREFIX + code


def hash_code(code: str) -> str:
    """The unkeyed sha256 of invites made before migration 0007 (``Invite.legacy``); new
    invites use ``storage.keys.ServerKey.invite_hash``."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def pretty_code(code: str) -> str:
    """Group a long code for reading: ``ABCDE-FGHJK``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) > 6 else code


def entry_from_text(raw: str) -> str | None:
    """The code of a poster in a deep-link payload (``gy-7K3QM``), a typed message (``GY 7K3QM``,
    ``gy7k3qm``) or its typed short URL (``gopy.example.vn/q/GY-7K3QM``), or None if it is not
    one."""
    text = _code_part(raw)
    if len(text) > 3 * (ENTRY_LENGTH + len(ENTRY_PREFIX)):
        return None
    code = normalise_code(text)
    if not code.startswith(ENTRY_PREFIX):
        return None
    code = code[len(ENTRY_PREFIX) :]
    if len(code) == ENTRY_LENGTH and all(ch in ALPHABET for ch in code):
        return code
    return None


def looks_like_entry(raw: str) -> bool:
    """A message meant as a poster's code but not one (``GY-N9E9O``: an O for a 0, a letter
    too many), alone or in a short URL: "GY" and a few letters or digits, nothing else."""
    text = _code_part(raw)
    if len(text) > 3 * (ENTRY_LENGTH + len(ENTRY_PREFIX)) or entry_from_text(text) is not None:
        return False
    code = normalise_code(text)
    rest = code[len(ENTRY_PREFIX) :]
    return (
        code.startswith(ENTRY_PREFIX)
        and ENTRY_LENGTH - 1 <= len(rest) <= ENTRY_LENGTH + 2
        # At least one digit: "gyros" is a word, "GY-N9E9O" a code.
        and any(ch.isdigit() for ch in rest)
        and text[: len(ENTRY_PREFIX)].upper() == ENTRY_PREFIX
    )


def _code_part(raw: str) -> str:
    """The part of a message that may hold a poster's code: the code in a short URL (a URL
    whose path is the landing page's), else the whole message."""
    text = raw.strip()
    if len(text) <= MAX_TYPED_URL:
        url = _SHORT_URL.fullmatch(text)
        if url is not None:
            return url[1]
    return text


def entry_from_payload(raw: str) -> str | None:
    """The poster code after ``/start``: ``gy-7K3QM``, or the bare ``7K3QM`` typed where no
    deep link carries it (Zalo); a bare code is never taken from an ordinary message."""
    code = entry_from_text(raw)
    if code is not None or len(raw) > 3 * ENTRY_LENGTH:
        return code
    bare = normalise_code(raw)
    return bare if len(bare) == ENTRY_LENGTH and all(ch in ALPHABET for ch in bare) else None


def entry_payload(code: str) -> str:
    """The deep-link payload of a poster code: ``gy-7K3QM`` (Telegram allows A-Za-z0-9_-)."""
    return f"{ENTRY_PREFIX.lower()}-{code}"


def entry_label(code: str) -> str:
    """The code as printed and typed: ``GY-7K3QM``."""
    return f"{ENTRY_PREFIX}-{code}"
