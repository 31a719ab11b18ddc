"""The demo's invites printed for a terminal: grouped by unit from the city down, one code and
one link per line, so a link is never cut to the terminal's width and can be copied whole."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from bot.admin_tables import level_label, role_label
from bot.cli_i18n import _
from bot.demo import DemoData, Invitation
from bot.invite_links import typed_invite
from storage.models import RoleKind, UnitLevel


def invitee(invitation: Invitation) -> str:
    """Whom a code is for, as the line under its unit's heading says it."""
    if invitation.role is RoleKind.SECRETARY:
        return invitation.unit.name
    officials = {UnitLevel.CITY: _("City official"), UnitLevel.WARD: _("Ward official")}
    return officials.get(invitation.unit.level, role_label(invitation.role.value))


def print_invites(data: DemoData, *, link: Callable[[str], str] | None, console: Console) -> None:
    """Headings from the city down, each with its invites; ``link`` makes a code's deep link
    (None: no bot name is known, which is said once instead of under every code)."""
    title = _(
        "{title} ({code}): invite codes by unit",
        title=data.campaign.title,
        code=data.campaign.code,
    )
    console.print(f"[bold]{escape(title)}[/bold]", highlight=False)
    if link is None:
        console.print(_("(set GOPY_TELEGRAM_BOT_USERNAME to print links)"), highlight=False)
    for unit, invitations in data.invitations():
        console.print()
        level = level_label(unit.level.value)
        console.print(
            f"[bold]{escape(unit.name)}[/bold] [dim]({level}, {unit.code})[/dim]", highlight=False
        )
        for invitation in invitations:
            code = typed_invite(invitation.code)
            console.print(f"  {escape(invitee(invitation))}: [bold]{code}[/bold]", highlight=False)
            if link is not None:
                console.print(f"    {link(invitation.code)}", soft_wrap=True, highlight=False)
