"""``gopy remind --dry-run``: every unit that has not filed, and whether a reminder reaches it.

The reason comes from ``storage.completeness.no_reminder``, the rule /status uses too.
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from rich.table import Table

from bot.i18n import build_i18n
from handlers.notices import no_reminder_label
from scheduler.service import Outcome
from storage.completeness import no_reminder
from storage.models import RoleKind


def unfiled_table(outcome: Outcome, locale: str = "vi") -> Table | None:
    """A table of the outcome's units that have not filed (None if every unit filed)."""
    if not outcome.unfiled:
        return None
    i18n = build_i18n(locale)
    with i18n.context(), i18n.use_locale(locale):
        table = Table(
            title=_("Not filed yet: {count}").format(count=len(outcome.unfiled)),
            title_justify="left",
        )
        table.add_column(_("Unit"))
        signs = any(state.role is RoleKind.OFFICIAL for state in outcome.unfiled)
        # Above cells a unit's officials sign its report: they are the ones reminded.
        table.add_column(_("Officials who sign") if signs else _("Secretaries"))
        table.add_column(_("Reminder"))
        for state in outcome.unfiled:
            names = ", ".join(holder.name for holder in state.holders) or "—"
            table.add_row(state.name, names, no_reminder_label(no_reminder(state)))
    return table
