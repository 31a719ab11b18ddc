"""What a poster's pages share: their dependencies (the database among them, whose unit of
work the pages that write open), finding the poster behind ``{code}``, the polite page of a
problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot import links
from bot.config import Settings
from bot.web.client_address import client_address, network_of, parse_networks
from bot.web.pages import Pages
from scheduler.clock import Clock
from storage.codes import entry_from_text, entry_label
from storage.comments import receipt_from_text
from storage.database import Database
from storage.entries import Entry, resolve_entry
from storage.keys import ServerKey

# The bot's Telegram username (None: no Telegram bot): configured, or asked of getMe.
TelegramUsername = Callable[[], Awaitable[str | None]]
Text = Callable[[], str]  # a text made when the page is rendered, in the reader's language


@dataclass(frozen=True, slots=True)
class Poster:
    code: str  # the entry code, 7K3QM
    entry: Entry


@dataclass
class Site:
    db: Database
    clock: Clock
    settings: Settings
    key: ServerKey
    pages: Pages
    telegram_username: TelegramUsername

    def href(self, path: str) -> str:
        """``path`` (from ``bot.links``) as the reader's browser must ask for it: under the
        path the public address is published at."""
        return links.mount_point(self.settings.public_base) + path

    @property
    def secure(self) -> bool:
        """Cookies only over https when the public address is https."""
        return (self.settings.public_base or "").startswith("https://")

    async def poster(self, request: web.Request, session: AsyncSession) -> Poster | web.Response:
        """The poster named by ``{code}`` in any spelling, or the page saying there is none.
        A GET by another spelling (``gy7k3qm``) is sent to the usual one (301)."""
        raw = request.match_info["code"]
        code = entry_from_text(raw)
        entry = await resolve_entry(session=session, code=code) if code is not None else None
        if code is None or entry is None:
            return self.problem(
                request,
                404,
                lambda: _("No poster has this code"),
                lambda: _(
                    "A poster's code looks like GY-7K3QM: GY and 5 letters or digits. "
                    "Please check the address, or scan the QR code again."
                ),
            )
        if raw != entry_label(code) and request.method in ("GET", "HEAD"):
            raise web.HTTPMovedPermanently(usual_spelling(request, code, self))
        return Poster(code, entry)

    def problem(
        self,
        request: web.Request,
        status: int,
        title: Text,
        message: Text,
        *,
        back: str | None = None,
    ) -> web.Response:
        """A polite page for what went wrong, in the reader's language."""
        return self.pages.render(
            request,
            "problem.html",
            lambda: {"title": title(), "message": message(), "back": back},
            status=status,
        )


def usual_spelling(request: web.Request, code: str, site: Site) -> str:
    """The request's address with the poster's code and receipt spelt as printed; the query
    (``?lang=``) goes along."""
    receipt = request.match_info.get("receipt")
    if receipt is None:
        path = links.landing_path(code)
    else:
        path = links.receipt_path(code, receipt_from_text(receipt) or receipt)
    return str(request.rel_url.with_path(site.href(path), encoded=True, keep_query=True))


def address_of(request: web.Request, settings: Settings) -> str:
    """The network the request came from (``client_address.network_of``: an IPv4 address, an
    IPv6 /64), through the trusted proxies (``GOPY_TRUSTED_PROXIES``): what the limits per
    address count."""
    address = client_address(
        request.remote,
        request.headers.get("X-Forwarded-For"),
        parse_networks(settings.trusted_proxies),
    )
    return network_of(address)
