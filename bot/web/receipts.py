"""A web comment's receipt page (``/q/GY-7K3QM/r/YK-7K3QMA``): its status and answers, for
whoever holds the receipt. Unknown receipts are counted per address (``GuessLimit``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot import links
from bot.web.guesses import GuessLimit
from bot.web.site import Poster, Site, address_of, usual_spelling
from handlers.comment_texts import about
from handlers.format import moment
from storage.comments import new_receipt, receipt_from_text
from storage.models import CommentStatus
from storage.web_comments import ReceiptView, receipt_view

GUESSES_PER_HOUR = 30


class Receipts:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.guesses = GuessLimit(GUESSES_PER_HOUR)

    async def show(self, request: web.Request) -> web.StreamResponse:
        site = self.site
        async with site.db.sessions() as session:
            return await self._show(request, session)

    async def _show(self, request: web.Request, session: AsyncSession) -> web.StreamResponse:
        site = self.site
        poster = await site.poster(request, session)
        if isinstance(poster, web.Response):
            return poster
        back = site.href(links.landing_path(poster.code))
        address, now = address_of(request, site.settings), site.clock.now()
        # Before the look-up: a blocked address learns nothing, not even of a right guess.
        if self.guesses.blocked(address, now):
            return site.problem(
                request,
                429,
                lambda: _("Too many receipt codes tried"),
                lambda: _(
                    "Many receipt codes that do not exist were asked for from your network. "
                    "Please try again in an hour."
                ),
                back=back,
            )
        raw = request.match_info["receipt"]
        receipt = receipt_from_text(raw)
        view = None
        if receipt is not None:
            view = await receipt_view(session=session, entry=poster.entry, receipt=receipt)
        if view is None:
            self.guesses.missed(address, now)
            return site.problem(
                request,
                404,
                lambda: _("No comment has this receipt"),
                lambda: _(
                    "Please check the receipt code: it looks like YK-7K3QMA and is shown after "
                    "a comment is sent."
                ),
                back=back,
            )
        if raw != receipt:
            raise web.HTTPMovedPermanently(usual_spelling(request, poster.code, site))
        return site.pages.render(request, "receipt.html", lambda: _context(view, back))

    def pretend(self, request: web.Request, poster: Poster) -> web.Response:
        """What a program that filled the honeypot sees: a receipt page for nothing stored."""
        target = poster.entry.target
        now = self.site.clock.now()
        return self.site.pages.render(
            request,
            "receipt.html",
            lambda: {
                "receipt": new_receipt(),
                "status": _("received"),
                "sent": moment(now, target.campaign.timezone),
                "about": about(target.document, target.section, target.campaign.title),
                "text": "",
                "photos": 0,
                "replies": [],
                "back": self.site.href(links.landing_path(poster.code)),
            },
        )


def status_text(view: ReceiptView) -> str:
    """Received, answered or withdrawn; moderation (hidden, spam) never shows: it reads as
    received."""
    if str(view.status) == CommentStatus.WITHDRAWN:
        return _("withdrawn")
    if view.replies:
        return _("answered")
    return _("received")


def _context(view: ReceiptView, back: str) -> Mapping[str, Any]:
    target = view.target
    tz = target.campaign.timezone
    return {
        "receipt": view.receipt,
        "status": status_text(view),
        "sent": moment(view.created_at, tz),
        "about": about(target.document, target.section, target.campaign.title),
        "text": view.text,
        "photos": view.photos,
        "replies": [
            {"text": reply.text, "unit": reply.unit_name, "at": moment(reply.at, tz)}
            for reply in view.replies
        ],
        "back": back,
    }
