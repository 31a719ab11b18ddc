"""``gopy web-link``: a single-use link to the officials' desk, for an office's first sign-in
without chat — for a person who holds an official's role, or a new desk-only account."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_i18n import N_, _
from bot.cli_support import fail, with_session
from bot.cli_support import settings as current_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class DeskProblem(Exception):
    """Why no link was made, said to the administrator."""


async def _make_link(
    session: AsyncSession, person_id: int | None, unit: str | None, name: str | None
) -> str:
    from bot.admin_views import AdminProblem, unit_or_fail
    from scheduler.clock import SystemClock
    from storage.desk_access import desk_account, issue_link
    from storage.models import Person, RoleKind
    from storage.people import load_member

    now: datetime = SystemClock().now()
    key = current_settings().server_key()
    if unit is not None:
        if person_id is not None or not (name or "").strip():
            raise DeskProblem(_("Give either a person's number, or --unit with --name."))
        try:
            office = await unit_or_fail(session, unit)
        except AdminProblem as problem:
            raise DeskProblem(str(problem)) from None
        person = await desk_account(
            session=session, unit=office, name=(name or "").strip(), now=now
        )
    else:
        found = await session.get(Person, person_id) if person_id is not None else None
        if found is None:
            raise DeskProblem(_("No person has this number (see gopy people list UNIT)."))
        if not (await load_member(session=session, person=found)).has(RoleKind.OFFICIAL):
            raise DeskProblem(
                _("This person holds no official's role: the desk is for officials only.")
            )
        person = found
    return await issue_link(session=session, key=key, person=person, now=now)


def web_link(
    person: Annotated[
        int | None,
        typer.Argument(help=N_("The person's number, from gopy people list"), show_default=False),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(help=N_("Make a new desk account, an official of this unit")),
    ] = None,
    name: Annotated[str | None, typer.Option(help=N_("The new account's name"))] = None,
) -> None:
    import asyncio

    from bot.app import web_base_of
    from bot.links import absolute
    from bot.web.desk.paths import sign_in_path

    if person is None and unit is None:
        raise fail(_("Give a person's number (gopy people list UNIT), or --unit and --name."))
    try:
        token = asyncio.run(with_session(lambda s: _make_link(s, person, unit, name)))
    except DeskProblem as problem:
        raise fail(str(problem)) from None
    base = web_base_of(current_settings())
    typer.echo(absolute(base.url, sign_in_path(token)))
    typer.echo(_("The link works once, within 10 minutes."), err=True)
    if not base.public:
        typer.echo(
            _("It opens only on this computer: set GOPY_PUBLIC_URL to open it from anywhere."),
            err=True,
        )
