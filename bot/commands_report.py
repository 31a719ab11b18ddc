"""``gopy export``: the consolidated report of a unit, for a week or the whole campaign."""

from __future__ import annotations

from datetime import date

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.admin_views import no_campaign, no_unit
from bot.cli_i18n import N_, _
from bot.commands_comments import CommandProblem
from bot.config import Settings
from bot.files import Files
from bot.i18n import build_i18n
from handlers.files import ReportFormat
from handlers.format import moment
from scheduler.clock import SystemClock
from scheduler.consolidated import (
    NothingToReport,
    begun_weeks,
    consolidate,
    in_week,
    iso_week,
    latest_closed,
    related,
    week_of,
    weeks_of,
)
from scheduler.signing import signed_copy
from storage.campaigns import get_campaign
from storage.letterheads import letterhead_of
from storage.models import Campaign, Unit
from storage.units import get_unit

REASONS = {
    "no_deadline": N_("This campaign sets no deadline for the units below this one."),
    "cell": N_("A cell has no units below it to consolidate; choose a ward or a city."),
    "unrelated": N_("The unit takes no part in this campaign."),
    "outside": N_("This week is outside the campaign's dates."),
}


async def _campaign_of(session: AsyncSession, unit: Unit, code: str | None) -> Campaign:
    if code is not None:
        campaign = await get_campaign(session=session, code=code)
        if campaign is None:
            raise CommandProblem(no_campaign(code))
        return campaign
    result = await session.execute(select(Campaign).order_by(col(Campaign.starts_at).desc()))
    found = [
        c for c in result.scalars().all() if await related(session=session, unit=unit, campaign=c)
    ]
    if not found:
        raise CommandProblem(_("{unit} takes part in no campaign.", unit=unit.code))
    if len(found) > 1:
        codes = ", ".join(c.code for c in found)
        raise CommandProblem(
            _(
                "{unit} takes part in several campaigns ({codes}): choose one with --of.",
                unit=unit.code,
                codes=codes,
            )
        )
    return found[0]


async def _signed(
    session: AsyncSession,
    unit: Unit,
    campaign: Campaign,
    day: date,
    fmt: ReportFormat,
    locale: str,
) -> tuple[str, bytes] | None:
    """The file the unit signed for that week, as it was signed; None if it signed none."""
    weeks = await begun_weeks(
        session=session, unit=unit, campaign=campaign, now=SystemClock().now()
    )
    for period in [p for p in weeks if in_week(p, day, campaign.timezone)][-1:]:
        found = await signed_copy(
            session=session, unit=unit, campaign=campaign, child=period, fmt=fmt
        )
        if found is None:
            return None
        revision, kept = found
        i18n = build_i18n(locale)
        with i18n.context(), i18n.use_locale(locale):  # the weekday's name is in the catalogue
            when = moment(revision.submitted_at, campaign.timezone)
        caption = _("As signed at {time} (version {number}).", time=when, number=revision.number)
        return caption, kept.content
    return None


async def export_report(
    *,
    session: AsyncSession,
    settings: Settings,
    unit_code: str,
    campaign_code: str | None,
    week: str | None,
    whole: bool,
    fmt: ReportFormat,
) -> tuple[str, bytes]:
    """The file's bytes and a one-line summary of what it covers."""
    unit = await get_unit(session=session, code=unit_code)
    if unit is None:
        raise CommandProblem(no_unit(unit_code))
    campaign = await _campaign_of(session, unit, campaign_code)
    now = SystemClock().now()
    try:
        day: date | None = None
        if week is not None:
            day = iso_week(week)
        elif not whole:
            weeks = await weeks_of(session=session, unit=unit, campaign=campaign)
            chosen = latest_closed(weeks, now)
            if chosen is None:
                raise CommandProblem(_("Campaign {code} has not started yet.", code=campaign.code))
            day = week_of(chosen, campaign.timezone)
        if day is not None:
            kept = await _signed(session, unit, campaign, day, fmt, settings.locale)
            if kept is not None:
                return kept
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
        ) as progress:
            step = progress.add_task(_("Consolidating the report…"), total=None)
            report = await consolidate(
                session=session, unit=unit, campaign=campaign, week=day, as_of=now
            )
            progress.update(step, description=_("Writing the {format} file…", format=fmt.upper()))
            letterhead = await letterhead_of(session=session, unit=unit)
            files = Files(build_i18n(settings.locale), settings.locale)
            today = now.astimezone(report.zone).date()
            data = files.report(report, fmt, letterhead=letterhead, today=today)
            caption = files.report_caption(report)
    except NothingToReport as problem:
        raise CommandProblem(_(REASONS[problem.reason])) from None
    except ValueError as problem:  # a week typed wrong
        raise CommandProblem(_("Not a valid week: {problem}", problem=problem)) from None
    return caption, data
