"""The scheduler's command-line side: ``gopy remind`` and ``gopy outbox`` (their output)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from bot.app import defaults_of
from bot.cli_i18n import _, cli_locale
from bot.commands_unfiled import unfiled_table
from bot.config import Settings
from bot.i18n import build_i18n
from handlers.notices import NoticeRenderer
from scheduler.clock import SystemClock
from scheduler.plan import SweepKind
from scheduler.service import Outcome, Sweeper
from storage.database import Database, create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import OutboxStatus, Purpose
from storage.outbox import counts, recent_failures

_TAGS = re.compile(r"<[^>]+>")


def parse_local(text: str, tz: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _('"{text}" is not a time; write it as "2025-11-12 15:00"', text=text)
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


async def run_sweeps(settings: Settings, *, at: str | None, dry_run: bool) -> list[Outcome]:
    await upgrade(settings.database_url, key=settings.server_key())
    db = Database.connect(settings.database_url)
    try:
        sweeper = Sweeper(
            db=db,
            clock=SystemClock(),
            render=NoticeRenderer(build_i18n(settings.locale)),
            defaults=defaults_of(settings),
        )
        now = parse_local(at, settings.timezone) if at else None
        return await sweeper.run_due(now=now, dry_run=dry_run)
    finally:
        await db.dispose()


def first_line(text: str) -> str:
    return _TAGS.sub("", text).splitlines()[0][:90]


def print_outcomes(outcomes: list[Outcome], *, dry_run: bool) -> None:
    console = Console()
    if not outcomes:
        console.print(_("No sweep is due."))
        return
    for outcome in outcomes:
        sweep = outcome.sweep
        tz = ZoneInfo(outcome.campaign.timezone)
        when = sweep.deadline_at.astimezone(tz).strftime("%H:%M %d/%m")
        title = (
            f"{sweep.kind.value} {sweep.label} · {outcome.campaign.code} · {sweep.level} · {when}"
        )
        if sweep.kind in (SweepKind.FINAL_REMINDER, SweepKind.FINAL_ESCALATION):
            title += " · " + _("final report")
        table = Table(title=title, title_justify="left")
        for column in (_("Recipient"), _("Why"), _("Message")):
            table.add_column(column)
        for letter in outcome.letters:
            table.add_row(letter.recipient, letter.about, first_line(letter.text))
        console.print(table)
        unfiled = unfiled_table(outcome, cli_locale())
        if unfiled is not None:
            console.print(unfiled)
        if dry_run:
            console.print(
                _(
                    "{count} messages would be sent (dry run: nothing sent).",
                    count=len(outcome.letters),
                )
            )
        else:
            console.print(
                _(
                    "Queued {queued} of {count} messages.",
                    queued=outcome.queued,
                    count=len(outcome.letters),
                )
            )


async def print_outbox(settings: Settings) -> None:
    await upgrade(settings.database_url, key=settings.server_key())
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            found = await counts(session=session)
            failures = await recent_failures(session=session)
    finally:
        await engine.dispose()
    console = Console()
    table = Table(title=_("Outbox"))
    table.add_column(_("Kind"))
    for status in OutboxStatus:
        table.add_column(status.value, justify="right")
    for purpose in Purpose:
        table.add_row(purpose.value, *(str(found.get((purpose, s), 0)) for s in OutboxStatus))
    console.print(table)
    if failures:
        latest = Table(title=_("Recent failures"))
        for column in (_("No."), _("Kind"), _("State"), _("Attempts"), _("Reason")):
            latest.add_column(column)
        for row in failures:
            latest.add_row(
                str(row.id),
                row.purpose.value,
                row.status.value,
                str(row.attempts),
                row.last_error or "",
            )
        console.print(latest)
