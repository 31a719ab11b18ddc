"""``gopy comments themes``: each comment's group of opinions, themes named from a file, and
grouping again (the work is in ``bot.commands_themes``)."""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_i18n import N_, _
from bot.cli_support import DefaultCommandGroup, fail, with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.themes import Regrouped

T = TypeVar("T")


class ThemesGroup(DefaultCommandGroup):
    """``gopy comments themes CAMPAIGN`` lists (``… themes list CAMPAIGN``)."""

    default = "list"


themes_app = typer.Typer(
    cls=ThemesGroup,
    help=N_("Groups of opinions: list each comment's theme, name themes, group again."),
    no_args_is_help=True,
)

Campaign = Annotated[str, typer.Argument(help=N_("Code of the campaign, e.g. dh14"))]
Section = Annotated[str | None, typer.Option(help=N_("Number of a section, e.g. I"))]


def _run(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from bot.commands_comments import CommandProblem
    from bot.importers.yaml_lines import ImportProblem
    from storage.themes import ThemeError

    try:
        return asyncio.run(with_session(fn))
    except (CommandProblem, ImportProblem, ThemeError) as problem:
        raise fail(str(problem)) from None


def _now() -> datetime:
    from scheduler.clock import SystemClock

    return SystemClock().now()


@themes_app.command("list", help=N_("One row per comment: receipt, document, section, theme."))
def themes_list(
    campaign: Campaign,
    document: Annotated[str | None, typer.Option(help=N_("Code of a document, e.g. bctt"))] = None,
    section: Section = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or csv"))] = "table",
) -> None:
    from bot.commands_themes import list_themed

    if fmt not in ("table", "csv"):
        raise fail(_("--format is table or csv."))
    rows = _run(
        lambda s: list_themed(
            session=s, campaign_code=campaign, document=document, section=section
        )
    )
    other = _("Other opinions")
    heading = [_("Receipt"), _("Document"), _("Section"), _("Theme"), _("Theme name")]
    cells = [
        [r.receipt, r.document, r.section, str(r.theme_id or ""), r.label or other] for r in rows
    ]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(heading)
        writer.writerows(cells)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(*heading, title=_("{count} comments", count=len(rows)), title_justify="left")
    for row in cells:
        table.add_row(*map(escape, row))
    Console().print(table)


def _say(result: Regrouped) -> str:
    return _(
        "{themes} themes, {grouped} comments grouped, {other} other opinions.",
        themes=result.themes,
        grouped=result.grouped,
        other=result.other,
    )


@themes_app.command(
    "define",
    help=N_("Name the themes of a document or section from a YAML file (docs/themes-yaml.md)."),
)
def themes_define(
    campaign: Campaign,
    file: Annotated[Path, typer.Argument(help=N_("YAML file of themes"))],
    document: Annotated[str, typer.Option(help=N_("Code of a document, e.g. bctt"))],
    section: Section = None,
) -> None:
    from bot.commands_themes import define_from_file

    done = _run(
        lambda s: define_from_file(
            session=s,
            campaign_code=campaign,
            document=document,
            section=section,
            path=file,
            now=_now(),
        )
    )
    typer.echo(_("{count} themes named.", count=done.themes) + " " + _say(done.result))


@themes_app.command("regroup", help=N_("Group the comments again, keeping officials' edits."))
def themes_regroup(
    campaign: Campaign,
    document: Annotated[str | None, typer.Option(help=N_("Code of a document, e.g. bctt"))] = None,
    section: Section = None,
) -> None:
    from bot.commands_themes import regroup_campaign

    done = _run(
        lambda s: regroup_campaign(
            session=s,
            campaign_code=campaign,
            document=document,
            section=section,
            now=_now(),
        )
    )
    if not done:
        typer.echo(_("No comments to group."))
    for where, result in done:
        typer.echo(f"{where}: {_say(result)}")
