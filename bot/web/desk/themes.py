"""Groups of opinions («nhóm ý kiến») on the desk: per document and section of a campaign,
the groups with their counts and a quote, a group's comments, and for the campaign's own
officials renaming and merging (moving a comment is on its page). The chat's rules:
``storage.theme_access`` says who sees and who edits, ``storage.themes`` does it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from bot.web.desk import paths
from bot.web.desk.comment_filters import BadQuery, read_id
from bot.web.desk.comment_list import trimmed
from bot.web.desk.guard import DeskCall, DeskRoute, Text
from handlers.comment_texts import about
from handlers.format import moment, thousands
from storage.campaigns import documents_of
from storage.comment_scope import readable_campaigns
from storage.models import CommentTheme
from storage.theme_access import ThemeAccess, scope_access, theme_access
from storage.themes import (
    LABEL_LENGTH,
    Among,
    Scope,
    ThemeError,
    live_themes,
    merge,
    rename,
    scopes_of,
    theme_comments,
    theme_counts,
    tidy,
    unthemed_share,
)

PAGE = 50
MAX_PAGE = 10_000  # a group's pages reached by ``?page=``; past it, nothing to show

DONE: Mapping[str, Text] = {
    "renamed": lambda: _(
        "The group is renamed; it keeps its name when comments are grouped again."
    ),
    "merged": lambda: _("The groups are merged: their comments are all in this group now."),
}


def _ids(call: DeskCall, *names: str) -> list[int | None]:
    return [read_id(call.request.query.get(name, "").strip()) for name in names]


async def themes_page(call: DeskCall) -> web.StreamResponse:
    try:
        campaign_id, document_id, section_id = _ids(call, "campaign", "document", "section")
    except BadQuery:
        return call.bad_form(lambda: _("This address holds a filter the desk does not know."))
    session = call.session
    campaigns = await readable_campaigns(session=session, member=call.member, limit=20)
    if not campaigns:
        return call.render("desk/themes.html", {"campaigns": [], "empty": True}, nav="comments")
    campaign_id = campaign_id or campaigns[0].id
    assert campaign_id is not None
    access = await scope_access(
        session=session,
        member=call.member,
        campaign_id=campaign_id,
        document_id=document_id,
        section_id=section_id,
    )
    if access is None:
        return call.not_found()
    if all(c.id != campaign_id for c in campaigns):
        campaigns.append(access.campaign)
    scopes = await scopes_of(session=session, campaign_id=campaign_id)
    if document_id is None and section_id is None and scopes and access.scope not in scopes:
        # Nothing asked: the first document or section that has comments.
        first = scopes[0]
        found = await scope_access(
            session=session,
            member=call.member,
            campaign_id=campaign_id,
            document_id=first.document_id,
            section_id=first.section_id,
        )
        access = found or access
    among = Among(unit_id=access.unit.id)
    counts = await theme_counts(session=session, scope=access.scope, among=among, quotes=1)
    unthemed, total = await unthemed_share(session=session, scope=access.scope)
    documents = await documents_of(session=session, campaign=access.campaign)
    names = {(d.id, None): about(d, None, "") for d, _s in documents} | {
        (d.id, s.id): about(d, s, "") for d, sections in documents for s in sections
    }
    href = call.desk.href

    def scope_link(scope: Scope) -> str:
        return href(
            paths.THEMES,
            campaign=scope.campaign_id,
            document=scope.document_id,
            section=scope.section_id,
        )

    def context() -> Mapping[str, Any]:
        campaign = access.campaign
        return {
            "empty": False,
            "campaigns": [{"id": c.id, "title": c.title} for c in campaigns],
            "campaign_id": campaign_id,
            "title": _title(access),
            "scopes": [
                {
                    "name": names.get((s.document_id, s.section_id)) or campaign.title,
                    "href": scope_link(s),
                    "current": s == access.scope,
                }
                for s in scopes
            ],
            "themes": [
                {
                    "label": t.label if t.theme_id is not None else _("Other opinions"),
                    "count": thousands(t.count),
                    "quote": trimmed(t.quotes[0].text, 200) if t.quotes else "",
                    "href": href(paths.theme_path(t.theme_id)) if t.theme_id else "",
                }
                for t in counts
            ],
            "unthemed": _("{count} of {total} comments are in no group yet.").format(
                count=thousands(unthemed), total=thousands(total)
            )
            if unthemed
            else "",
            "editor": access.editor,
            "comments": href(paths.COMMENTS, campaign=campaign.id),
            "action": href(paths.THEMES),
        }

    return call.render("desk/themes.html", context, nav="comments")


def _title(access: ThemeAccess) -> str:
    return about(access.document, access.section, access.campaign.title)


def _theme_id(call: DeskCall) -> int | None:
    raw = call.request.match_info["theme"]
    try:
        return read_id(raw)
    except BadQuery:
        return None


async def theme_page(call: DeskCall) -> web.StreamResponse:
    theme_id = _theme_id(call)
    found = (
        await theme_access(session=call.session, member=call.member, theme_id=theme_id)
        if theme_id is not None
        else None
    )
    if found is None:
        return call.not_found()
    raw_page = call.request.query.get("page", "0").strip() or "0"
    if not raw_page.isascii() or not raw_page.isdigit() or int(raw_page[:6]) > MAX_PAGE:
        return call.bad_form(lambda: _("This address holds a filter the desk does not know."))
    return await theme_response(call, found[0], found[1], int(raw_page))


async def theme_response(
    call: DeskCall,
    theme: CommentTheme,
    access: ThemeAccess,
    page: int = 0,
    *,
    status: int = 200,
    problem: Text | None = None,
) -> web.Response:
    session = call.session
    assert theme.id is not None
    comments = await theme_comments(
        session=session,
        theme_id=theme.id,
        among=Among(unit_id=access.unit.id),
        offset=page * PAGE,
        limit=PAGE + 1,
    )
    others = [
        t for t in await live_themes(session=session, scope=access.scope) if t.id != theme.id
    ]
    href = call.desk.href
    tz = access.campaign.timezone
    done = DONE.get(call.request.query.get("done", ""))
    scope = access.scope

    def context() -> Mapping[str, Any]:
        return {
            "label": theme.label,
            "title": _title(access),
            "back": href(
                paths.THEMES,
                campaign=scope.campaign_id,
                document=scope.document_id,
                section=scope.section_id,
            ),
            "comments": [
                {
                    "receipt": c.receipt,
                    "href": href(paths.comment_path(c.receipt)),
                    "time": moment(c.created_at, tz),
                    "text": trimmed(c.text, 400),
                }
                for c in comments[:PAGE]
            ],
            "older": href(paths.theme_path(theme.id or 0), page=page + 1)
            if len(comments) > PAGE
            else "",
            "newer": href(paths.theme_path(theme.id or 0), page=page - 1 or None) if page else "",
            "editor": access.editor,
            "others": [{"id": t.id, "label": t.label} for t in others],
            "rename_action": href(paths.theme_path(theme.id or 0, paths.THEME_RENAME_ROUTE)),
            "merge_action": href(paths.theme_path(theme.id or 0, paths.THEME_MERGE_ROUTE)),
            "max_label": LABEL_LENGTH,
            "done": done() if done is not None and problem is None else "",
            "problem": problem() if problem is not None else "",
        }

    return call.render("desk/theme.html", context, nav="comments", status=status)


async def _editable(call: DeskCall) -> tuple[CommentTheme, ThemeAccess] | None:
    theme_id = _theme_id(call)
    if theme_id is None:
        return None
    return await theme_access(
        session=call.session, member=call.member, theme_id=theme_id, edit=True
    )


async def rename_theme(call: DeskCall) -> web.StreamResponse:
    found = await _editable(call)
    if found is None:
        return call.not_found()
    theme, access = found
    label = tidy(call.form.text("label"))
    if not 0 < len(label) <= LABEL_LENGTH:

        def problem() -> str:
            return _("A group's name has 1 to {limit} characters.").format(limit=LABEL_LENGTH)

        return await theme_response(call, theme, access, status=400, problem=problem)
    assert theme.id is not None
    await rename(
        session=call.session, theme_id=theme.id, label=label, now=call.desk.site.clock.now()
    )
    return call.redirect(paths.theme_path(theme.id), done="renamed")


async def merge_theme(call: DeskCall) -> web.StreamResponse:
    found = await _editable(call)
    if found is None:
        return call.not_found()
    theme = found[0]
    try:
        target_id = read_id(call.form.text("target").strip())
    except BadQuery:
        target_id = None
    if target_id is None:
        return call.bad_form(lambda: _("Please choose the group to merge it into."))
    target = await theme_access(
        session=call.session, member=call.member, theme_id=target_id, edit=True
    )
    if target is None:
        return call.not_found()
    assert theme.id is not None
    try:
        await merge(
            session=call.session,
            source_id=theme.id,
            target_id=target_id,
            now=call.desk.site.clock.now(),
        )
    except ThemeError:
        return call.bad_form(
            lambda: _("Only two different groups of the same section can be merged.")
        )
    return call.redirect(paths.theme_path(target_id), done="merged")


def routes() -> list[DeskRoute]:
    return [
        DeskRoute("GET", paths.THEMES, themes_page),
        DeskRoute("GET", paths.THEME_ROUTE, theme_page),
        DeskRoute("POST", paths.THEME_RENAME_ROUTE, rename_theme),
        DeskRoute("POST", paths.THEME_MERGE_ROUTE, merge_theme),
    ]
