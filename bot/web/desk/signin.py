"""Signing in from a single-use link, and signing out.

Opening the link (GET) only shows a button: messengers fetch links to draw a preview, and a
GET that used the link up would sign the preview robot in instead of the official. The button
posts back (with the browser's anti-forgery token, as poster forms do), the link is used, and
the browser gets the session cookie: HttpOnly, SameSite=Lax, Secure behind https, sent only
under ``/desk``.
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from bot.web.browser import browser_of, new_browser, remember, token_matches
from bot.web.desk import paths
from bot.web.desk.guard import BODY_LIMIT, SESSION_COOKIE, Desk, DeskCall, DeskRoute
from bot.web.form_body import read_form
from bot.web.intake import Broken, TooLarge
from storage.desk_access import LinkRefusal, SignedIn, check_link, end_session, redeem_link


class SignIn:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    async def show(self, request: web.Request) -> web.StreamResponse:
        site = self.desk.site
        token = request.match_info["token"]
        async with site.db.sessions() as session:
            holder = await check_link(
                session=session, key=site.key, token=token, now=site.clock.now()
            )
        if isinstance(holder, LinkRefusal):
            return self._refused(request, holder)
        browser = browser_of(request) or new_browser()
        response = site.pages.render(
            request,
            "desk/signin.html",
            {
                "action": self.desk.href(paths.sign_in_path(token)),
                "csrf": site.key.form_token(browser),
                "name": holder.full_name,
            },
        )
        remember(response, browser, secure=site.secure)
        return response

    async def enter(self, request: web.Request) -> web.StreamResponse:
        site = self.desk.site
        try:
            form = await read_form(request, BODY_LIMIT)
        except (TooLarge, Broken):
            form = None
        if form is None or not token_matches(site.key, browser_of(request), form.text("csrf")):
            # No cookie (blocked) or a form from elsewhere: the link stays unused.
            raise web.HTTPSeeOther(self.desk.href(paths.sign_in_path(request.match_info["token"])))
        async with site.db.unit_of_work() as session:
            signed = await redeem_link(
                session=session,
                key=site.key,
                token=request.match_info["token"],
                now=site.clock.now(),
            )
            if not isinstance(signed, SignedIn):  # a refused link keeps nothing
                await session.rollback()
        if not isinstance(signed, SignedIn):
            return self._refused(request, signed)
        response = web.Response(status=303, headers={"Location": self.desk.href(paths.BOARD)})
        response.set_cookie(
            SESSION_COOKIE,
            signed.token,
            path=self.desk.cookie_path,
            httponly=True,
            samesite="Lax",
            secure=site.secure,
        )
        return response

    def _refused(self, request: web.Request, refusal: LinkRefusal) -> web.Response:
        if refusal is LinkRefusal.UNKNOWN:
            return self.desk.problem(
                request,
                404,
                lambda: _("This link is not valid"),
                lambda: _("Please send /web to the bot again for a new link."),
            )
        if refusal is LinkRefusal.USED:
            return self.desk.problem(
                request,
                410,
                lambda: _("This link has already been used"),
                lambda: _(
                    "Each link opens the desk once. Send /web to the bot again for a new link."
                ),
            )
        return self.desk.problem(
            request,
            410,
            lambda: _("This link has expired"),
            lambda: _("A link works for 10 minutes. Send /web to the bot again for a new link."),
        )


async def sign_out(call: DeskCall) -> web.StreamResponse:
    await end_session(
        session=call.session, session_id=call.user.session_id, now=call.desk.site.clock.now()
    )
    response = call.desk.site.pages.render(call.request, "desk/signed_out.html", {})
    response.del_cookie(SESSION_COOKIE, path=call.desk.cookie_path)
    return response


def sign_in_routes(desk: Desk) -> list[web.RouteDef]:
    """The two routes outside the guard: there is no session yet."""
    sign_in = SignIn(desk)
    return [
        web.get(paths.SIGN_IN_ROUTE, sign_in.show),
        web.post(paths.SIGN_IN_ROUTE, sign_in.enter),
    ]


async def sign_out_page(call: DeskCall) -> web.StreamResponse:
    """A GET of the sign-out address (the signed-out page's language link): signing out takes
    the form's POST, so a signed-in browser is shown the board; a signed-out one got the
    guard's 401 page, in the language asked."""
    return call.back_to(paths.BOARD)


def sign_out_routes() -> list[DeskRoute]:
    return [
        DeskRoute("POST", paths.SIGN_OUT, sign_out),
        DeskRoute("GET", paths.SIGN_OUT, sign_out_page),
    ]
