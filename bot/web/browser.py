"""Which browser a web form comes from, and proof that the form is the one gopy served it.

A browser gets a random id in the ``gopy_b`` cookie (HttpOnly, SameSite=Lax) on its first
page; its forms carry ``HMAC(server key, id)``. A page on another site can make the browser
post, with the cookie, but cannot read the token: a post without the matching token is
refused (CSRF). The id also stands for the sender in the web form's limits and duplicates.
"""

from __future__ import annotations

import re
import secrets

from aiohttp import web

from bot.web.intake import same_secret
from storage.keys import ServerKey

BROWSER_COOKIE = "gopy_b"
BROWSER_SECONDS = 365 * 24 * 3600
_BROWSER = re.compile(r"[0-9a-f]{32}")  # 128 random bits in hex


def browser_of(request: web.Request) -> str | None:
    """The browser's id from its cookie, or None if it has none (or a forged shape)."""
    value = request.cookies.get(BROWSER_COOKIE, "")
    return value if _BROWSER.fullmatch(value) else None


def new_browser() -> str:
    return secrets.token_hex(16)


def remember(response: web.StreamResponse, browser: str, *, secure: bool) -> None:
    """Set the browser's cookie; ``secure`` when the public address is https."""
    response.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=BROWSER_SECONDS,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def token_matches(key: ServerKey, browser: str | None, given: str) -> bool:
    """Whether ``given`` is this browser's token; compared in constant time."""
    if browser is None:
        return False
    return same_secret(given, key.form_token(browser))
