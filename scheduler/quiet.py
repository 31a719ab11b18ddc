"""Quiet hours: the local night during which non-urgent messages wait for the morning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
OFF = ("", "off", "none")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end`` local time (crossing midnight when ``start > end``)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """ "21:00-07:00" → quiet hours; "off" (or empty) → None. ValueError on anything else."""
        if text.strip().lower() in OFF:
            return None
        match = _SPAN.match(text)
        if match is None:
            raise ValueError(f"'{text}' is not a span of hours; write it as 21:00-07:00 or off")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"'{text}' is not a span of hours; use times from 00:00 to 23:59")
        if (h1, m1) == (h2, m2):
            raise ValueError(f"'{text}' starts and ends at the same time; write off instead")
        return cls(time(h1, m1), time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        now = moment.astimezone(tz).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def release(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """``moment`` itself outside quiet hours, else the end of the quiet hours it falls in."""
        if not self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=tz)
        return end.astimezone(UTC)

    def began(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """When the quiet hours that ``moment`` falls in began (``moment`` must be quiet)."""
        local = moment.astimezone(tz)
        start = datetime.combine(local.date(), self.start, tzinfo=tz)
        if start > local:
            start = datetime.combine(local.date() - timedelta(days=1), self.start, tzinfo=tz)
        return start.astimezone(UTC)
