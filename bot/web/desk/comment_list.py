"""The desk's comments page: a campaign the official reads (the rule of /comments in chat),
filtered by document, section, unit, stance, status, medium and local dates, searched without
accents, newest first, 50 at a time (keyset: the «older» link carries the last row's time
and id, so new comments arriving meanwhile never shift a page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from sqlalchemy import select
from sqlmodel import col

from bot.web.desk import paths
from bot.web.desk.comment_filters import ALL, Asked, BadQuery, read_query
from bot.web.desk.comment_words import (
    author_name,
    category_word,
    media,
    stance_word,
    stances,
    status_word,
    statuses,
)
from bot.web.desk.guard import DeskCall
from handlers.comment_texts import about, section_name
from handlers.format import moment, thousands
from storage.campaigns import documents_of
from storage.comment_match import search_words
from storage.comment_scope import ReadingScope, readable_campaign, readable_campaigns
from storage.comment_search import Filters, Page, Row, find_comments
from storage.comment_search_pg import Count
from storage.models import Campaign, Document, Section, Unit
from storage.units import is_within

CAMPAIGNS = 20  # offered in the chooser, latest first
TRIMMED = 240  # characters of a comment's text in the list


@dataclass(frozen=True, slots=True)
class Chosen:
    """What the page's filters point at, each checked to be the official's."""

    scope: ReadingScope
    documents: list[tuple[Document, list[Section]]]
    owners: dict[int, int]  # section → its document
    unit: Unit | None


async def comment_list(call: DeskCall) -> web.StreamResponse:
    try:
        asked = read_query(call.request.query)
    except BadQuery:
        return call.bad_form(lambda: _("This address holds a filter the desk does not know."))
    session = call.session
    campaigns = await readable_campaigns(session=session, member=call.member, limit=CAMPAIGNS)
    if not campaigns:
        return call.render(
            "desk/comments.html", lambda: {"campaigns": [], "empty": True}, nav="comments"
        )
    campaign_id = asked.campaign or campaigns[0].id
    assert campaign_id is not None
    chosen = await _chosen(call, asked, campaign_id)
    if chosen is None:
        return call.not_found()
    if all(c.id != campaign_id for c in campaigns):
        campaigns.append(chosen.scope.campaign)
    # A section chosen with another document (two menus of one form): the section wins.
    document = (
        chosen.owners.get(asked.section, asked.document) if asked.section else asked.document
    )
    asked = replace(asked, campaign=campaign_id, document=document)
    filters = _filters(asked, chosen)
    found = await find_comments(
        session=session, filters=filters, before=asked.before, after=asked.after
    )
    units = await _unit_choices(call, chosen)
    return call.render(
        "desk/comments.html",
        lambda: _context(call, asked, chosen, campaigns, found.page, found.count, units),
        nav="comments",
    )


async def _chosen(call: DeskCall, asked: Asked, campaign_id: int) -> Chosen | None:
    """The campaign, document, section and unit asked for, if every one is the official's."""
    session = call.session
    scope = await readable_campaign(session=session, member=call.member, campaign_id=campaign_id)
    if scope is None:
        return None
    documents = await documents_of(session=session, campaign=scope.campaign)
    owners = {
        s.id: d.id for d, sections in documents for s in sections if s.id and d.id is not None
    }
    if asked.document is not None and all(d.id != asked.document for d, _s in documents):
        return None
    if asked.section is not None and asked.section not in owners:
        return None
    unit = None
    if asked.unit is not None:
        unit = await session.get(Unit, asked.unit)
        if unit is None or not await _readable_unit(call, scope, unit):
            return None
    return Chosen(scope, documents, owners, unit)


async def _readable_unit(call: DeskCall, scope: ReadingScope, unit: Unit) -> bool:
    if not scope.whole:
        return unit.id in scope.owners
    return await is_within(session=call.session, unit=unit, root_id=scope.campaign.unit_id)


def _filters(asked: Asked, chosen: Chosen) -> Filters:
    campaign = chosen.scope.campaign
    assert campaign.id is not None
    roots = (chosen.unit.id,) if chosen.unit is not None else chosen.scope.within
    since, until = asked.window(campaign.timezone)
    return Filters(
        campaign_id=campaign.id,
        roots=tuple(r for r in roots if r is not None) if roots is not None else None,
        document_id=asked.document,
        section_id=asked.section,
        stance=asked.stance,
        statuses=asked.statuses,
        medium=asked.medium,
        since=since,
        until=until,
        words=search_words(asked.q),
    )


async def _unit_choices(call: DeskCall, chosen: Chosen) -> list[Unit]:
    """The units the unit filter offers: the roots of the official's part (the campaign's
    unit when they read it all) and the units right below them; the chosen one, if deeper.
    A city's 9,000 cells are reached by choosing their ward first."""
    scope = chosen.scope
    roots = [u for u in scope.roots if u.id is not None]
    if scope.whole:
        owner = await call.session.get(Unit, scope.campaign.unit_id)
        roots = [owner] if owner is not None else []
    ids = [u.id for u in roots]
    below = await call.session.execute(
        select(Unit).where(col(Unit.parent_id).in_(ids)).order_by(col(Unit.code))
    )
    found = [*roots, *below.scalars().all()]
    if chosen.unit is not None and chosen.unit not in found:
        found.append(chosen.unit)
    return found


def trimmed(text: str, limit: int = TRIMMED) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def row_view(call: DeskCall, row: Row, campaign: Campaign) -> Mapping[str, Any]:
    comment = row.comment
    return {
        "receipt": comment.receipt,
        "href": call.desk.href(paths.comment_path(comment.receipt)),
        "time": moment(comment.created_at, campaign.timezone),
        "place": row.place,
        "about": about(row.document, row.section, campaign.title),
        "stance": stance_word(comment.stance),
        "category": category_word(comment.category),
        "status": status_word(comment.status),
        "status_value": comment.status.value,
        "text": trimmed(comment.text),
        "author": author_name(comment),
        "photos": row.photos,
        "replied": comment.replied_at is not None,
    }


def _count_text(count: Count) -> str:
    if not count.exact:
        if not count.n:
            return _("Too many comments to count quickly")
        return _("More than {count} comments").format(count=thousands(count.n))
    if count.n == 1:
        return _("1 comment")
    return _("{count} comments").format(count=thousands(count.n))


def _targets(documents: Sequence[tuple[Document, list[Section]]]) -> list[dict[str, Any]]:
    return [
        {
            "id": document.id,
            "title": document.title,
            "sections": [{"id": s.id, "name": section_name(s)} for s in sections],
        }
        for document, sections in documents
    ]


def _context(
    call: DeskCall,
    asked: Asked,
    chosen: Chosen,
    campaigns: list[Campaign],
    page: Page,
    count: Count,
    units: list[Unit],
) -> Mapping[str, Any]:
    campaign = chosen.scope.campaign
    desk = call.desk

    def link(**changes: object) -> str:
        return desk.href(paths.COMMENTS, **asked.query(**changes))

    return {
        "empty": False,
        "campaigns": [{"id": c.id, "title": c.title} for c in campaigns],
        "asked": asked,
        "part": None if chosen.scope.whole else ", ".join(u.name for u in chosen.scope.roots),
        "targets": _targets(chosen.documents),
        "units": [{"id": u.id, "name": u.name} for u in units],
        "stances": stances(),
        "statuses": [*statuses(), (ALL, _("any status"))],
        "media": media(),
        "rows": [row_view(call, row, campaign) for row in page.rows],
        "count": _count_text(count),
        "older": link(before=page.older, after=None) if page.older else None,
        "newer": link(after=page.newer, before=None) if page.newer else None,
        "newest": link(before=None, after=None) if page.newer else None,
        "clear": desk.href(paths.COMMENTS, campaign=campaign.id),
        "themes": desk.href(paths.THEMES, campaign=campaign.id),
        "action": desk.href(paths.COMMENTS),
        "narrowed": asked.narrowed,
    }
