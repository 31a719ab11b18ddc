"""The desk's campaign page: the campaigns the official takes part in, and one of them read
only — dates, the unit that runs it, the units taking part within the official's reach, each
level's deadline, the report form, the documents and their sections, the posters made.

What a campaign "is" comes from ``bot.admin_views.campaign_data``, as ``gopy campaign show``
prints it; which campaigns and units the official sees, from ``reading_scope`` (the rule of
``/comments``): a campaign run by their unit, above it, or below it. Anything else is a 404.
Uploading an org or campaign file is ``campaign_upload`` (its rule: ``upload_rules``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from bot.admin_views import campaign_data, campaign_state
from bot.links import draft_path
from bot.web.desk import campaign_upload, paths
from bot.web.desk.guard import DeskCall, DeskRoute
from bot.web.pages import language_of
from handlers.format import moment, weekday_name
from storage.campaign_reach import Reach, draft_code, reach_of
from storage.campaigns import campaign_documents
from storage.comment_scope import ReadingScope, readable_campaigns, reading_scope
from storage.drafts import DraftFile, files_of
from storage.models import Campaign, Unit, UnitLevel

# The chooser lists the latest campaigns; an older one still opens by its address.
CHOOSER_LIMIT = 50
_MAX_ID = 2**31 - 1  # an INTEGER key: a larger number is no campaign (and no database error)


def parse_id(text: str) -> int | None:
    """A positive id from a query value, or None for anything else."""
    if not (text.isascii() and text.isdecimal()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= _MAX_ID else None


def level_label(level: UnitLevel | str) -> str:
    labels = {
        "province": _("level:province"),
        "city": _("level:city"),
        "district": _("level:district"),
        "ward": _("level:ward"),
        "cell": _("level:cell"),
    }
    return labels.get(str(level), str(level))


def state_label(state: str) -> str:
    return {"upcoming": _("not started"), "open": _("open"), "closed": _("ended")}[state]


def kind_label(kind: str) -> str:
    labels = {"text": _("text"), "count": _("number"), "choices": _("choice in a list")}
    return labels.get(kind, kind)


def every_week(weekday: int, time: str) -> str:
    """``17:00 thứ Tư hằng tuần``."""
    return _("{time} every {weekday}").format(time=time, weekday=weekday_name(weekday))


def dated(value: datetime, tz: str) -> str:
    """``00:00 thứ Tư, 15/10/2025``: a campaign's dates carry their year."""
    return f"{moment(value, tz)}/{value.astimezone(ZoneInfo(tz)).year}"


def _size(file: DraftFile) -> str:
    kind = "PDF" if file.content_type == "application/pdf" else "DOCX"
    return f"{kind}, {max(1, round(file.size / 1024))} kB"


async def asked_scope(call: DeskCall, asked: str) -> ReadingScope | None:
    """The campaign of ``?campaign=`` as this official reads it; None: no such id, or not
    one they take part in (the page is a 404 either way)."""
    campaign_id = parse_id(asked)
    campaign = await call.session.get(Campaign, campaign_id) if campaign_id else None
    if campaign is None:
        return None
    return await reading_scope(session=call.session, member=call.member, campaign=campaign)


async def campaign_page(call: DeskCall) -> web.StreamResponse:
    session = call.session
    campaigns = await readable_campaigns(session=session, member=call.member, limit=CHOOSER_LIMIT)
    asked = call.request.query.get("campaign")
    scope: ReadingScope | None = None
    if asked is not None:
        scope = await asked_scope(call, asked)
        if scope is None:
            return call.not_found()
    elif campaigns:  # the latest they take part in
        scope = await reading_scope(session=session, member=call.member, campaign=campaigns[0])
    flash = campaign_upload.flash_of(call)
    shown = None if scope is None else await _facts(call, scope)
    current = None if scope is None else scope.campaign.id

    def context() -> Mapping[str, Any]:
        return {
            "campaigns": [
                {
                    "title": c.title,
                    "code": c.code,
                    "href": call.desk.href(paths.CAMPAIGN, campaign=c.id),
                    "current": c.id == current,
                }
                for c in campaigns
            ],
            "shown": None if shown is None else _words(shown),
            "flash": flash,
            **campaign_upload.form_context(call),
        }

    return call.render("desk/campaign.html", context, nav="campaign")


async def _facts(call: DeskCall, scope: ReadingScope) -> dict[str, Any]:
    """What the page shows of the campaign, read before rendering (the words come after)."""
    session, campaign = call.session, scope.campaign
    settings = call.desk.site.settings
    lang, _chosen = language_of(call.request, call.desk.site.pages.default)
    data = await campaign_data(
        session=session,
        code=campaign.code,
        now=call.desk.site.clock.now(),
        reminders=settings.scheduler.reminders,
        quiet_hours=settings.scheduler.quiet_hours,
        locale=lang,
        entry_points=False,
    )
    documents = await campaign_documents(session=session, campaign=campaign)
    files = await files_of(session=session, document_ids=[d.id for d in documents if d.id])
    hosted = {d.code: files[d.id] for d in documents if d.id in files}
    runner = await session.get(Unit, campaign.unit_id)
    assert runner is not None
    return {
        "campaign": campaign,
        "data": data,
        "runner": runner,
        "reach": await reach_of(session=session, scope=scope),
        "hosted": hosted,
        "draft_code": await draft_code(session=session, scope=scope),
        "state": campaign_state(campaign, call.desk.site.clock.now()),
        "site": call.desk.site,
    }


def _words(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts as the page says them, in its language."""
    campaign: Campaign = facts["campaign"]
    data: Mapping[str, Any] = facts["data"]
    reach: Reach = facts["reach"]
    runner: Unit = facts["runner"]
    tz = campaign.timezone
    code = facts["draft_code"]
    site = facts["site"]
    return {
        "code": campaign.code,
        "title": campaign.title,
        "starts": dated(campaign.starts_at, tz),
        "ends": dated(campaign.ends_at, tz),
        "timezone": tz,
        "state": state_label(facts["state"]),
        "runner": f"{runner.name} ({runner.code})",
        "reminders": data["reminders"],
        "quiet_hours": data["quiet_hours"],
        "deadlines": [
            {
                "level": level_label(row["level"]),
                "weekly": every_week(row["weekday"], row["time"]),
                "final": dated(datetime.fromisoformat(row["final_due"]), tz)
                if row["final_due"]
                else None,
                "own_form": row["own_form"],
            }
            for row in data["deadlines"]
        ],
        "form": [
            {
                "label": row["label"],
                "kind": kind_label(row["kind"]),
                "required": not row["optional"],
                "choices": row["choices"],
            }
            for row in data["form"]
        ],
        "documents": [
            {
                "code": doc["code"],
                "title": doc["title"],
                "url": doc["url"],
                "file": _size(facts["hosted"][doc["code"]])
                if doc["code"] in facts["hosted"]
                else None,
                "draft": site.href(draft_path(code, doc["code"]))
                if code and doc["code"] in facts["hosted"]
                else None,
                "sections": doc["sections"],
            }
            for doc in data["documents"]
        ],
        "levels": [{"level": level_label(level), "count": n} for level, n in reach.levels],
        "tree": [
            {
                "code": row.unit.code,
                "name": row.unit.name,
                "level": level_label(row.unit.level),
                "depth": min(row.depth, 6),
                "hidden": row.hidden,
            }
            for row in reach.rows
        ],
        "posters": reach.posters,
    }


def routes() -> list[DeskRoute]:
    return [DeskRoute("GET", paths.CAMPAIGN, campaign_page), *campaign_upload.routes()]
