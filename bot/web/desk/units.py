"""The desk's unit page: where the unit sits, its people and invites, its reports with every
revision, its latest comments. Only for units within the official's own (``unit_reach``)."""

from __future__ import annotations

from aiohttp import web

from bot.web.desk import invites, paths
from bot.web.desk.guard import DeskCall, DeskRoute
from bot.web.desk.unit_facts import unit_facts
from bot.web.desk.unit_reach import reach_unit
from bot.web.desk.unit_texts import revoked_note, unit_context


async def unit_page(call: DeskCall) -> web.StreamResponse:
    reached = await reach_unit(
        session=call.session, member=call.member, raw_id=call.request.match_info["unit"]
    )
    if reached is None:
        return call.not_found()
    site = call.desk.site
    now = site.clock.now()
    facts = await unit_facts(session=call.session, member=call.member, reached=reached, now=now)
    query = call.request.query

    def context() -> dict[str, object]:
        return {
            **unit_context(
                call.desk,
                facts,
                now=now,
                tz=site.settings.timezone,
                default_days=site.settings.invite_ttl_days,
            ),
            "revoked": revoked_note(query.get("was", ""), query.get("invite", "")),
        }

    return call.render("desk/unit.html", context, nav="board")


def routes() -> list[DeskRoute]:
    return [DeskRoute("GET", paths.UNIT_ROUTE, unit_page), *invites.routes()]
