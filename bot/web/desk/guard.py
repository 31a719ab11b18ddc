"""What every desk page goes through before its handler: the session cookie, the official's
roles as of now, the anti-forgery token of a POST, and the unit of work it writes in.

A handler is ``async def page(call: DeskCall) -> web.StreamResponse``; it never reads the
cookie, checks the token or commits. ``DeskRoute``s are registered through ``route_defs``
only: a desk route that skipped the guard would be a route the authorization matrix of
``tests/integration/test_desk_access.py`` does not know, and that test fails on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.files import Files
from bot.web.desk import paths
from bot.web.form_body import FormBody, read_form
from bot.web.intake import Broken, TooLarge, same_secret
from bot.web.pages import LANGUAGES, Context
from bot.web.site import Site
from scheduler.oversight import Outreach
from storage.desk_access import DeskUser, desk_user, end_session, touch
from storage.people import Member

SESSION_COOKIE = "gopy_desk"
# A desk form is a few fields; a campaign or org file uploaded is the largest body it takes.
BODY_LIMIT = 2 << 20

Text = Callable[[], str]


@dataclass
class Desk:
    """What desk pages depend on: the poster pages' ``Site`` (database, clock, settings,
    key, templates), and the chat's services for what the desk does as chat does."""

    site: Site
    outreach: Outreach  # queues replies and reminders, rings the delivery loop
    files: Files  # exports and posters, as /export and /qr make them

    def href(self, path: str, **query: str | int | None) -> str:
        """``path`` (from ``paths``) as the browser asks for it, with ``query`` (None: left
        out)."""
        kept = {name: str(value) for name, value in query.items() if value is not None}
        return self.site.href(path) + (f"?{urlencode(kept)}" if kept else "")

    @property
    def cookie_path(self) -> str:
        return self.site.href(paths.ROOT)

    def problem(
        self, request: web.Request, status: int, title: Text, message: Text
    ) -> web.Response:
        """A polite page for what went wrong, with the way back to the desk."""
        return self.site.pages.render(
            request,
            "desk/problem.html",
            lambda: {"title": title(), "message": message(), "home": self.href(paths.BOARD)},
            status=status,
        )

    def not_found(self, request: web.Request) -> web.Response:
        return self.problem(
            request,
            404,
            lambda: _("Not found"),
            lambda: _("This page does not exist, or it is not among your units."),
        )

    def signed_out(self, request: web.Request) -> web.Response:
        """401: no live session (never signed in, signed out, or 8 hours idle)."""
        response = self.problem(
            request,
            401,
            lambda: _("Please open the desk from the bot"),
            lambda: _(
                "Send /web to the bot in Telegram or Zalo: it answers with a link that opens "
                "the desk for 8 hours. Each link works once, within 10 minutes."
            ),
        )
        response.del_cookie(SESSION_COOKIE, path=self.cookie_path)
        return response


@dataclass
class DeskCall:
    """One request to a desk page, past the guard."""

    request: web.Request
    desk: Desk
    user: DeskUser
    session: AsyncSession  # read-only for GET; for POST, the unit of work the guard commits
    form: FormBody = field(default_factory=FormBody)  # a POST's fields and files
    _after: list[Callable[[], None]] = field(default_factory=list)

    @property
    def member(self) -> Member:
        return self.user.member

    @property
    def csrf(self) -> str:
        return self.desk.site.key.desk_form_token(self.user.token)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the POST's writes are committed (ring the outbox, say)."""
        self._after.append(action)

    def render(
        self, template: str, context: Context, *, nav: str = "", status: int = 200
    ) -> web.Response:
        """``template`` (extending ``desk/layout.html``) with what the layout needs: the
        menu, the person's name, the token of its forms."""

        def values() -> Mapping[str, Any]:
            own = context() if callable(context) else context
            return {
                **own,
                "nav": nav,
                "desk": self.desk,
                "paths": paths,
                "csrf": self.csrf,
                "person_name": self.member.person.full_name,
            }

        return self.desk.site.pages.render(self.request, template, values, status=status)

    def redirect(self, path: str, **query: str | int | None) -> web.Response:
        """303 to another desk page (Post/Redirect/Get): a reload does not post again."""
        return web.Response(status=303, headers={"Location": self.desk.href(path, **query)})

    def not_found(self) -> web.Response:
        """404 for what does not exist *or is not this official's*: the desk never says
        which, so ids of other wards cannot be probed."""
        return self.desk.not_found(self.request)

    def back_to(self, path: str) -> web.Response:
        """303 to the page a form is on, in the language asked (``?lang=``): the answer to a
        POST is a page whose language link asks for the POST's address with GET."""
        asked = self.request.query.get("lang")
        return self.redirect(path, lang=asked if asked in LANGUAGES else None)

    def bad_form(self, message: Text) -> web.Response:
        return self.desk.problem(self.request, 400, lambda: _("Please check the form"), message)


Handler = Callable[[DeskCall], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class DeskRoute:
    method: str  # GET or POST
    path: str  # from ``paths``
    handler: Handler


def route_defs(desk: Desk, routes: list[DeskRoute]) -> list[web.RouteDef]:
    return [web.route(route.method, route.path, _guarded(desk, route.handler)) for route in routes]


def elsewhere_route(desk: Desk) -> web.RouteDef:
    """Any method at any address under the desk that no route has: the polite 404, the same
    whoever asks (it says nothing of anyone's units), where aiohttp would answer a bare
    «404: Not Found» or «405: Method Not Allowed» in English."""

    async def elsewhere(request: web.Request) -> web.StreamResponse:
        return desk.not_found(request)

    return web.route("*", paths.ELSEWHERE_ROUTE, elsewhere)


def _guarded(desk: Desk, handler: Handler) -> Callable[[web.Request], Awaitable[Any]]:
    async def guarded(request: web.Request) -> web.StreamResponse:
        site = desk.site
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            return desk.signed_out(request)
        now = site.clock.now()
        async with site.db.sessions() as session:
            user = await desk_user(session=session, key=site.key, token=token, now=now)
        if user is None:
            return desk.signed_out(request)
        if not user.official:
            # Of no use now, and its holder could not even sign out (every page is this one):
            # the session ends here, and a role given back later needs a new link.
            async with site.db.unit_of_work() as session:
                await end_session(session=session, session_id=user.session_id, now=now)
            refused = desk.problem(
                request,
                403,
                lambda: _("The desk is for officials"),
                lambda: _(
                    "Your account no longer holds an official's role. Ask your ward for an "
                    "official's invite."
                ),
            )
            refused.del_cookie(SESSION_COOKIE, path=desk.cookie_path)
            return refused
        if request.method != "POST":
            if user.stale:
                async with site.db.unit_of_work() as session:
                    await touch(session=session, session_id=user.session_id, now=now)
            async with site.db.sessions() as session:
                return await handler(DeskCall(request, desk, user, session))
        # The body is read before the writer's lock is taken: a slow phone holds nobody up.
        try:
            form = await read_form(request, BODY_LIMIT)
        except TooLarge:
            return desk.problem(
                request,
                413,
                lambda: _("The file is too large"),
                lambda: _("A file sent to the desk may be at most 2 MB."),
            )
        except Broken:
            return desk.problem(
                request,
                400,
                lambda: _("The form did not arrive whole"),
                lambda: _("Please go back and send it again."),
            )
        if not same_secret(form.text("csrf"), site.key.desk_form_token(token)):
            return desk.problem(
                request,
                403,
                lambda: _("This form has expired"),
                lambda: _("Please go back, reload the page and try again."),
            )
        async with site.db.unit_of_work() as session:
            await touch(session=session, session_id=user.session_id, now=now)
            call = DeskCall(request, desk, user, session, form)
            response = await handler(call)
            if response.status >= 400:  # refused: nothing it may have begun is kept
                await session.rollback()
                return response
        for action in call._after:
            action()
        return response

    return guarded
