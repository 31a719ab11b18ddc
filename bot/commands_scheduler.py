"""The scheduler's command-line side: ``gopy remind`` and ``gopy outbox`` (their output)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from bot.app import defaults_of
from bot.commands_unfiled import unfiled_table
from bot.config import Settings
from bot.i18n import build_i18n
from handlers.notices import NoticeRenderer
from scheduler.clock import SystemClock
from scheduler.service import Outcome, Sweeper
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import OutboxStatus, Purpose
from storage.outbox import counts, recent_failures

_TAGS = re.compile(r"<[^>]+>")


def parse_local(text: str, tz: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a time; write it as \"2025-11-12 15:00\"") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


async def run_sweeps(settings: Settings, *, at: str | None, dry_run: bool) -> list[Outcome]:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sweeper = Sweeper(
            sessions=create_session_factory(engine),
            clock=SystemClock(),
            render=NoticeRenderer(build_i18n(settings.locale)),
            defaults=defaults_of(settings),
        )
        now = parse_local(at, settings.timezone) if at else None
        return await sweeper.run_due(now=now, dry_run=dry_run)
    finally:
        await engine.dispose()


def first_line(text: str) -> str:
    return _TAGS.sub("", text).splitlines()[0][:90]


def print_outcomes(outcomes: list[Outcome], *, dry_run: bool) -> None:
    console = Console()
    if not outcomes:
        console.print("Không có lượt nhắc nào đến hạn.")
        return
    for outcome in outcomes:
        sweep = outcome.sweep
        tz = ZoneInfo(outcome.campaign.timezone)
        when = sweep.deadline_at.astimezone(tz).strftime("%H:%M %d/%m")
        title = (
            f"{sweep.kind.value} {sweep.label} · {outcome.campaign.code} · {sweep.level} · {when}"
        )
        table = Table(title=title, title_justify="left")
        for column in ("Người nhận", "Vì", "Tin nhắn"):
            table.add_column(column)
        for letter in outcome.letters:
            table.add_row(letter.recipient, letter.about, first_line(letter.text))
        console.print(table)
        unfiled = unfiled_table(outcome)
        if unfiled is not None:
            console.print(unfiled)
        if dry_run:
            console.print(f"{len(outcome.letters)} tin sẽ được gửi (chạy thử: chưa gửi gì).")
        else:
            console.print(f"Đã xếp hàng {outcome.queued} / {len(outcome.letters)} tin.")


async def print_outbox(settings: Settings) -> None:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            found = await counts(session=session)
            failures = await recent_failures(session=session)
    finally:
        await engine.dispose()
    console = Console()
    table = Table(title="Outbox")
    table.add_column("Loại")
    for status in OutboxStatus:
        table.add_column(status.value, justify="right")
    for purpose in Purpose:
        table.add_row(purpose.value, *(str(found.get((purpose, s), 0)) for s in OutboxStatus))
    console.print(table)
    if failures:
        latest = Table(title="Lỗi gần đây")
        for column in ("id", "loại", "trạng thái", "lần thử", "lý do"):
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
