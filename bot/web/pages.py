"""Server-rendered pages: the Jinja2 templates (package data), translated with the chat's own
gettext catalogue, in the language the visitor reads, with the headers every page carries.

Rendering runs inside the aiogram ``I18n`` context of the chosen language, so the templates'
``_()`` and the chat's helpers they are handed (``handlers.format.moment``, the words of
``handlers.words``) speak the same language from the same catalogue.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aiogram.utils.i18n import I18n
from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

LANGUAGES = ("vi", "en")
# A template's values, or a function making them in the page's language.
Context = Mapping[str, Any] | Callable[[], Mapping[str, Any]]
LANG_COOKIE = "lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
# Accept-Language is a header anyone can fill: read a few tags of it, no more.
_MAX_TAGS = 16


def language_from_header(header: str, default: str) -> str:
    """The first language of ``LANGUAGES`` an ``Accept-Language`` header prefers (highest
    quality first, then the order given), else ``default``. Garbage counts as no header."""
    choices: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:_MAX_TAGS]):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        # q is 0..1 by the standard; "nan" or "inf" from a stray client counts as 0.
        if primary in LANGUAGES and 0.0 < quality <= 1.0:
            choices.append((-quality, index, primary))
    return min(choices)[2] if choices else default


def language_of(request: web.Request, default: str) -> tuple[str, bool]:
    """The page's language and whether it was chosen just now (``?lang=``, to be kept in the
    ``lang`` cookie): the query wins, then the cookie, then ``Accept-Language``."""
    asked = request.query.get("lang", "")
    if asked in LANGUAGES:
        return asked, True
    kept = request.cookies.get(LANG_COOKIE, "")
    if kept in LANGUAGES:
        return kept, False
    return language_from_header(request.headers.get("Accept-Language", ""), default), False


def security_headers(nonce: str) -> dict[str, str]:
    """Nothing from elsewhere, no framing, no referrer: the page's own inline style and
    script run by their nonce, and forms post only back here."""
    policy = "; ".join(
        [
            "default-src 'none'",
            f"style-src 'nonce-{nonce}'",
            f"script-src 'nonce-{nonce}'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        # A page carries its browser's form token and what its reader typed: no shared cache
        # may keep it.
        "Cache-Control": "private, no-store",
    }


class Pages:
    """The templates of ``bot/web/templates`` and how a page goes out."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n
        self.env = Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            # A misspelt variable is a bug to see in tests, not an empty spot on a page.
            undefined=StrictUndefined,
        )
        # The current locale is read at each call: one environment serves every language.
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext, i18n.gettext, newstyle=True
        )

    @property
    def default(self) -> str:
        return self.i18n.default_locale

    @contextmanager
    def speaking(self, lang: str) -> Iterator[None]:
        """The chat's gettext (and helpers built on it) in ``lang`` for this block."""
        with self.i18n.context(), self.i18n.use_locale(lang):
            yield

    def render(
        self,
        request: web.Request,
        template: str,
        context: Context,
        *,
        status: int = 200,
    ) -> web.Response:
        """``template`` as the response, in the visitor's language, with its headers.
        ``context`` may be a function: it is called in that language (its texts translated)."""
        lang, chosen = language_of(request, self.default)
        nonce = secrets.token_urlsafe(16)
        other = next(code for code in LANGUAGES if code != lang)
        # Relative to the page ("?…"): the page's other choices stay, and it works under the
        # path a reverse proxy publishes gopy at (which the request here no longer carries).
        toggle = "?" + request.rel_url.update_query({"lang": other}).raw_query_string
        with self.speaking(lang):
            values = context() if callable(context) else context
            html = self.env.get_template(template).render(
                {**values, "lang": lang, "other_lang": other, "toggle": toggle, "nonce": nonce}
            )
        response = web.Response(
            text=html, status=status, content_type="text/html", charset="utf-8"
        )
        response.headers.update(security_headers(nonce))
        response.headers["Content-Language"] = lang
        if chosen:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=LANG_COOKIE_SECONDS,
                path="/",
                samesite="Lax",
                httponly=True,
            )
        return response
