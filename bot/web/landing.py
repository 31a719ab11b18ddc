"""A poster's landing page (``/q/GY-7K3QM``): what the poster is about, the buttons to Zalo,
Telegram and the full draft, and the web comment form, which posts back to the same address.

The routes translate between HTTP and ``storage.web_comments``, whose rules say what a comment
may be, the limits and the duplicates. Here: the browser's cookie and form token
(``bot.web.browser``), the body within its limit (``bot.web.form_body``), and the pages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from aiogram.utils.deep_linking import create_deep_link
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot import links
from bot.config import Settings
from bot.web import refusals
from bot.web.browser import browser_of, new_browser, remember, token_matches
from bot.web.form_body import FormBody, read_form
from bot.web.intake import Broken, TooLarge
from bot.web.pages import Pages
from bot.web.receipts import Receipts
from bot.web.site import Poster, Site, TelegramUsername, Text, address_of
from handlers.format import moment
from handlers.words import CATEGORY_LABELS, STANCE_LABELS
from scheduler.clock import Clock
from storage.campaigns import campaign_documents
from storage.codes import entry_label, entry_payload
from storage.comments import MAX_NAME, is_open
from storage.database import Database
from storage.drafts import files_of
from storage.forms import MAX_TEXT
from storage.keys import ServerKey
from storage.models import AuthorCategory, Document, Stance
from storage.places import place_name
from storage.web_comments import (
    Photo,
    Problem,
    WebComment,
    WebLimits,
    WebSender,
    WebSubmitted,
    check_web_comment,
    store_web_comment,
    wards_to_choose,
)

# The form's other fields and its multipart framing, beyond the text (at most 4 bytes a
# character in UTF-8) and the photos.
FORM_SLACK = 64 << 10
# Forms whose photos are decoded at once: each decode takes up to ~180 MB for a second or so
# (storage.web_photos), and a burst of forms must not take the server's memory with it.
PHOTO_DECODES_AT_ONCE = 2
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Typed:
    """What the reader typed, put back in the form when it comes back to them."""

    text: str = ""
    stance: str = ""
    category: str = ""
    ward: str = ""
    name: str = ""
    phone: str = ""

    @classmethod
    def of(cls, form: FormBody) -> Typed:
        return cls(**{f.name: form.text(f.name) for f in fields(cls)})


class Landing:
    def __init__(self, site: Site, receipts: Receipts) -> None:
        self.site = site
        self.receipts = receipts
        comments = site.settings.comments
        self.limits = WebLimits.from_settings(site.settings)
        self.body_limit = 4 * MAX_TEXT + comments.web_photos * comments.web_photo_bytes
        self.body_limit += FORM_SLACK
        self.decoding = asyncio.Semaphore(PHOTO_DECODES_AT_ONCE)

    async def show(self, request: web.Request) -> web.StreamResponse:
        """GET: the page, and a browser id for a browser that comes for the first time."""
        known = browser_of(request)
        browser = known or new_browser()
        async with self.site.db.sessions() as session:
            poster = await self.site.poster(request, session)
            if isinstance(poster, web.Response):
                return poster
            response = await self._page(request, session, poster, browser, Typed())
        if known is None:
            remember(response, browser, secure=self.site.secure)
        return response

    async def comment(self, request: web.Request) -> web.StreamResponse:
        """POST: take the comment (303 to its receipt), or show the form again, as typed,
        with what to change."""
        site = self.site
        # A session only for the look-up: none is held while the body arrives.
        async with site.db.sessions() as session:
            poster = await site.poster(request, session)
        if isinstance(poster, web.Response):
            return poster
        back = site.href(links.landing_path(poster.code))
        try:
            form = await read_form(request, self.body_limit)
        except TooLarge:
            return site.problem(
                request,
                413,
                lambda: _("Your comment is too large to send"),
                self._photo_note,
                back=back,
            )
        except Broken:
            return site.problem(
                request,
                400,
                lambda: _("Your comment did not arrive whole"),
                lambda: _("Please go back to the page and send it again."),
                back=back,
            )
        browser = browser_of(request)
        if browser is None or not token_matches(site.key, browser, form.text("csrf")):

            def why() -> str:
                if browser is None:  # refusing cookies: trying again would fail again
                    return _(Problem.NO_COOKIE)
                return _(
                    "This form has expired or was not sent from this page. Please open the "
                    "page again and send your comment from there."
                )

            return site.problem(
                request, 403, lambda: _("Please send the form again"), why, back=back
            )
        if form.text("website"):
            # The honeypot, a field people do not see, was filled: a program sent this. It
            # gets a page like success, and nothing is stored, so it has nothing to adapt to.
            return self.receipts.pretend(request, poster)
        now = site.clock.now()
        sender = WebSender(browser=browser, address=address_of(request, site.settings))
        submitted = await self._submit(poster, sender, _comment(form), now)
        if submitted.taken:
            assert submitted.comment is not None
            raise web.HTTPSeeOther(
                site.href(links.receipt_path(poster.code, submitted.comment.receipt))
            )
        status, notice = refusals.refusal(submitted, poster.entry, site.settings)
        if form.uploads("photos"):
            notice = refusals.with_photos_again(notice)
        async with site.db.sessions() as session:
            response = await self._page(
                request, session, poster, browser, Typed.of(form), notice=notice, status=status
            )
        if submitted.retry_at is not None:
            wait = int((submitted.retry_at - now).total_seconds()) + 1
            response.headers["Retry-After"] = str(max(1, wait))
        return response

    async def _submit(
        self, poster: Poster, sender: WebSender, comment: WebComment, now: datetime
    ) -> WebSubmitted:
        """The comment checked (its photos decoded) first, then stored behind the other
        writers: a decode takes tenths of a second, which no chat update should wait for."""
        async with self.decoding if comment.photos else contextlib.nullcontext():
            checked = await check_web_comment(
                entry=poster.entry, sender=sender, comment=comment, now=now, limits=self.limits
            )
        if isinstance(checked, WebSubmitted):
            return checked
        site = self.site
        async with site.db.unit_of_work() as session:
            submitted = await store_web_comment(
                session=session,
                entry=poster.entry,
                sender=sender,
                checked=checked,
                key=site.key,
                now=now,
                limits=self.limits,
            )
            # The receipt page says "received": stored (committed) before it is shown; a
            # refusal keeps nothing.
            if not submitted.taken:
                await session.rollback()
        return submitted

    async def _page(
        self,
        request: web.Request,
        session: AsyncSession,
        poster: Poster,
        browser: str,
        typed: Typed,
        *,
        notice: Text | None = None,
        status: int = 200,
    ) -> web.Response:
        site, code, entry = self.site, poster.code, poster.entry
        target = entry.target
        campaign = target.campaign
        now = site.clock.now()
        open_now, early = is_open(campaign, now), now < campaign.starts_at
        documents = await _documents(session, poster, site)
        wards = await wards_to_choose(session=session, entry=entry) if entry.unit is None else []
        draft = None
        if target.document is not None:
            draft = next((doc["href"] for doc in documents), None)
        username = await site.telegram_username() if open_now else None
        telegram = create_deep_link(username, "start", entry_payload(code)) if username else None
        zalo = site.settings.zalo.bot_url if open_now else None
        csrf = site.key.form_token(browser)

        def context() -> Mapping[str, Any]:
            closed = None
            if early:  # a poster put up before the first day
                closed = _(
                    "The consultation opens at {time}. Please come back then to comment."
                ).format(time=moment(campaign.starts_at, campaign.timezone))
            elif not open_now:
                closed = _(
                    "The consultation ended at {time}; comments are no longer taken."
                ).format(time=moment(campaign.ends_at, campaign.timezone))
            return {
                "campaign": campaign.title,
                "heading": target.document.title if target.document else campaign.title,
                "section": target.section,
                "documents": documents if target.document is None else [],
                "unit": entry.unit.name if entry.unit is not None else None,
                "code": entry_label(code),
                "zalo": zalo,
                "telegram": telegram,
                "draft": draft,
                "closed": closed,
                "notice": notice() if notice is not None else None,
                "action": site.href(links.landing_path(code)),
                "csrf": csrf,
                "typed": typed,
                "max_text": MAX_TEXT,
                "max_name": MAX_NAME,
                "photo_note": self._photo_note(),
                "stances": [("", _("Skip"))]
                + [(s.value, _(label)) for s, label in STANCE_LABELS.items()],
                "categories": [("", _("Not said"))]
                + [(c.value, _(label)) for c, label in CATEGORY_LABELS.items()],
                "wards": (
                    [("", _("Not listed, or I do not know"))]
                    + [(str(unit.id), place_name(unit)) for unit in wards]
                )
                if wards
                else [],
            }

        return site.pages.render(request, "landing.html", context, status=status)

    def _photo_note(self) -> str:
        comments = self.site.settings.comments
        size = comments.web_photo_bytes
        # Whole numbers only: 5 MB, or 64 KB for a size that is not whole megabytes.
        shown = f"{size >> 20} MB" if size % (1 << 20) == 0 else f"{size >> 10} KB"
        return _("Up to {count} photos, {size} each.").format(
            count=comments.web_photos, size=shown
        )


async def _documents(session: AsyncSession, poster: Poster, site: Site) -> list[dict[str, Any]]:
    """The poster's document, or the campaign's for a campaign-wide poster, each with the
    address of its full text when gopy keeps its file or knows where it is."""
    target = poster.entry.target
    documents: list[Document]
    if target.document is not None:
        documents = [target.document]
    else:
        documents = await campaign_documents(session=session, campaign=target.campaign)
    hosted = await files_of(
        session=session, document_ids=[d.id for d in documents if d.id is not None]
    )
    one = target.document is not None
    return [
        {
            "title": document.title,
            "href": (
                site.href(links.draft_path(poster.code, None if one else document.code))
                if document.url or document.id in hosted
                else None
            ),
        }
        for document in documents
    ]


def _comment(form: FormBody) -> WebComment:
    ward = form.text("ward")
    return WebComment(
        text=form.text("text"),
        photos=tuple(Photo(u.content_type, u.data) for u in form.uploads("photos")),
        stance=_choice(Stance, form.text("stance")),
        category=_choice(AuthorCategory, form.text("category")),
        name=form.text("name").strip() or None,
        phone=form.text("phone").strip() or None,
        # An id as the select sends it; which wards may be chosen is the domain's rule.
        unit_id=int(ward) if ward.isascii() and ward.isdigit() and len(ward) < 12 else None,
    )


def _choice(kind: type[E], value: str) -> E | None:
    """The option the form sent; none chosen (or not one of ours) is no answer."""
    try:
        return kind(value)
    except ValueError:
        return None


def landing_routes(
    *,
    db: Database,
    clock: Clock,
    settings: Settings,
    key: ServerKey,
    i18n: I18n,
    telegram_username: TelegramUsername,
) -> list[web.RouteDef]:
    """The poster's pages (landing page, web comment, receipt) from what they depend on."""
    site = Site(
        db=db,
        clock=clock,
        settings=settings,
        key=key,
        pages=Pages(i18n),
        telegram_username=telegram_username,
    )
    receipts = Receipts(site)
    landing = Landing(site, receipts)
    return [
        web.get(links.LANDING_ROUTE, landing.show),
        web.post(links.LANDING_ROUTE, landing.comment),
        web.get(links.RECEIPT_ROUTE, receipts.show),
    ]
