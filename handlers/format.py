"""How times, periods and statuses read to a person: local time, Vietnamese conventions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from storage.models import Period


def thousands(value: int) -> str:
    """``1.200``: Vietnamese groups thousands with a dot."""
    return f"{value:,}".replace(",", ".")


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


def moment(value: datetime, tz: str) -> str:
    """``17:00 thứ Tư, 12/11`` — the way the letters state a deadline."""
    local = value.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} {weekday_name(local.weekday())}, {local:%d/%m}"


def period_span(period: Period, tz: str) -> str:
    """``06/11–12/11``: the days a reporting week covers, in local time."""
    zone = ZoneInfo(tz)
    start = period.starts_at.astimezone(zone)
    end = period.deadline_at.astimezone(zone)
    return f"{start:%d/%m}–{end:%d/%m}"


def status_label(status: str) -> str:
    labels = {
        "on_time": _("on time"),
        "late": _("late"),
        "missing": _("not filed"),
    }
    return labels[status]
