"""Administering without reading code: list units, campaigns, invites and people; revoke
invites, remove roles; print starting files. Registered on the ``gopy`` app by ``bot.cli``.

Only Typer is imported here; the database and rich come in inside each command, so
``gopy --help`` stays fast.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_i18n import N_, _, cli_locale
from bot.cli_support import DefaultCommandGroup, fail, settings, with_session

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

JSON = Annotated[bool, typer.Option("--json", help=N_("Print JSON for scripts (see README)"))]


class InviteGroup(DefaultCommandGroup):
    """``gopy invite UNIT …`` still makes invites (``gopy invite create UNIT …``): a first word
    that names no subcommand is a unit code."""

    default = "create"


def _run(fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """One transaction; a missing unit, campaign or person is one red line and exit code 1."""
    from bot.admin_views import AdminProblem

    try:
        return asyncio.run(with_session(fn))
    except AdminProblem as problem:
        raise fail(str(problem)) from None


def _now() -> datetime:
    from scheduler.clock import SystemClock

    return SystemClock().now()


def org_list(
    tree: Annotated[bool, typer.Option("--tree", help=N_("Show the units as a tree"))] = False,
    as_json: JSON = False,
) -> None:
    from bot.admin_tables import print_json, print_units
    from bot.admin_views import units_data

    rows = _run(lambda s: units_data(session=s))
    if as_json:
        print_json(rows)
    else:
        print_units(rows, tree=tree)


def campaign_list(as_json: JSON = False) -> None:
    from bot.admin_tables import print_campaigns, print_json
    from bot.admin_views import campaigns_data

    now = _now()
    rows = _run(lambda s: campaigns_data(session=s, now=now))
    if as_json:
        print_json(rows)
    else:
        print_campaigns(rows)


def campaign_show(
    code: Annotated[str, typer.Argument(help=N_("Code of the campaign, e.g. dh14"))],
    as_json: JSON = False,
) -> None:
    from bot.admin_tables import print_campaign, print_json
    from bot.admin_views import campaign_data

    config, now = settings(), _now()
    data = _run(
        lambda s: campaign_data(
            session=s,
            code=code,
            now=now,
            reminders=config.scheduler.reminders,
            quiet_hours=config.scheduler.quiet_hours,
        )
    )
    if as_json:
        print_json(data)
    else:
        print_campaign(data)


def invite_list(
    unit: Annotated[str, typer.Argument(help=N_("Code of the unit, e.g. NGOCHA-CB01"))],
    as_json: JSON = False,
) -> None:
    from bot.admin_tables import print_invites, print_json
    from bot.admin_views import invites_data

    tz, now = settings().timezone, _now()
    rows = _run(lambda s: invites_data(session=s, unit_code=unit, now=now, tz=tz))
    if as_json:
        print_json(rows)
    else:
        print_invites(rows, unit)


def invite_revoke(
    code: Annotated[
        str | None, typer.Argument(help=N_("The invite code as printed, e.g. ABCDE-FGHJK"))
    ] = None,
    invite_id: Annotated[
        int | None, typer.Option("--id", help=N_("The invite's number, from gopy invite list"))
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help=N_("With --all: every unused invite of this unit"))
    ] = None,
    every: Annotated[bool, typer.Option("--all", help=N_("Revoke all of --unit"))] = False,
) -> None:
    from bot.admin_actions import revoke_all, revoke_one

    chosen = sum(x is not None for x in (code, invite_id, unit))
    if chosen != 1 or every != (unit is not None):
        raise fail(_("Give one invite code, or --id N, or --unit UNIT --all."))
    now = _now()
    if unit is not None:
        typer.echo(_run(lambda s: revoke_all(session=s, unit_code=unit, now=now)))
        return
    key = settings().server_key()
    said, known = _run(
        lambda s: revoke_one(session=s, key=key, code=code, invite_id=invite_id, now=now)
    )
    if not known:
        raise fail(said)
    typer.echo(said)


def people_list(
    unit: Annotated[str, typer.Argument(help=N_("Code of the unit, e.g. NGOCHA-CB01"))],
    as_json: JSON = False,
) -> None:
    from bot.admin_tables import print_json, print_people
    from bot.admin_views import people_data

    tz = settings().timezone
    rows = _run(lambda s: people_data(session=s, unit_code=unit, tz=tz))
    if as_json:
        print_json(rows)
    else:
        print_people(rows, unit)


def role_remove(
    person: Annotated[int, typer.Argument(help=N_("The person's number, from gopy people list"))],
    role: Annotated[str, typer.Argument(help=N_("secretary or official"))],
    unit: Annotated[str, typer.Option(help=N_("Code of the unit, e.g. NGOCHA-CB01"))],
) -> None:
    from bot.admin_actions import remove

    if role not in ("secretary", "official"):
        raise fail(_("The role is secretary or official."))
    typer.echo(_run(lambda s: remove(session=s, person_id=person, role=role, unit_code=unit)))


def _template(name: str) -> None:
    from importlib.resources import files

    data = files("bot") / "data"
    chosen = data / f"{name}.{cli_locale()}.yaml"
    if not chosen.is_file():
        chosen = data / f"{name}.vi.yaml"
    typer.echo(chosen.read_text("utf-8"), nl=False)


def org_template() -> None:
    _template("org_template")


def campaign_template() -> None:
    _template("campaign_template")


def register(
    *, app: typer.Typer, org_app: typer.Typer, campaign_app: typer.Typer, invite_app: typer.Typer
) -> None:
    """Add the administration commands to the ``gopy`` app and its groups."""
    org_app.command("list", help=N_("List the units: code, name, level, parent."))(org_list)
    org_app.command("template", help=N_("Print a units file to start from (see docs/)."))(
        org_template
    )
    campaign_app.command("list", help=N_("List the campaigns, the latest first."))(campaign_list)
    campaign_app.command(
        "show", help=N_("A campaign in full: dates, deadlines, form, documents, QR codes.")
    )(campaign_show)
    campaign_app.command("template", help=N_("Print a campaign file to start from (see docs/)."))(
        campaign_template
    )
    invite_app.command(
        "list", help=N_("A unit's invites: number, role, created, expires, state, used by.")
    )(invite_list)
    invite_app.command(
        "revoke", help=N_("Revoke an unused invite (it expires now), or all of a unit's.")
    )(invite_revoke)
    people_app = typer.Typer(help=N_("People who hold a role."), no_args_is_help=True)
    people_app.command(
        "list", help=N_("People with a role in a unit: role, channel, joined, blocked the bot.")
    )(people_list)
    role_app = typer.Typer(help=N_("Roles of people in units."), no_args_is_help=True)
    role_app.command("remove", help=N_("Take a role away from a person (see gopy people list)."))(
        role_remove
    )
    app.add_typer(people_app, name="people")
    app.add_typer(role_app, name="role")
