"""The consolidated report of a unit: its reporting units' answers for a week (or the whole
campaign), as of a moment, rolled up, with completeness and citizens' comments.

Calendar meets storage here, as in ``services.reporting``: which weeks a report covers comes
from the campaign's deadline rule; what was filed comes from ``storage.consolidated``. The
result is data; ``bot.report_files`` puts it into words and files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.calendar import PeriodWindow, WeeklyRule, open_period
from scheduler.final import final_period
from services.consolidated_themes import SectionThemes, period_themes
from services.oversight import root_for
from storage.campaigns import deadline_for, deadlines_of, documents_of, form_of
from storage.comment_counts import PlaceCounts, comment_counts, covers_campaign, place_counts
from storage.comments import CommentView, latest_comments
from storage.consolidated import Filing, filings_as_of
from storage.forms import FieldKind, FormSpec
from storage.models import Campaign, Document, Period, Section, Unit, UnitLevel
from storage.reports import ensure_period
from storage.units import is_within, levels_below

REPRESENTATIVE = 3


class NothingToReport(ValueError):
    """The unit takes no reports in this campaign, or the week is outside it; ``reason`` is
    one of ``no_deadline``, ``cell``, ``unrelated``, ``outside`` (for the caller's words)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Row:
    """A line of the table: a reporting unit, or (for a city) a ward with its cells summed."""

    unit_id: int
    name: str
    counts: dict[str, int]
    expected: int
    on_time: int
    late: int

    @property
    def missing(self) -> int:
        return self.expected - self.on_time - self.late


@dataclass(frozen=True, slots=True)
class SectionComments:
    document: Document | None
    section: Section | None
    count: int
    latest: list[CommentView]


@dataclass(frozen=True, slots=True)
class MissingUnit:
    """A reporting unit that did not report, and the weeks it missed."""

    filing: Filing  # its first missed week: name, group, secretaries
    periods: list[Period]


@dataclass(slots=True)
class Consolidated:
    unit: Unit
    campaign: Campaign
    level: UnitLevel  # of the reporting units (cells)
    form: FormSpec
    # One for a weekly report; for the whole campaign, every week begun by ``as_of``.
    periods: list[Period]
    final: bool
    as_of: datetime
    filings: list[Filing]  # one per reporting unit and period
    rows: list[Row]
    totals: dict[str, int]
    previous: dict[str, int] | None  # the week before, for a weekly report
    comments_total: int = 0
    # Comments count where they were sent from: a ward signing in its city's campaign reports
    # its own subtree's, the city all of them rolled up per ward (``places``).
    comments_shown: bool = True
    comments: list[SectionComments] = field(default_factory=list)
    places: PlaceCounts | None = None
    # The period's groups of opinions per document and section (``consolidated_themes``).
    themes: list[SectionThemes] = field(default_factory=list)
    # What the reporting units filed, summed; ``totals`` adds the unit's own counts.
    children_totals: dict[str, int] = field(default_factory=dict)
    # The unit's own answers (with its assessment) when it signs; empty for a plain export.
    own: dict[str, Any] = field(default_factory=dict)
    own_form: FormSpec | None = None
    # For units below that did not sign (a ward, for a city): what their own units filed,
    # so the workbook can show where they stand. Weekly reports only.
    drill: list[Filing] = field(default_factory=list)
    # Reports of last week that came after the unit signed last week's report.
    arrived_after_signing: list[Filing] = field(default_factory=list)
    # A final report: the unit's own counts as it signed them week by week (in ``totals``).
    own_weekly: dict[str, int] = field(default_factory=dict)
    # The level's final report («Báo cáo tổng kết»), not a plain whole-campaign export.
    final_report: bool = False
    # The level of the rows: the units right below ``unit`` (wards for a city reading cells).
    row_level: UnitLevel = UnitLevel.CELL

    @property
    def expected(self) -> int:
        return sum(r.expected for r in self.rows)

    @property
    def on_time(self) -> int:
        return sum(r.on_time for r in self.rows)

    @property
    def late(self) -> int:
        return sum(r.late for r in self.rows)

    @property
    def missing(self) -> int:
        return self.expected - self.on_time - self.late

    @property
    def count_keys(self) -> list[str]:
        return [f.key for f in self.form.fields if f.kind is FieldKind.COUNT]

    def missing_filings(self) -> list[Filing]:
        return [f for f in self.filings if f.status == "missing"]

    def missing_units(self) -> list[MissingUnit]:
        """Each unit that missed a week, once, with the weeks it missed (oldest first)."""
        periods = {p.id: p for p in self.periods}
        found: dict[int, MissingUnit] = {}
        for filing in self.missing_filings():
            entry = found.setdefault(filing.unit_id, MissingUnit(filing, []))
            entry.periods.append(periods[filing.period_id])
        return list(found.values())

    @property
    def open_period(self) -> Period | None:
        """The week still open at ``as_of`` (a whole-campaign report counts it so far)."""
        last = self.periods[-1]
        return last if last.deadline_at > self.as_of else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.timezone)

    @property
    def starts_at(self) -> datetime:
        return self.periods[0].starts_at

    @property
    def ends_at(self) -> datetime:
        return self.periods[-1].deadline_at


def iso_week(text: str) -> date:
    """The Monday of ``2025-W46`` (ISO week), or ValueError."""
    try:
        year, week = text.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError):
        raise ValueError(f"'{text}' is not a week; write it as 2025-W46") from None


async def _rule(session: AsyncSession, campaign: Campaign, level: UnitLevel) -> WeeklyRule:
    deadline = await deadline_for(session=session, campaign=campaign, level=level)
    if deadline is None:
        raise NothingToReport("no_deadline")
    return WeeklyRule.parse(deadline.weekday, deadline.time, campaign.timezone)


def _windows(rule: WeeklyRule, campaign: Campaign) -> list[PeriodWindow]:
    """Every reporting week of the campaign, first to last."""
    found: list[PeriodWindow] = []
    moment = campaign.starts_at
    while (
        window := open_period(rule, moment, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    ) is not None:
        found.append(window)
        if window.deadline_at >= campaign.ends_at:
            break
        moment = window.deadline_at + timedelta(seconds=1)
    return found


async def reporting_level(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> UnitLevel:
    """The units a report of ``unit`` adds up: the nearest level below it that reports in the
    campaign. With a ward deadline a city reads what its wards signed; without one it reads
    its wards' cells (a level with no deadline does not file, its parent reads through it)."""
    below = levels_below(unit.level)
    if not below:
        raise NothingToReport("cell")
    reporting = {d.level for d in await deadlines_of(session=session, campaign=campaign)}
    for level in below:
        if level in reporting:
            return level
    raise NothingToReport("no_deadline")


async def related(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> bool:
    """The unit is in the campaign's tree, or the campaign's unit is in the unit's."""
    assert unit.id is not None
    if await is_within(session=session, unit=unit, root_id=campaign.unit_id):
        return True
    owner = await session.get(Unit, campaign.unit_id)
    return owner is not None and await is_within(session=session, unit=owner, root_id=unit.id)


def closed_or_open(windows: list[PeriodWindow], now: datetime) -> list[PeriodWindow]:
    """The weeks that have begun by ``now``, the open one last."""
    return [w for w in windows if w.starts_at <= now]


def latest_closed(windows: list[PeriodWindow], now: datetime) -> PeriodWindow | None:
    """The week a weekly report is usually about: the last one whose deadline has passed
    (before the first deadline: the open one)."""
    begun = closed_or_open(windows, now)
    closed = [w for w in begun if w.deadline_at <= now]
    return closed[-1] if closed else (begun[-1] if begun else None)


async def weeks_of(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> list[PeriodWindow]:
    level = await reporting_level(session=session, unit=unit, campaign=campaign)
    return _windows(await _rule(session, campaign, level), campaign)


async def begun_weeks(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, now: datetime
) -> list[Period]:
    """The weeks of the campaign that have begun by ``now``, as stored periods, newest last."""
    level = await reporting_level(session=session, unit=unit, campaign=campaign)
    windows = closed_or_open(await weeks_of(session=session, unit=unit, campaign=campaign), now)
    return [await _period(session, campaign, level, w) for w in windows]


async def week_period(
    *, session: AsyncSession, unit: Unit, campaign: Campaign, day: date
) -> Period:
    """The stored week of the units ``unit`` reads whose deadline falls in the ISO week of
    ``day`` (``gopy export --week``); ``NothingToReport("outside")`` when there is none."""
    level = await reporting_level(session=session, unit=unit, campaign=campaign)
    if not await related(session=session, unit=unit, campaign=campaign):
        raise NothingToReport("unrelated")
    windows = await weeks_of(session=session, unit=unit, campaign=campaign)
    chosen = [w for w in windows if in_week(w, day, campaign.timezone)]
    if not chosen:
        raise NothingToReport("outside")
    return await _period(session, campaign, level, chosen[-1])


def week_of(period: Period | PeriodWindow, tz: str) -> date:
    """The day that names a week for ``consolidate``: its deadline's local date."""
    return period.deadline_at.astimezone(ZoneInfo(tz)).date()


async def consolidate(
    *,
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    week: date | None,
    as_of: datetime,
    covering: Period | None = None,
    own: dict[str, Any] | None = None,
    own_form: FormSpec | None = None,
) -> Consolidated:
    """The report of ``unit`` for the week holding ``week`` (a day of it), or for the whole
    campaign when ``week`` is None, with what had been filed by ``as_of``.

    ``covering``: the unit's own period when it signs: the reporting units' week is the one
    whose deadline falls in it (cells by Wednesday for a ward due on Thursday), and a final
    period covers the whole campaign. ``own``: the unit's own answers (``own_form``), added
    to what its reporting units filed.
    """
    level = await reporting_level(session=session, unit=unit, campaign=campaign)
    if not await related(session=session, unit=unit, campaign=campaign):
        raise NothingToReport("unrelated")
    windows = _windows(await _rule(session, campaign, level), campaign)
    if covering is not None and covering.final:
        week = None
    if covering is not None and not covering.final:
        # The units' week ending within the signer's; the first week of a campaign opening
        # between the two deadlines has none: the units' first week stands in, not begun.
        inside = [w for w in windows if _covered(w, covering)]
        begun = [w for w in windows if w.deadline_at <= covering.deadline_at]
        chosen = (inside or begun or windows[:1])[-1:]
    elif week is not None:
        chosen = [w for w in windows if in_week(w, week, campaign.timezone)]
        if not chosen:
            raise NothingToReport("outside")
    if (covering is not None and not covering.final) or week is not None:
        index = windows.index(chosen[-1])
        before = windows[index - 1] if index > 0 else None
        windows = chosen[-1:]
    else:
        # Weeks that have not begun are no one's fault yet: the campaign counts so far.
        windows = closed_or_open(windows, as_of) or windows[:1]
        before = None
    periods = [await _period(session, campaign, level, w) for w in windows]
    if covering is not None and covering.final and level is not UnitLevel.CELL:
        # A final report above the wards reads the wards' own final reports, if they make one.
        theirs = await final_period(session=session, campaign=campaign, level=level)
        if theirs is not None:
            periods = [theirs]
    root = await root_for(session=session, unit=unit, campaign=campaign)
    filings = [
        f
        for period in periods
        for f in await filings_as_of(
            session=session, root_id=root, level=level, period=period, as_of=as_of
        )
    ]
    form = await form_of(session=session, campaign=campaign)
    keys = [f.key for f in form.fields if f.kind is FieldKind.COUNT]
    rows = _rows(filings, unit, keys)
    children = _sum(filings, keys)
    own_values = dict(own or {})
    previous = None
    if before is not None:
        prior = await _period(session, campaign, level, before)
        earlier = await filings_as_of(
            session=session, root_id=root, level=level, period=prior, as_of=as_of
        )
        previous = _sum(earlier, keys)
    report = Consolidated(
        unit=unit,
        campaign=campaign,
        level=level,
        form=form,
        periods=periods,
        final=covering.final if covering is not None else week is None,
        final_report=covering is not None and covering.final,
        as_of=as_of,
        filings=filings,
        rows=rows,
        totals=_plus(children, own_values, keys),
        previous=previous,
        children_totals=children,
        own=own_values,
        own_form=own_form,
        row_level=await _row_level(session, unit, rows, level),
    )
    assert unit.id is not None
    await _add_comments(session, report)
    report.themes = await period_themes(
        session=session,
        campaign=campaign,
        unit_id=unit.id,
        since=report.starts_at,
        until=report.as_of if report.final else min(report.ends_at, report.as_of),
    )
    if not report.final and level is not UnitLevel.CELL:
        report.drill = await _drill_down(session, report)
    return report


async def _drill_down(session: AsyncSession, report: Consolidated) -> list[Filing]:
    """The filings right below each unit that has not signed: the cells of a silent ward.

    One read for them all (a city with thirty silent wards is not thirty reads): silent units
    share their level, so their units share a level and a week too.
    """
    missing = report.missing_filings()
    if not missing or len(report.periods) != 1:
        return []
    first = await session.get(Unit, missing[0].unit_id)
    if first is None:
        return []
    try:
        level = await reporting_level(session=session, unit=first, campaign=report.campaign)
    except NothingToReport:
        return []
    windows = _windows(await _rule(session, report.campaign, level), report.campaign)
    inside = [w for w in windows if _covered(w, report.periods[0])]
    if not inside:
        return []
    child = await _period(session, report.campaign, level, inside[-1])
    silent = sorted({f.unit_id for f in missing})
    return await filings_as_of(
        session=session, root_id=silent, level=level, period=child, as_of=report.as_of
    )


async def _row_level(
    session: AsyncSession, unit: Unit, rows: list[Row], level: UnitLevel
) -> UnitLevel:
    """The level of the units right below ``unit``, that the rows name."""
    if not rows:
        return level
    first = await session.get(Unit, rows[0].unit_id)
    return first.level if first is not None else level


def _covered(window: PeriodWindow, period: Period) -> bool:
    """Whether the reporting units' week ends within the signing unit's week."""
    return period.starts_at < window.deadline_at <= period.deadline_at


def _plus(children: dict[str, int], own: dict[str, Any], keys: list[str]) -> dict[str, int]:
    """The children's sums with the unit's own counts added."""
    return {
        key: children.get(key, 0) + (own[key] if isinstance(own.get(key), int) else 0)
        for key in keys
    }


def in_week(window: PeriodWindow | Period, monday: date, tz: str) -> bool:
    """Whether the week's deadline falls in the ISO week starting ``monday`` (local dates)."""
    day = window.deadline_at.astimezone(ZoneInfo(tz)).date()
    start = monday - timedelta(days=monday.weekday())
    return start <= day < start + timedelta(days=7)


async def _period(
    session: AsyncSession, campaign: Campaign, level: UnitLevel, window: PeriodWindow
) -> Period:
    return await ensure_period(
        session=session,
        campaign=campaign,
        level=level,
        starts_at=window.starts_at,
        deadline_at=window.deadline_at,
    )


def _sum(filings: list[Filing], keys: list[str]) -> dict[str, int]:
    totals = dict.fromkeys(keys, 0)
    for filing in filings:
        for key in keys:
            value = filing.values.get(key)
            if isinstance(value, int):
                totals[key] += value
    return totals


def _rows(filings: list[Filing], unit: Unit, keys: list[str]) -> list[Row]:
    """One row per reporting unit right below ``unit``; units further down (a city reading
    its wards' cells) are summed per unit below it."""
    groups: dict[int, list[Filing]] = {}
    names: dict[int, str] = {}
    for filing in filings:
        if filing.group_id is not None and filing.group_id != unit.id:
            key, name = filing.group_id, filing.group or filing.name
        else:
            key, name = filing.unit_id, filing.name
        groups.setdefault(key, []).append(filing)
        names[key] = name
    return [
        Row(
            unit_id=key,
            name=names[key],
            counts=_sum(members, keys),
            expected=len(members),
            on_time=sum(1 for f in members if f.status == "on_time"),
            late=sum(1 for f in members if f.status == "late"),
        )
        for key, members in groups.items()
    ]


async def _add_comments(session: AsyncSession, report: Consolidated) -> None:
    """The comments counted for the unit's subtree in the period: per unit right below it, by
    stance, category and medium, per document and section, and the latest few of each."""
    since = report.starts_at
    until = report.as_of if report.final else min(report.ends_at, report.as_of)
    campaign, unit = report.campaign, report.unit
    within = (
        None if await covers_campaign(session=session, unit=unit, campaign=campaign) else unit.id
    )
    report.places = await place_counts(
        session=session, campaign=campaign, unit=unit, since=since, until=until, shown_only=True
    )
    counts = {
        (t.document_id, t.section_id): t.shown
        for t in await comment_counts(
            session=session, campaign=campaign, since=since, until=until, unit=unit
        )
    }
    report.comments_total = sum(counts.values())
    targets: list[tuple[Document | None, Section | None]] = [(None, None)]
    for each, sections in await documents_of(session=session, campaign=campaign):
        targets.append((each, None))
        targets += [(each, s) for s in sections]
    for document, section in targets:
        count = counts.get((document.id if document else None, section.id if section else None))
        if not count:
            continue
        latest = await latest_comments(
            session=session,
            campaign=campaign,
            document_id=document.id if document else None,
            section_id=section.id if section else None,
            exact=True,
            until=report.as_of,
            limit=REPRESENTATIVE,
            within=within,
        )
        report.comments.append(SectionComments(document, section, count, latest))
