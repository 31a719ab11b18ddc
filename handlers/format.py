"""How times, periods and statuses read to a person: local time, Vietnamese conventions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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


def week_days(starts_at: datetime, deadline_at: datetime, tz: str) -> tuple[date, date]:
    """The first and last local day a reporting week covers. A week that starts at last
    Wednesday's 17:00 is named, as the letters do, from its first whole day."""
    zone = ZoneInfo(tz)
    start = starts_at.astimezone(zone)
    first = start.date() if start.time() == time() else start.date() + timedelta(days=1)
    return first, deadline_at.astimezone(zone).date()


def week_label(starts_at: datetime, deadline_at: datetime, tz: str) -> str:
    """``từ 06/11 đến 12/11/2025``: the one way a week (or a run of weeks) is named, in chat,
    letters, workbooks and CSV alike."""
    first, last = week_days(starts_at, deadline_at, tz)
    start = f"{first:%d/%m}" if first.year == last.year else f"{first:%d/%m/%Y}"
    return _("from {start} to {end}").format(start=start, end=f"{last:%d/%m/%Y}")


def period_span(period: Period, tz: str) -> str:
    """A reporting week's name (``week_label``)."""
    return week_label(period.starts_at, period.deadline_at, tz)


def status_label(status: str) -> str:
    labels = {
        "on_time": _("on time"),
        "late": _("late"),
        "missing": _("not filed"),
    }
    return labels[status]
