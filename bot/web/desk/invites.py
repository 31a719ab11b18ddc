"""Making and revoking a unit's invites on the desk, and the sheet of invite cards to print.

Codes are stored as keyed hashes (``storage.keys``): the plain codes exist only in the answer
to the POST that made them, so that answer is the printable page itself (200, not a redirect:
a page redirected to could not show them). Who may invite whom is ``storage.invite_rules``'.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from markupsafe import Markup

from bot.invite_links import invite_link, typed_invite
from bot.render.qr import qr_svg
from bot.web.desk import paths
from bot.web.desk.guard import DeskCall, DeskRoute, Text
from bot.web.desk.invite_order import MAX_COUNT, MAX_DAYS, InviteOrder, OrderProblem, read_order
from bot.web.desk.unit_reach import Reached, reach_invite, reach_unit
from handlers.format import moment
from storage.invite_rules import InviteRefusal, refusal, revoke_refusal
from storage.invites import create_invites, revoke_invite
from storage.models import InviteMode, RoleKind, Unit


def _problem(problem: OrderProblem) -> Text:
    return {
        OrderProblem.ROLE: lambda: _(
            "Choose whom the invites are for: a secretary or an official."
        ),
        OrderProblem.MODE: lambda: _("Choose whether the new person joins or replaces."),
        OrderProblem.COUNT: lambda: _(
            "The number of invites is a whole number from 1 to {most}."
        ).format(most=MAX_COUNT),
        OrderProblem.DAYS: lambda: _(
            "The days until they expire is a whole number from 1 to {most}."
        ).format(most=MAX_DAYS),
    }[problem]


def _refused(why: InviteRefusal) -> Text:
    return {
        InviteRefusal.NOT_YOURS: lambda: _("This unit is not among your units."),
        InviteRefusal.NO_SECRETARY: lambda: _(
            "Only party cells have secretaries: invite an official for this unit instead."
        ),
        InviteRefusal.PEERS: lambda: _(
            "Replacing the officials of your own unit is for the level above it. You may invite "
            "an official to join them."
        ),
    }[why]


async def make_invites(call: DeskCall) -> web.StreamResponse:
    site = call.desk.site
    reached = await reach_unit(
        session=call.session, member=call.member, raw_id=call.request.match_info["unit"]
    )
    if reached is None:
        return call.not_found()
    order = read_order(call.form.fields, default_days=site.settings.invite_ttl_days)
    if isinstance(order, OrderProblem):
        return call.bad_form(_problem(order))
    why = refusal(
        unit=reached.unit,
        above=reached.above_ids,
        mine=reached.mine,
        role=order.role,
        mode=order.mode,
    )
    if why is not None:
        return call.bad_form(_refused(why))
    now = site.clock.now()
    codes = await create_invites(
        session=call.session,
        unit=reached.unit,
        role=order.role,
        key=site.key,
        now=now,
        count=order.count,
        mode=order.mode,
        ttl=timedelta(days=order.days),
    )
    username = await site.telegram_username()
    expires = now + timedelta(days=order.days)
    return call.render(
        "desk/unit_invites.html",
        lambda: _sheet(call, reached, order, codes, username, expires),
    )


def _sheet(
    call: DeskCall,
    reached: Reached,
    order: InviteOrder,
    codes: list[str],
    username: str | None,
    expires: datetime,
) -> dict[str, Any]:
    unit = reached.unit
    assert unit.id is not None
    tz = call.desk.site.settings.timezone
    return {
        "unit": {"name": unit.name, "href": call.desk.href(paths.unit_path(unit.id))},
        "for_whom": _for_whom(order.role, unit),
        "replaces": _replaces(order, unit),
        "expires": moment(expires, tz),
        "telegram": username is not None,
        "cards": [_card(code, username, unit) for code in codes],
    }


def _card(code: str, username: str | None, unit: Unit) -> dict[str, Any]:
    link = invite_link(username, code)
    typed = typed_invite(code)
    return {
        "code": typed,
        "link": link,
        # Inline: the page's policy loads no image, and a vector prints sharp.
        "qr": Markup(qr_svg(link, title=_("QR code of the invite {code}").format(code=typed)))  # noqa: S704
        if link is not None
        else None,
    }


def _for_whom(role: RoleKind, unit: Unit) -> str:
    if role is RoleKind.SECRETARY:
        return _("Secretary of {unit}").format(unit=unit.name)
    return _("Official of {unit}").format(unit=unit.name)


def _replaces(order: InviteOrder, unit: Unit) -> str | None:
    if order.mode is not InviteMode.REPLACE:
        return None
    if order.role is RoleKind.SECRETARY:
        return _(
            "Whoever uses this code takes over: the current secretaries of {unit} lose the role."
        ).format(unit=unit.name)
    return _(
        "Whoever uses this code takes over: the current officials of {unit} lose the role."
    ).format(unit=unit.name)


async def revoke(call: DeskCall) -> web.StreamResponse:
    found = await reach_invite(
        session=call.session,
        key=call.desk.site.key,
        member=call.member,
        raw_id=call.request.match_info["invite"],
    )
    if found is None:
        return call.not_found()
    invite, reached = found
    assert reached.unit.id is not None
    if revoke_refusal(
        unit=reached.unit,
        above=reached.above_ids,
        mine=reached.mine,
        role=invite.role,
        mode=invite.mode,
    ):
        return call.desk.problem(
            call.request,
            403,
            lambda: _("This invite is not yours to revoke"),
            lambda: _(
                "It replaces the officials of your own unit: the level above made it, and only "
                "the level above may revoke it."
            ),
        )
    before = await revoke_invite(
        session=call.session, invite=invite, now=call.desk.site.clock.now()
    )
    return call.redirect(paths.unit_path(reached.unit.id), invite=invite.id, was=before.value)


async def invites_page(call: DeskCall) -> web.StreamResponse:
    """A GET of the address invites are made at (the language link of the sheet of cards, or
    of a refusal): the unit's page."""
    reached = await reach_unit(
        session=call.session, member=call.member, raw_id=call.request.match_info["unit"]
    )
    if reached is None or reached.unit.id is None:
        return call.not_found()
    return call.back_to(paths.unit_path(reached.unit.id))


async def revoke_page(call: DeskCall) -> web.StreamResponse:
    """A GET of an invite's revoke address (a refusal's language link): its unit's page."""
    found = await reach_invite(
        session=call.session,
        key=call.desk.site.key,
        member=call.member,
        raw_id=call.request.match_info["invite"],
    )
    if found is None or found[1].unit.id is None:
        return call.not_found()
    return call.back_to(paths.unit_path(found[1].unit.id))


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("POST", paths.UNIT_INVITES_ROUTE, make_invites),
        DeskRoute("GET", paths.UNIT_INVITES_ROUTE, invites_page),
        DeskRoute("POST", paths.INVITE_REVOKE_ROUTE, revoke),
        DeskRoute("GET", paths.INVITE_REVOKE_ROUTE, revoke_page),
    ]
