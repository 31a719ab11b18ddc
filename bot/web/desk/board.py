"""The desk's board: the reporting units of one level × the weeks of a campaign, each week on
time, late, not filed or not yet due, with the totals and a chart of completeness; and
«Nhắc các đơn vị chưa báo cáo», which does what /remind does in chat.

What the page shows comes from ``services.board`` (read only, nothing stored by a GET); the
button calls ``services.oversight.remind_missing`` as /remind does, and its outcome comes back
through the address (``Flash``) so a reload does not remind again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiohttp import web
from markupsafe import Markup

from bot.web.desk import paths
from bot.web.desk.chart import ChartWeek, completeness_chart
from bot.web.desk.guard import DeskCall, DeskRoute
from handlers.format import moment, status_label, week_label
from handlers.notices import noun
from handlers.officials import remind_text
from services.board import (
    Board,
    Filter,
    Mark,
    Scope,
    board,
    could_not_remind,
    scopes,
)
from services.oversight import Overseen, Reminded, remind_missing
from storage.models import Period, UnitLevel

MAX_SEARCH = 100
_NUMBER = re.compile(r"[0-9]{1,9}", re.ASCII)
_FLASH = re.compile(
    r"([0-9]{1,9})-([a-z]{1,12})-([0-9]{1,7})-([0-9]{1,7})-([0-9]{1,7})-([0-9]{1,11})", re.ASCII
)
_LEVELS = {level.value: level for level in UnitLevel}


class BadQuery(ValueError):
    """A query value the board's own links never make."""


@dataclass(frozen=True, slots=True)
class Flash:
    """What one /remind did for one unit and level, carried to the board in its address."""

    unit_id: int
    level: UnitLevel
    missing: int
    queued: int
    already: int
    goes_at: datetime

    def encode(self) -> str:
        goes = int(self.goes_at.timestamp())
        return (
            f"{self.unit_id}-{self.level.value}-{self.missing}-{self.queued}-{self.already}-{goes}"
        )

    @classmethod
    def parse(cls, text: str) -> Flash:
        found = _FLASH.fullmatch(text)
        if found is None or found[2] not in _LEVELS:
            raise BadQuery(text)
        unit, level, missing, queued, already, goes = found.groups()
        return cls(
            int(unit),
            _LEVELS[level],
            int(missing),
            int(queued),
            int(already),
            datetime.fromtimestamp(int(goes), UTC),
        )


@dataclass(frozen=True, slots=True)
class Asked:
    """The board's query, checked: which campaign and level, which rows, what was done."""

    campaign: int | None = None
    level: UnitLevel | None = None
    wanted: Filter = field(default_factory=Filter)
    flash: tuple[Flash, ...] | None = None  # (): /remind found no week open to remind


def _number(text: str) -> int:
    if _NUMBER.fullmatch(text) is None:
        raise BadQuery(text)
    return int(text)


def read_query(query: Mapping[str, str]) -> Asked:
    """The board's query values (others, like ``lang``, are not the board's business)."""
    asked = Asked()
    if "campaign" in query:
        asked = replace(asked, campaign=_number(query["campaign"]))
    if "level" in query:
        if query["level"] not in _LEVELS:
            raise BadQuery(query["level"])
        asked = replace(asked, level=_LEVELS[query["level"]])
    page = _number(query["page"]) if "page" in query else 1
    if page < 1:
        raise BadQuery("page")
    if query.get("missing", "1") != "1":
        raise BadQuery("missing")
    search = " ".join(query.get("q", "").split())
    if len(search) > MAX_SEARCH:
        raise BadQuery("q")
    asked = replace(asked, wanted=Filter(page, "missing" in query, search))
    if "reminded" in query:
        raw = query["reminded"]
        flashes = () if raw == "none" else tuple(Flash.parse(p) for p in raw.split(".")[:32])
        asked = replace(asked, flash=flashes)
    return asked


def _bad_query(call: DeskCall) -> web.Response:
    return call.desk.problem(
        call.request,
        400,
        lambda: _("This address is not one of the board's"),
        lambda: _("Please open the board from the menu and choose from its lists."),
    )


async def board_page(call: DeskCall) -> web.StreamResponse:
    try:
        asked = read_query(call.request.query)
    except BadQuery:
        return _bad_query(call)
    now = call.desk.site.clock.now()
    found = await scopes(session=call.session, member=call.member, now=now)
    if not found:
        if asked.campaign is not None or asked.level is not None:
            return call.not_found()
        return call.render("desk/board.html", lambda: {"board": None}, nav="board")
    scope = found[0]
    if asked.campaign is not None:
        chosen = next((s for s in found if s.campaign_id == asked.campaign), None)
        if chosen is None:
            return call.not_found()
        scope = chosen
    watch = scope.levels[0] if asked.level is None else scope.level(asked.level)
    if watch is None:
        return call.not_found()
    shown = await board(session=call.session, watch=watch, now=now, wanted=asked.wanted)
    if shown is None:  # a page past the last
        return call.not_found()
    flashes = await _flashes(call, scope, asked.flash)
    return call.render(
        "desk/board.html",
        lambda: _context(call, found, scope, shown, asked.wanted, flashes, now),
        nav="board",
    )


async def _flashes(
    call: DeskCall, scope: Scope, flash: tuple[Flash, ...] | None
) -> list[Reminded] | None:
    """The outcome of the button as /remind words it: its counts from the address, the units
    nobody could be reminded for read again (the same rule; names stay out of addresses)."""
    if flash is None:
        return None
    done: list[Reminded] = []
    for item in flash:
        watch = next(
            (w for w in scope.levels if w.level is item.level and w.unit.id == item.unit_id),
            None,
        )
        if watch is None:  # not this official's (any more): nothing to say about it
            continue
        nobody, blocked = await could_not_remind(session=call.session, watch=watch)
        period = Period(
            campaign_id=scope.campaign_id,
            level=watch.level,
            starts_at=watch.window.starts_at,
            deadline_at=watch.window.deadline_at,
        )
        overseen = Overseen(watch.unit, watch.campaign, watch.level, period, watch.root_id)
        done.append(
            Reminded(
                overseen, item.missing, item.queued, item.already, nobody, blocked, item.goes_at
            )
        )
    return done if done or not flash else None  # an address naming others' units: no note


_SYMBOLS = {Mark.ON_TIME: "✓", Mark.LATE: "!", Mark.MISSING: "✗", Mark.NOT_DUE: "…"}


def _word(mark: Mark) -> str:
    if mark is Mark.NOT_DUE:
        return _("not yet due")
    return status_label(mark.value)


def _context(
    call: DeskCall,
    found: list[Scope],
    scope: Scope,
    shown: Board,
    wanted: Filter,
    flashes: list[Reminded] | None,
    now: datetime,
) -> dict[str, Any]:
    """What the template shows, made in the reader's language."""
    desk = call.desk
    tz = scope.campaign.timezone
    zone = ZoneInfo(tz)
    level = shown.watch.level
    here: dict[str, str | int | None] = {"campaign": scope.campaign_id, "level": level.value}
    kept = {**here, "q": wanted.search or None, "missing": 1 if wanted.only_missing else None}
    words = {mark: _word(mark) for mark in Mark}
    # A 100 × 13 grid: each kind of cell is made (and escaped) once, not 1,300 times.
    cells = {
        mark: Markup(
            '<td class="m {}"><span aria-hidden="true">{}</span><span class="sr"> {}</span></td>'
        ).format(mark.value, _SYMBOLS[mark], words[mark])
        for mark in Mark
    }
    weeks: list[dict[str, Any]] = [
        {
            "day": f"{week.deadline_at.astimezone(zone):%d/%m}",
            "title": _("Week {span}, due {deadline}").format(
                span=week_label(week.starts_at, week.deadline_at, tz),
                deadline=moment(week.deadline_at, tz),
            ),
            "open": week.deadline_at >= now,
        }
        for week in shown.weeks
    ]
    return {
        "board": shown,
        "campaigns": [
            {
                "title": s.campaign.title,
                "href": desk.href(paths.BOARD, campaign=s.campaign_id),
                "current": s is scope,
            }
            for s in found
        ],
        "levels": [
            {
                "label": noun(w.level),
                "href": desk.href(paths.BOARD, campaign=scope.campaign_id, level=w.level.value),
                "current": w.level is level,
            }
            for w in scope.levels
        ],
        "scope": scope,
        "level": level.value,
        "noun": noun(level),
        "weeks": weeks,
        "rows": [
            {
                "name": row.unit.name,
                "code": row.unit.code,
                "parent": row.unit.parent,
                "href": desk.href(paths.unit_path(row.unit.id)),
                "cells": Markup("").join(cells[m] for m in row.marks),
            }
            for row in shown.rows
        ],
        "parents": shown.several_parents,
        "totals": [
            {
                "on_time": t.on_time,
                "late": t.late,
                "missing": t.missing,
                "share": _percent(t.on_time + t.late, t.expected),
            }
            for t in shown.totals
        ],
        "chart": completeness_chart(
            [ChartWeek(w["day"], w["title"], w["open"]) for w in weeks], shown.totals, words
        ),
        "legend": [(m.value, _SYMBOLS[m], words[m]) for m in Mark],
        "wanted": wanted,
        "kept": kept,
        "filter_action": desk.href(paths.BOARD),
        "previous": desk.href(paths.BOARD, **kept, page=shown.page - 1)
        if shown.page > 1
        else None,
        "next": desk.href(paths.BOARD, **kept, page=shown.page + 1)
        if shown.page < shown.pages
        else None,
        "clear": desk.href(paths.BOARD, **here),
        "can_remind": any(w.window.deadline_at > now for w in scope.levels),
        "flashes": None if flashes is None else [_chat_html(r, now) for r in flashes],
    }


def _chat_html(result: Reminded, now: datetime) -> Markup:
    """/remind's answer, word for word: the chat's text is HTML already (Telegram's), every
    name in it escaped by ``handlers.texts.escape``."""
    return Markup(remind_text(result, now).replace("\n", "<br>"))  # noqa: S704


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


async def remind(call: DeskCall) -> web.StreamResponse:
    """«Nhắc các đơn vị chưa báo cáo»: /remind for one campaign, then back to its board."""
    try:
        campaign_id = _number(call.form.text("campaign"))
    except BadQuery:
        return call.bad_form(lambda: _("Please choose a campaign on the board."))
    now = call.desk.site.clock.now()
    found = await scopes(session=call.session, member=call.member, now=now)
    scope = next((s for s in found if s.campaign_id == campaign_id), None)
    if scope is None:
        return call.not_found()
    shown = _LEVELS.get(call.form.text("level"))
    back = shown.value if shown is not None and scope.level(shown) is not None else None
    outreach = call.desk.outreach
    results = await remind_missing(
        session=call.session,
        member=call.member,
        now=now,
        render=outreach.render,
        defaults=outreach.defaults,
        campaign_id=campaign_id,
    )
    if any(result.queued for result in results):
        call.after_commit(outreach.wake)  # queued rows are committed before the loop looks
    flash = ".".join(
        Flash(
            result.item.unit.id or 0,
            result.item.level,
            result.missing,
            result.queued,
            result.already,
            result.goes_at,
        ).encode()
        for result in results
    )
    return call.redirect(
        paths.BOARD,
        campaign=campaign_id,
        level=back,  # the level the board showed, if it is one of the campaign's
        reminded=flash or "none",
    )


def routes() -> list[DeskRoute]:
    return [DeskRoute("GET", paths.BOARD, board_page), DeskRoute("POST", paths.REMIND, remind)]
