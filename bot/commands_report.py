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
from services.consolidated import (
    NothingToReport,
    iso_week,
    latest_closed,
    related,
    week_of,
    week_period,
    weeks_of,
)
from services.report_export import ReportExport
from services.report_export import export_report as report_export
from storage.campaigns import get_campaign
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
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
        ) as progress:
            step = progress.add_task(_("Consolidating the report…"), total=None)
            period = (
                await week_period(session=session, unit=unit, campaign=campaign, day=day)
                if day is not None
                else None
            )
            export = await report_export(
                session=session, unit=unit, campaign=campaign, week=period, fmt=fmt, now=now
            )
            progress.update(step, description=_("Writing the {format} file…", format=fmt.upper()))
            files = Files(build_i18n(settings.locale), settings.locale)
            data = export.render(files.report)
            caption = _caption(export, files, settings.locale, campaign.timezone)
    except NothingToReport as problem:
        raise CommandProblem(_(REASONS[problem.reason])) from None
    except ValueError as problem:  # a week typed wrong
        raise CommandProblem(_("Not a valid week: {problem}", problem=problem)) from None
    return caption, data


def _caption(export: ReportExport, files: Files, locale: str, tz: str) -> str:
    """What the file covers, or when it was signed."""
    if export.report is not None:
        return files.report_caption(export.report)
    assert export.revision is not None
    i18n = build_i18n(locale)
    with i18n.context(), i18n.use_locale(locale):  # the weekday's name is in the catalogue
        when = moment(export.revision.submitted_at, tz)
    return _("As signed at {time} (version {number}).", time=when, number=export.revision.number)
