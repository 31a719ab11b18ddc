"""The ``gopy`` command line. Heavy imports happen inside commands so ``--help`` stays fast."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_i18n import N_, Translated, _
from bot.cli_support import fail as _fail
from bot.cli_support import settings as _settings
from bot.cli_support import until_signalled
from bot.cli_support import with_session as _with_session
from bot.cli_themes import themes_app
from bot.commands_admin import InviteGroup, register
from bot.commands_desk import web_link

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings
    from handlers.files import ReportFormat

T = TypeVar("T")

# Help texts are msgids, translated when the command line runs (bot.cli_i18n).
app = typer.Typer(
    cls=Translated,
    help=N_("gopy — a chatbot for comments on draft documents (Telegram, Zalo)."),
    no_args_is_help=True,
)
db_app = typer.Typer(help=N_("Database schema."), no_args_is_help=True)
org_app = typer.Typer(help=N_("Units: city → ward → cell."), no_args_is_help=True)
campaign_app = typer.Typer(
    help=N_("Campaigns, deadlines, forms, documents."), no_args_is_help=True
)
invite_app = typer.Typer(
    cls=InviteGroup,
    help=N_("Invites: make (gopy invite UNIT), list and revoke them."),
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(campaign_app, name="campaign")
app.add_typer(invite_app, name="invite")
comments_app = typer.Typer(help=N_("Citizens' comments."), no_args_is_help=True)
app.add_typer(comments_app, name="comments")
comments_app.add_typer(themes_app, name="themes")
mail_app = typer.Typer(
    help=N_("E-mails of signed reports to the office above."), no_args_is_help=True
)
app.add_typer(mail_app, name="mail")
app.command(
    "web-link",
    help=N_("A single-use link to the officials' desk (first sign-in without chat)."),
)(web_link)


@app.command(
    help=N_("Start the bot: Telegram and/or Zalo with a token, else the simulator on :8080.")
)
def run(
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help=N_(
                "Processes serving the webhook on one port (webhook mode, PostgreSQL and "
                "Redis only); the parent restarts one that dies and stops them all on Ctrl+C "
                "or SIGTERM."
            ),
        ),
    ] = 1,
) -> None:
    from bot.logs import configure_logging
    from bot.runner import run as run_bot

    settings = _settings()
    if workers > 1:
        _can_share(settings)
    configure_logging(settings.log_format)
    if workers > 1:
        from bot.workers import supervise

        code = supervise(workers)
        typer.echo(_("Stopped."))
        raise typer.Exit(code)
    until_signalled(run_bot(settings))
    typer.echo(_("Stopped."))


def _can_share(settings: Settings) -> None:
    """Several workers share their state through PostgreSQL and Redis and take updates from
    a webhook (one port); refuse anything else before starting any."""
    from sqlalchemy.engine import make_url

    if settings.simulator or not settings.webhook.url:
        raise _fail(
            _(
                "--workers needs webhook mode (GOPY_WEBHOOK_URL): long polling and the "
                "simulator run as one process."
            )
        )
    postgres = make_url(settings.database_url).get_backend_name() == "postgresql"
    if not postgres or not settings.redis_url:
        raise _fail(
            _(
                "--workers needs PostgreSQL (GOPY_DATABASE_URL) and Redis (GOPY_REDIS_URL), "
                "through which the workers share their data."
            )
        )


@db_app.command("upgrade", help=N_("Apply the database migrations (safe to run again)."))
def db_upgrade() -> None:
    from storage.migrate import upgrade

    settings = _settings()
    asyncio.run(upgrade(settings.database_url, key=settings.server_key()))
    typer.echo(_("The database is up to date."))


@app.command(
    help=N_("Load a demo city with two wards, their cells and a campaign; print the invite codes.")
)
def demo() -> None:
    from rich.console import Console

    from bot.demo import DemoData, load_demo
    from bot.demo_invites import print_invites
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
    link = (lambda code: _link(username, code)) if username else None
    print_invites(data, link=link, console=Console())
    typer.echo(_("The simulator (make run) already has these users."))


def _import(load: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run an importer in one transaction; a bad file is a message with its line, not a trace."""
    from bot.importers.yaml_lines import ImportProblem

    try:
        return asyncio.run(_with_session(load))
    except ImportProblem as problem:
        raise _fail(_("Nothing was imported: {problem}", problem=problem)) from None


@org_app.command(
    "import", help=N_("Import or update units from a YAML file (docs/units-yaml.md).")
)
def org_import(file: Annotated[Path, typer.Argument(help=N_("YAML file of units"))]) -> None:
    from bot.importers.org import import_org

    summary = _import(lambda s: import_org(session=s, path=file))
    typer.echo(
        _(
            "Created {created} units, updated {updated}, left {unchanged} unchanged.",
            created=summary.created,
            updated=summary.updated,
            unchanged=summary.unchanged,
        )
    )


@campaign_app.command(
    "import", help=N_("Import or update a campaign from a YAML file (docs/campaign-yaml.md).")
)
def campaign_import(
    file: Annotated[Path, typer.Argument(help=N_("YAML file of a campaign"))],
) -> None:
    from bot.admin_actions import import_campaign_told
    from scheduler.clock import SystemClock

    now = SystemClock().now()
    typer.echo(_import(lambda s: import_campaign_told(session=s, path=file, now=now)))


@invite_app.command(
    "create", help=N_("Print single-use invites (deep link and code to type) for a unit.")
)
def invite(
    unit_code: Annotated[str, typer.Argument(help=N_("Code of the unit, e.g. NGOCHA-CB01"))],
    role: Annotated[str, typer.Option(help=N_("secretary or official"))] = "secretary",
    count: Annotated[int, typer.Option(min=1, max=500, help=N_("How many invites"))] = 1,
    replace: Annotated[
        bool,
        typer.Option(help=N_("The new holder replaces the current ones instead of joining them")),
    ] = False,
    days: Annotated[int | None, typer.Option(min=1, max=365, help=N_("Days until expiry"))] = None,
) -> None:
    from storage.invites import create_invites
    from storage.models import InviteMode, RoleKind

    try:
        kind = RoleKind(role)
    except ValueError:
        raise _fail(_("--role is secretary or official.")) from None
    settings = _settings()
    ttl = timedelta(days=days or settings.invite_ttl_days)

    async def make(session: AsyncSession) -> list[str]:
        from bot.admin_views import unit_or_fail
        from scheduler.clock import SystemClock

        unit = await unit_or_fail(session, unit_code)
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

    from bot.admin_views import AdminProblem
    from bot.invite_links import typed_invite

    try:
        codes = asyncio.run(_with_session(make))
    except AdminProblem as problem:
        raise _fail(str(problem)) from None
    username = _bot_username(settings)
    for code in codes:
        typer.echo(f"{typed_invite(code)}\t{_link(username, code)}")
    typer.echo(_("Expires in {days} days; each code works once.", days=ttl.days), err=True)


def _link(username: str | None, code: str) -> str:
    from bot.invite_links import invite_link

    link = invite_link(username, code)
    return link or _("(set GOPY_TELEGRAM_BOT_USERNAME to print links)")


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


@app.command(help=N_("Run reminders, escalations and digests in their own process (see README)."))
def scheduler() -> None:
    from bot.logs import configure_logging
    from bot.runner import run_scheduler

    settings = _settings()
    if settings.simulator:
        raise _fail(
            _(
                "gopy scheduler sends through Telegram or Zalo: set GOPY_TELEGRAM_TOKEN or "
                "GOPY_ZALO_TOKEN. In the simulator, reminders already run inside gopy run."
            )
        )
    configure_logging(settings.log_format)
    until_signalled(run_scheduler(settings))
    typer.echo(_("Stopped."))


@app.command(
    help=N_("Run the sweeps that are due now (reminders, escalations, digests), or show them.")
)
def remind(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help=N_("Show who would be messaged, and why; send nothing")),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            help=N_('With --dry-run: as if it were this local time, e.g. "2025-11-12 15:00"')
        ),
    ] = None,
) -> None:
    from bot.commands_scheduler import print_outcomes, run_sweeps

    settings = _settings()
    if at is not None and not dry_run:
        raise _fail(_("--at goes with --dry-run only (nothing is sent at a made-up time)."))
    try:
        outcomes = asyncio.run(run_sweeps(settings, at=at, dry_run=dry_run))
    except ValueError as error:
        raise _fail(str(error)) from None
    print_outcomes(outcomes, dry_run=dry_run)


@app.command(
    help=N_("Queued messages: pending, sent, failed and skipped, and the latest failures.")
)
def outbox() -> None:
    from bot.commands_scheduler import print_outbox

    asyncio.run(print_outbox(_settings()))


@mail_app.command("list", help=N_("The latest e-mails: state, tries, when sent or why not."))
def mail_list(
    limit: Annotated[int, typer.Option(min=1, help=N_("How many, newest first"))] = 30,
) -> None:
    from bot.commands_mail import print_mails

    asyncio.run(print_mails(_settings(), limit=limit))


@mail_app.command("retry", help=N_("Send a failed e-mail again, with its Message-ID."))
def mail_retry(
    number: Annotated[int, typer.Argument(help=N_("Its number in gopy mail list"))],
) -> None:
    from bot.commands_mail import retry

    try:
        typer.echo(asyncio.run(retry(number)))
    except ValueError as error:
        raise _fail(str(error)) from None


@app.command(
    help=N_(
        "Print the link of a QR code and the code to type, and write the QR code and a "
        "poster to print."
    )
)
def qr(
    campaign: Annotated[str, typer.Argument(help=N_("Code of the campaign, e.g. dh14"))],
    document: Annotated[str | None, typer.Option(help=N_("Code of a document, e.g. bctt"))] = None,
    section: Annotated[str | None, typer.Option(help=N_("Number of a section, e.g. I"))] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            help=N_("Code of the unit printing it, e.g. NGOCHA (default: campaign-wide)")
        ),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report", help=N_("The secretaries' quick report instead"))
    ] = False,
    out: Annotated[Path | None, typer.Option(help=N_("The QR code as PNG"))] = None,
    poster: Annotated[
        Path | None, typer.Option(help=N_("A poster: .pdf to print, .png for a chat"))
    ] = None,
    size: Annotated[str, typer.Option(help=N_("Paper of a PDF poster: a5 or a4"))] = "a5",
) -> None:
    from bot.commands_comments import CommandProblem, Made, make_qr, page_format, paper_size

    settings = _settings()
    # The Telegram bot, when there is one: the poster names it, and without a public
    # address its code opens it. None is fine (bot.poster_links).
    telegram = _bot_username(settings)
    try:
        page = page_format(poster) if poster else None
        paper = paper_size(size, page)
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    qr_file = out or (None if poster else Path("qr.png"))

    async def make(session: AsyncSession) -> Made:
        return await make_qr(
            session=session,
            settings=settings,
            telegram=telegram,
            campaign_code=campaign,
            document_code=document,
            section_number=section,
            report=report,
            poster=page,
            size=paper,
            unit_code=unit,
        )

    try:
        made = asyncio.run(_with_session(make))
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    typer.echo(made.what)
    if made.poster.link:
        typer.echo(made.poster.link)
    if made.code:
        typer.echo(_("Code to type: {code}", code=made.code))
    if made.poster.note:
        typer.echo(made.poster.note)
    for path, data in ((qr_file, made.poster.qr), (poster, made.poster.page)):
        if path is not None and data is not None:
            path.write_bytes(data)
            typer.echo(_("Written: {path}", path=path))


@app.command(
    "export",
    help=N_("Write the consolidated report of a unit: a letter (DOCX), a workbook (XLSX) or CSV."),
)
def export_report(
    unit: Annotated[str, typer.Option(help=N_("Code of the ward or city, e.g. NGOCHA"))],
    week: Annotated[
        str | None, typer.Option(help=N_("ISO week, e.g. 2025-W46 (default: the last closed)"))
    ] = None,
    campaign: Annotated[
        bool, typer.Option("--campaign", help=N_("The whole campaign (the final report)"))
    ] = False,
    of: Annotated[str | None, typer.Option(help=N_("Code of the campaign, if several"))] = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("docx, xlsx or csv"))] = "docx",
    out: Annotated[Path | None, typer.Option(help=N_("File to write"))] = None,
) -> None:
    from bot.commands_comments import CommandProblem
    from bot.commands_report import export_report as export

    if fmt not in ("docx", "xlsx", "csv"):
        raise _fail(_("--format is docx, xlsx or csv."))
    if week and campaign:
        raise _fail(_("Choose --week or --campaign, not both."))
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
    typer.echo(caption)
    typer.echo(_("Written: {path}", path=target))


@comments_app.command(
    "export",
    help=N_("Write the campaign's comments, grouped by document and section, to XLSX or CSV."),
)
def comments_export(
    campaign: Annotated[str, typer.Argument(help=N_("Code of the campaign, e.g. dh14"))],
    fmt: Annotated[str, typer.Option("--format", help=N_("xlsx or csv"))] = "xlsx",
    out: Annotated[Path | None, typer.Option(help=N_("File to write"))] = None,
) -> None:
    from bot.commands_comments import CommandProblem, export_comments_file

    if fmt not in ("xlsx", "csv"):
        raise _fail(_("--format is xlsx or csv."))
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
    typer.echo(_("Wrote {count} comments to {path}", count=count, path=target))


@comments_app.command(
    "import",
    help=N_(
        "Import comments received on paper, at meetings, by e-mail or in the comment box, "
        "from an XLSX or CSV table (docs/comments-import.md). Columns: ngày nhận (date, "
        "dd/mm/yyyy), hình thức (thư tay, hội nghị, e-mail, hòm thư), văn bản (document "
        "code), mục (section number), nội dung (the text, required), đối tượng, quan điểm, "
        "người gửi, điện thoại (optional), đơn vị (a unit code at or below --unit). All rows "
        "or none: every problem is listed with its line. Importing the same file again "
        "stores nothing twice."
    ),
)
def comments_import(
    campaign: Annotated[str, typer.Argument(help=N_("Code of the campaign, e.g. dh14"))],
    file: Annotated[Path, typer.Argument(help=N_("XLSX or CSV file of comments"))],
    unit: Annotated[str, typer.Option("--unit", help=N_("Code of the unit that received them"))],
    by: Annotated[
        int | None,
        typer.Option("--by", help=N_("Id of the person who entered them (see gopy people list)")),
    ] = None,
) -> None:
    from bot.commands_comments import (
        CommandProblem,
        Imported,
        RowsRefused,
        import_comments,
        print_imported,
    )

    if not file.is_file():
        raise _fail(_("There is no file {path}.", path=file))

    async def load(session: AsyncSession) -> Imported:
        return await import_comments(
            session=session, campaign_code=campaign, path=file, unit_code=unit, by=by
        )

    try:
        imported = asyncio.run(_with_session(load))
    except RowsRefused as refused:
        for problem in refused.problems:
            typer.secho(problem, fg=typer.colors.RED, err=True)
        raise _fail(
            _("Nothing was imported: {count} problem(s) to fix.", count=len(refused.problems))
        ) from None
    except CommandProblem as problem:
        raise _fail(str(problem)) from None
    print_imported(imported)


@comments_app.command(
    "template",
    help=N_("Write an empty table with the columns of gopy comments import, to fill in."),
)
def comments_template(
    out: Annotated[Path, typer.Argument(help=N_("File to write"))],
    fmt: Annotated[str | None, typer.Option("--format", help=N_("xlsx or csv"))] = None,
) -> None:
    from bot.commands_comments import comments_template as template

    chosen = fmt or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    if chosen not in ("xlsx", "csv"):
        raise _fail(_("--format is xlsx or csv."))
    out.write_bytes(template("csv" if chosen == "csv" else "xlsx"))
    typer.echo(_("Written: {path}", path=out))


# After the commands above, so that each group lists them first (import, then list; create…).
register(app=app, org_app=org_app, campaign_app=campaign_app, invite_app=invite_app)


def main() -> None:
    from storage.keys import SecretMissing

    try:
        app()
    except SecretMissing:
        typer.secho(
            _(
                "Set GOPY_SECRET_KEY (32 characters or more, kept out of the database's "
                "backups): with a database that is not a SQLite file gopy does not start "
                "without it."
            ),
            fg=typer.colors.RED,
            err=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # python -m bot.cli: a checkout's own code, not the installed one
    main()
