"""The administration commands' data as rich tables and trees, for people (``--json`` is for
scripts); every heading in the command line's language."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from bot.cli_i18n import _

Row = dict[str, Any]


def print_json(data: Any) -> None:
    # Plain print, not rich: a script reads it, and rich would wrap long lines.
    print(json.dumps(data, ensure_ascii=False, indent=2))


def when(value: str | None) -> str:
    """``06/12/2026 18:40`` from the ISO time of the JSON, or an empty cell."""
    return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M") if value else ""


def weekday_name(index: int) -> str:
    names = (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )
    return names[index]


def _row(table: Table, *cells: str) -> None:
    """A row of data: names may hold brackets, which rich would read as markup."""
    table.add_row(*(escape(cell) for cell in cells))


def _table(*columns: str, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def print_units(rows: list[Row], *, tree: bool) -> None:
    console = Console()
    if not rows:
        console.print(_("No units yet. Import them: gopy org import units.yaml"), soft_wrap=True)
        return
    if tree:
        roots: list[Tree] = []
        branches: dict[str, Tree] = {}
        for row in rows:
            level = level_label(row["level"])
            label = f"[bold]{row['code']}[/bold] {escape(row['name'])} [dim]({level})[/dim]"
            parent = branches.get(row["parent"]) if row["parent"] else None
            node = parent.add(label) if parent is not None else Tree(label)
            if parent is None:
                roots.append(node)
            branches[row["code"]] = node
        for root in roots:
            console.print(root, highlight=False)
        return
    table = _table(_("Code"), _("Name"), _("Level"), _("Parent"))
    for row in rows:
        _row(table, row["code"], row["name"], level_label(row["level"]), row["parent"] or "")
    console.print(table, highlight=False)


def level_label(level: str) -> str:
    """A unit level as people say it; the raw value stays in ``--json``."""
    labels = {"city": _("level:city"), "ward": _("level:ward"), "cell": _("level:cell")}
    return labels.get(level, level)


def role_label(role: str) -> str:
    labels = {"secretary": _("role:secretary"), "official": _("role:official")}
    return labels.get(role, role)


def state_label(state: str) -> str:
    labels = {
        "upcoming": _("not started"),
        "open": _("open"),
        "closed": _("ended"),
    }
    return labels[state]


def print_campaigns(rows: list[Row]) -> None:
    console = Console()
    if not rows:
        console.print(
            _("No campaigns yet. Import one: gopy campaign import campaign.yaml"), soft_wrap=True
        )
        return
    table = _table(_("Code"), _("Title"), _("Unit"), _("Starts"), _("Ends"), _("State"))
    for row in rows:
        _row(
            table,
            row["code"],
            row["title"],
            row["unit"],
            when(row["starts"]),
            when(row["ends"]),
            state_label(row["state"]),
        )
    console.print(table, highlight=False)


def _default(value: str, is_default: bool) -> str:
    return _("{value} (default)", value=value) if is_default else value


def print_campaign(data: Row) -> None:
    console = Console(highlight=False)
    console.print(f"[bold]{data['code']} — {escape(data['title'])}[/bold]")
    console.print(_("Run by: {unit}", unit=data["unit"]), soft_wrap=True)
    console.print(
        _(
            "From {starts} to {ends} ({timezone}), {state}",
            starts=when(data["starts"]),
            ends=when(data["ends"]),
            timezone=data["timezone"],
            state=state_label(data["state"]),
        )
    )
    reminders = _default(data["reminders"], data["reminders_default"])
    console.print(
        _("Reminders before each deadline: {reminders}", reminders=reminders), soft_wrap=True
    )
    quiet = _default(data["quiet_hours"], data["quiet_hours_default"])
    console.print(_("Quiet hours: {hours}", hours=quiet), soft_wrap=True)
    deadlines = _table(
        _("Level"),
        _("Weekly deadline (local time)"),
        _("Final report due"),
        _("Own questions"),
        title=_("Deadlines"),
    )
    for row in data["deadlines"]:
        _row(
            deadlines,
            level_label(row["level"]),
            f"{weekday_name(row['weekday'])} {row['time']}",
            when(row["final_due"]) or "—",
            _("yes") if row["own_form"] else "—",
        )
    console.print(deadlines)
    form = _table("#", _("Key"), _("Kind"), _("Question"), title=_("Report form"))
    for number, row in enumerate(data["form"], start=1):
        label = row["label"] + (" " + _("(optional)") if row["optional"] else "")
        if row["choices"]:
            label += "\n  " + "; ".join(row["choices"])
        _row(form, str(number), row["key"], row["kind"], label)
    console.print(form)
    if not data["documents"]:
        console.print(
            _("No draft documents: citizens cannot comment on this campaign."), soft_wrap=True
        )
    for doc in data["documents"]:
        sections = _table(
            _("Section"), _("Heading"), title=escape(f"{doc['code']} — {doc['title']}")
        )
        for section in doc["sections"]:
            _row(sections, section["number"], section["heading"])
        console.print(sections)
        if doc["url"]:
            console.print(f"  {escape(doc['url'])}", soft_wrap=True)
    if data["entry_points"]:
        codes = _table(_("Code"), _("Document"), _("Section"), _("Made"), title=_("QR codes made"))
        for entry in data["entry_points"]:
            _row(
                codes,
                entry["code"],
                entry["document"] or _("(whole campaign)"),
                entry["section"] or "",
                when(entry["created"]),
            )
        console.print(codes)
    else:
        console.print(
            _("No QR code made yet (gopy qr {code}).", code=data["code"]), soft_wrap=True
        )


def invite_state_label(state: str) -> str:
    labels = {
        "open": _("valid, unused"),
        "used": _("used"),
        "expired": _("expired or revoked"),
    }
    return labels[state]


def print_invites(rows: list[Row], unit: str) -> None:
    console = Console(highlight=False)
    if not rows:
        console.print(
            _("{unit} has no invites. Make one: gopy invite {unit}", unit=unit), soft_wrap=True
        )
        return
    table = _table(
        _("No."), _("Role"), _("Created"), _("Expires"), _("State"), _("Used by"), _("Used at")
    )
    for row in rows:
        who = row["used_by"]
        _row(
            table,
            str(row["id"]),
            role_label(row["role"]),
            when(row["created"]),
            when(row["expires"]),
            invite_state_label(row["state"]),
            f"{who['name']} ({who['id']})" if who else "",
            when(row["used_at"]),
        )
    console.print(table)
    console.print(
        _(
            "Codes are stored hashed and cannot be shown again; revoke one by its number: "
            "gopy invite revoke --id N"
        ),
        soft_wrap=True,
    )


def print_people(rows: list[Row], unit: str) -> None:
    console = Console(highlight=False)
    if not rows:
        console.print(
            _("Nobody holds a role in {unit} yet. Invite someone: gopy invite {unit}", unit=unit),
            soft_wrap=True,
        )
        return
    table = _table(_("No."), _("Name"), _("Role"), _("Channel"), _("Joined"), _("Blocked the bot"))
    for row in rows:
        _row(
            table,
            str(row["id"]),
            row["name"],
            role_label(row["role"]),
            row["channel"],
            when(row["joined"]),
            when(row["blocked_since"]) if row["blocked_since"] else "",
        )
    console.print(table)
