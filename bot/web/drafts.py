"""The full draft behind a poster, at a stable address: ``/q/GY-7K3QM/draft`` (and
``/q/GY-7K3QM/draft/<document>`` for one document of the campaign).

The file is served as gopy keeps it, named by its sha256 (the ETag: a phone that has it asks
again for nothing). Where the campaign gives only an address, the reader is sent there; where
there are several drafts, to the landing page, which lists them. Anything else is a short
polite 404, whatever the path holds.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import hdrs, web
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from bot.cli_i18n import N_
from bot.i18n import build_i18n
from bot.links import DOCUMENT_ROUTE, DRAFT_ROUTE, landing_path
from bot.web.pages import Pages
from storage.codes import entry_from_text
from storage.database import SessionFactory
from storage.draft_lookup import Choose, Elsewhere, Hosted, draft_of
from storage.drafts import DraftFile, file_data

# Long enough for a reader coming back the same evening; short enough that a replaced draft
# (a new sha256, a new ETag) reaches everyone within minutes.
CACHE = "public, max-age=300"
NOT_FOUND_TITLE = N_("Draft not found")
NOT_FOUND_TEXT = N_(
    "There is no draft at this address. Please check the code printed under the QR code."
)


def _ascii(text: str) -> str:
    """Letters without diacritics, digits, ``_``; any run of anything else one ``-``."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == "_") else "-"
        for ch in bare
        if not unicodedata.combining(ch)
    )
    return "-".join(part for part in kept.split("-") if part)


def ascii_name(name: str) -> str:
    """``Dự thảo Điều lệ.pdf`` → ``Du-thao-Dieu-le.pdf``: for clients that ignore filename*."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not (extension.isascii() and extension.isalnum() and len(extension) <= 5):
        stem, extension = name, ""
    base = _ascii(stem)[:120] or "du-thao"
    return f"{base}.{extension.lower()}" if extension else base


def disposition(file: DraftFile) -> str:
    """Open a PDF in the browser, download anything else; the Vietnamese name per RFC 5987."""
    kind = "inline" if file.content_type == "application/pdf" else "attachment"
    utf8 = quote(unicodedata.normalize("NFC", file.name), safe="")
    return f"{kind}; filename=\"{ascii_name(file.name)}\"; filename*=UTF-8''{utf8}"


def _headers(file: DraftFile) -> dict[str, str]:
    return {
        hdrs.ETAG: f'"{file.sha256}"',
        hdrs.CACHE_CONTROL: CACHE,
        hdrs.X_CONTENT_TYPE_OPTIONS: "nosniff",
    }


def _fresh(request: web.Request, file: DraftFile) -> bool:
    """The client already holds this version (If-None-Match names it, or ``*``)."""
    wanted = request.if_none_match or ()
    return any(tag.value in (file.sha256, "*") for tag in wanted)


def _safe_location(url: str) -> str | None:
    """The campaign's address as a Location header may carry it (non-ASCII encoded)."""
    try:
        return str(URL(url))
    except (ValueError, TypeError):
        return None


class DraftPages:
    """The two routes' handlers, sharing the sessions and the translations."""

    def __init__(self, sessions: SessionFactory, i18n: I18n, mount: str = "") -> None:
        self.sessions = sessions
        self.mount = mount  # bot.links.mount_point: the path the public address adds
        self.pages = Pages(i18n)

    async def draft(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, request.match_info["code"], None)

    async def document(self, request: web.Request) -> web.StreamResponse:
        code = request.match_info["code"]
        return await self._answer(request, code, request.match_info["document"])

    async def _answer(
        self, request: web.Request, raw_code: str, document: str | None
    ) -> web.StreamResponse:
        code = entry_from_text(raw_code)
        if code is None:
            return self.not_found(request)
        async with self.sessions() as session:
            found = await draft_of(session=session, code=code, document_code=document)
            if isinstance(found, Hosted):
                return await self._serve(request, session, found.file)
        if isinstance(found, Elsewhere):
            location = _safe_location(found.url)
            if location is not None:
                raise web.HTTPFound(location)
            found = Choose()
        if isinstance(found, Choose):
            raise web.HTTPFound(self.mount + landing_path(code))
        return self.not_found(request)

    async def _serve(
        self, request: web.Request, session: AsyncSession, file: DraftFile
    ) -> web.StreamResponse:
        if _fresh(request, file):
            return web.Response(status=304, headers=_headers(file))
        headers = _headers(file) | {hdrs.CONTENT_DISPOSITION: disposition(file)}
        if request.method == hdrs.METH_HEAD:
            # The facts are enough: the bytes (up to 25 MB) stay in the database.
            headers[hdrs.CONTENT_LENGTH] = str(file.size)
            return web.Response(headers=headers, content_type=file.content_type)
        stored = await file_data(session=session, document_id=file.document_id)
        if stored is None:  # replaced by an import between the two reads
            return self.not_found(request)
        current, data = stored
        headers |= _headers(current) | {hdrs.CONTENT_DISPOSITION: disposition(current)}
        return web.Response(body=data, headers=headers, content_type=current.content_type)

    def not_found(self, request: web.Request) -> web.Response:
        """The site's page of a problem, in the language the reader chose (``?lang=``, the
        landing page's cookie) or their browser prefers."""
        return self.pages.render(
            request,
            "problem.html",
            lambda: {"title": _(NOT_FOUND_TITLE), "message": _(NOT_FOUND_TEXT), "back": None},
            status=404,
        )


def draft_routes(
    sessions: SessionFactory, i18n: I18n | None = None, *, mount: str = ""
) -> list[web.RouteDef]:
    """GET (and HEAD) of ``links.DRAFT_ROUTE`` and ``links.DOCUMENT_ROUTE``; ``mount`` is the
    path the public address is published under (``bot.links.mount_point``)."""
    pages = DraftPages(sessions, i18n or build_i18n(), mount)
    return [web.get(DRAFT_ROUTE, pages.draft), web.get(DOCUMENT_ROUTE, pages.document)]
