"""The ``gopy`` command line. Heavy imports happen inside commands so ``--help`` stays fast."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings
    from handlers.files import ReportFormat

T = TypeVar("T")

app = typer.Typer(
    help="gopy — chatbot góp ý dự thảo văn kiện (Telegram, Zalo).", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Units: city → ward → cell.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns, deadlines, forms, documents.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(campaign_app, name="campaign")
comments_app = typer.Typer(help="Citizens' comments.", no_args_is_help=True)
app.add_typer(comments_app, name="comments")


def _settings() -> Settings:
    from bot.config import Settings

    return Settings()


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


async def _with_session(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``fn`` in one transaction on a migrated database; commit only if it succeeds."""
    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade

    settings = _settings()
    await upgrade(settings.database_url, key=settings.server_key())
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            result = await fn(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


@app.command()
def run() -> None:
    """Start the bot: Telegram and/or Zalo with a token, else the simulator on :8080."""
    from bot.runner import run as run_bot

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(run_bot(_settings()))
    except KeyboardInterrupt:
        typer.echo("Đã dừng.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (safe to run again)."""
    from storage.migrate import upgrade

    settings = _settings()
    asyncio.run(upgrade(settings.database_url, key=settings.server_key()))
    typer.echo("Cơ sở dữ liệu đã được cập nhật.")


@app.command()
def demo() -> None:
    """Load a demo ward with 12 cells and a campaign; print the invite codes."""
    from rich.console import Console

    from bot.demo import DemoData, load_demo
    from scheduler.clock import SystemClock

    settings = _settings()

    async def load(session: AsyncSession) -> DemoData:
        return await load_demo(
            session=session,
            key=settings.server_key(),
            now=SystemClock().now(),
            ttl=timedelta(days=settings.invite_ttl_days),
        )

    data = asyncio.run(_with_session(load))
    username = _bot_username(settings)
    console = Console()
    console.print(f"[bold]{data.ward.name} — {data.campaign.title}[/bold]")
    # Plain lines, not a table: a link cut to the terminal's width cannot be copied.
    rows = [*data.secretary_invites, (data.ward, data.official_invite)]
    for unit, code in rows:
        who = "Cán bộ phường" if unit is data.ward else unit.name
        console.print(f"{who}: [bold]{_pretty(code)}[/bold]", highlight=False)
        console.print(f"  {_link(username, code)}", soft_wrap=True, highlight=False)
    typer.echo("Trình mô phỏng (make run) đã có sẵn những người dùng này.")


def _import(load: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run an importer in one transaction; a bad file is a message with its line, not a trace."""
    from bot.importers.yaml_lines import ImportProblem

    try:
        return asyncio.run(_with_session(load))
    except ImportProblem as problem:
        raise _fail(str(problem)) from None


@org_app.command("import")
def org_import(file: Annotated[Path, typer.Argument(help="YAML file of units")]) -> None:
    """Import or update units from a YAML file."""
    from bot.importers.org import import_org

    summary = _import(lambda s: import_org(session=s, path=file))
    typer.echo(f"Đã nhập: {summary}")


@campaign_app.command("import")
def campaign_import(file: Annotated[Path, typer.Argument(help="YAML file of a campaign")]) -> None:
    """Import or update a campaign from a YAML file."""
    from bot.importers.campaign import import_campaign

    campaign = _import(lambda s: import_campaign(session=s, path=file))
    typer.echo(f"Đã nhập đợt: {campaign.code} — {campaign.title}")


@app.command()
def invite(
    unit_code: Annotated[str, typer.Argument(help="Code of the unit, e.g. NGOCHA-CB01")],
    role: Annotated[str, typer.Option(help="secretary or official")] = "secretary",
    count: Annotated[int, typer.Option(min=1, max=500)] = 1,
    replace: Annotated[
        bool, typer.Option(help="The new holder replaces the current ones instead of joining them")
    ] = False,
    days: Annotated[int | None, typer.Option(min=1, max=365, help="Days until expiry")] = None,
) -> None:
    """Print single-use invites (deep link and code to type) for a unit."""
    from storage.invites import create_invites
    from storage.models import InviteMode, RoleKind
    from storage.units import get_unit

    try:
        kind = RoleKind(role)
    except ValueError:
        raise _fail("--role phải là secretary hoặc official.") from None
    settings = _settings()
    ttl = timedelta(days=days or settings.invite_ttl_days)

    async def make(session: AsyncSession) -> list[str] | None:
        from scheduler.clock import SystemClock

        unit = await get_unit(session=session, code=unit_code)
        if unit is None:
            return None
        return await create_invites(
            session=session,
            unit=unit,
            role=kind,
            key=settings.server_key(),
            now=SystemClock().now(),
            count=count,
            mode=InviteMode.REPLACE if replace else InviteMode.ADD,
            ttl=ttl,
        )

    codes = asyncio.run(_with_session(make))
    if codes is None:
        raise _fail(f"Không tìm thấy đơn vị có mã {unit_code}.")
    username = _bot_username(settings)
    for code in codes:
        typer.echo(f"{_pretty(code)}\t{_link(username, code)}")
    typer.echo(f"Hết hạn sau {ttl.days} ngày; mỗi mã dùng được một lần.", err=True)


def _pretty(code: str) -> str:
    from storage.codes import pretty_code

    return pretty_code(code)


def _link(username: str | None, code: str) -> str:
    if not username:
        return "(đặt GOPY_TELEGRAM_BOT_USERNAME để in liên kết)"
    return f"https://t.me/{username}?start=i-{code}"


def _bot_username(settings: Settings) -> str | None:
    if settings.telegram.bot_username:
        return settings.telegram.bot_username.lstrip("@")
    if settings.telegram.token is None:
        return None
    from bot.channels.telegram import build_telegram_bot

    async def ask() -> str | None:
        bot = build_telegram_bot(settings)
        try:
            return (await bot.get_me()).username
        except Exception:  # offline or a wrong token: print codes without links
            return None
        finally:
            await bot.session.close()

    return asyncio.run(ask())


@app.command()
def scheduler() -> None:
    """Run reminders, escalations and digests in their own process (see README)."""
    from bot.runner import run_scheduler

    settings = _settings()
    if settings.simulator:
        raise _fail(
            "gopy scheduler gửi tin qua Telegram hoặc Zalo: hãy đặt GOPY_TELEGRAM_TOKEN "
            "hoặc GOPY_ZALO_TOKEN. "
            "Trong trình mô phỏng, lịch nhắc chạy sẵn trong gopy run."
        )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(run_scheduler(settings))
    except KeyboardInterrupt:
        typer.echo("Đã dừng.")


@app.command()
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would be messaged, and why; send nothing")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            help='With --dry-run: as if it were this local time, e.g. "2025-11-12 15:00"'
        ),
    ] = None,
) -> None:
    """Run the sweeps that are due now (reminders, escalations, digests), or show them."""
    from bot.commands_scheduler import print_outcomes, run_sweeps

    settings = _settings()
    if at is not None and not dry_run:
        raise _fail("--at chỉ dùng cùng --dry-run (không gửi tin theo một giờ giả định).")
    try:
        outcomes = asyncio.run(run_sweeps(settings, at=at, dry_run=dry_run))
    except ValueError as error:
        raise _fail(str(error)) from None
    print_outcomes(outcomes, dry_run=dry_run)


@app.command()
def outbox() -> None:
    """Queued messages: pending, sent, failed and skipped, and the latest failures."""
    from bot.commands_scheduler import print_outbox

    asyncio.run(print_outbox(_settings()))


@app.command()
def qr(
    campaign: Annotated[str, typer.Argument(help="Code of the campaign, e.g. dh14")],
    document: Annotated[str | None, typer.Option(help="Code of a document, e.g. bctt")] = None,
    section: Annotated[str | None, typer.Option(help="Number of a section, e.g. I")] = None,
    report: Annotated[
        bool, typer.Option("--report", help="The secretaries' quick report instead")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="The QR code as PNG")] = None,
    poster: Annotated[Path | None, typer.Option(help="An A5 poster, .png or .pdf")] = None,
) -> None:
    """Print the deep link of a QR code, and write the code and an A5 poster."""
    from bot.commands_comments import CommandProblem, Made, make_qr, page_format

    settings = _settings()
    username = _bot_username(settings)
    if not username:
        raise _fail(
            "Cần tên bot để tạo liên kết: đặt GOPY_TELEGRAM_BOT_USERNAME "
            "(hoặc GOPY_TELEGRAM_TOKEN)."
        )
    try:
        page = page_format(poster) if poster else None
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    qr_file = out or (None if poster else Path("qr.png"))

    async def make(session: AsyncSession) -> Made:
        return await make_qr(
            session=session,
            settings=settings,
            username=username,
            campaign_code=campaign,
            document_code=document,
            section_number=section,
            report=report,
            poster=page,
        )

    try:
        made = asyncio.run(_with_session(make))
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    typer.echo(f"{made.what}\n{made.link}")
    if made.code:
        typer.echo(f"Mã để nhắn: {made.code}")
    for path, data in ((qr_file, made.qr), (poster, made.poster)):
        if path is not None and data is not None:
            path.write_bytes(data)
            typer.echo(f"Đã ghi: {path}")


@app.command("export")
def export_report(
    unit: Annotated[str, typer.Option(help="Code of the ward or city, e.g. NGOCHA")],
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2025-W46 (default: the last closed)")
    ] = None,
    campaign: Annotated[
        bool, typer.Option("--campaign", help="The whole campaign (the final report)")
    ] = False,
    of: Annotated[str | None, typer.Option(help="Code of the campaign, if several")] = None,
    fmt: Annotated[str, typer.Option("--format", help="docx, xlsx or csv")] = "docx",
    out: Annotated[Path | None, typer.Option(help="File to write")] = None,
) -> None:
    """Write the consolidated report of a unit: a letter (DOCX), a workbook (XLSX) or CSV."""
    from bot.commands_comments import CommandProblem
    from bot.commands_report import export_report as export

    if fmt not in ("docx", "xlsx", "csv"):
        raise _fail("--format phải là docx, xlsx hoặc csv.")
    if week and campaign:
        raise _fail("Chọn --week hoặc --campaign, không cả hai.")
    settings = _settings()
    target = out or Path(f"bao-cao-{unit.lower()}.{fmt}")
    kind: ReportFormat = "csv" if fmt == "csv" else ("xlsx" if fmt == "xlsx" else "docx")

    async def make(session: AsyncSession) -> tuple[str, bytes]:
        return await export(
            session=session,
            settings=settings,
            unit_code=unit,
            campaign_code=of,
            week=week,
            whole=campaign,
            fmt=kind,
        )

    try:
        caption, data = asyncio.run(_with_session(make))
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    target.write_bytes(data)
    typer.echo(f"{caption}\nĐã ghi: {target}")


@comments_app.command("export")
def comments_export(
    campaign: Annotated[str, typer.Argument(help="Code of the campaign, e.g. dh14")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx or csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="File to write")] = None,
) -> None:
    """Write the campaign's comments, grouped by document and section, to XLSX or CSV."""
    from bot.commands_comments import CommandProblem, export_comments_file

    if fmt not in ("xlsx", "csv"):
        raise _fail("--format phải là xlsx hoặc csv.")
    settings = _settings()
    target = out or Path(f"gopy-{campaign}-comments.{fmt}")

    async def export(session: AsyncSession) -> tuple[int, bytes]:
        return await export_comments_file(
            session=session,
            settings=settings,
            campaign_code=campaign,
            fmt="csv" if fmt == "csv" else "xlsx",
        )

    try:
        count, data = asyncio.run(_with_session(export))
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    target.write_bytes(data)
    typer.echo(f"Đã ghi {count} ý kiến vào {target}")


def main() -> None:
    app()
