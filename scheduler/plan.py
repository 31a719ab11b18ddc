"""Which sweeps a campaign calls for, and when: pure functions of its rules and the time.

A *sweep* is one scheduled job: a reminder before a deadline, the escalation just after it, a
weekly digest for officials, the closing summary of a campaign, and for a level with a final
report, its reminders and escalation. Each has a stable key, so
a sweep that has run is never run again, and one missed while the bot was down can be told
apart from one that is merely in the future.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduler.calendar import PeriodWindow, WeeklyRule, next_deadline, open_period
from scheduler.quiet import QuietHours
from storage.campaigns import LATE_GRACE

# The escalation waits a minute so a report sent at 17:00:00 is counted as on time.
ESCALATION_DELAY = timedelta(minutes=1)
# After the campaign ends its last week may be filed late for this long (storage.campaigns);
# the closing summary goes when that window shuts.
CLOSING_AFTER = LATE_GRACE
# A reminder that would fall in quiet hours moves to their end, unless that leaves less than
# this before the deadline; then it moves to just before they begin.
MIN_LEAD = timedelta(hours=1)
BEFORE_QUIET = timedelta(minutes=1)

_OFFSET = re.compile(r"^(\d{1,3})\s*([dhm])$", re.ASCII)
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """ "24h,2h" → (24 h, 2 h), longest first; "off" → no reminders."""
    if text.strip().lower() in ("", "off", "none"):
        return ()
    offsets: set[timedelta] = set()
    for part in text.split(","):
        match = _OFFSET.match(part.strip().lower())
        if match is None:
            raise ValueError(f"'{part.strip()}' is not a time before the deadline; write 24h, 2h…")
        offset = int(match[1]) * _UNITS[match[2]]
        if not timedelta(minutes=5) <= offset <= timedelta(days=6):
            raise ValueError(f"'{part.strip()}' must be between 5m and 6d")
        offsets.add(offset)
    return tuple(sorted(offsets, reverse=True))


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes}m"
    return f"{minutes // 60}h"


class SweepKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"
    DIGEST = "digest"
    CLOSING = "closing"
    # The final report of a level (``Deadline.final_due``): keys of their own, so a final due on
    # a weekly deadline is reminded and escalated apart from that week.
    FINAL_REMINDER = "final_reminder"
    FINAL_ESCALATION = "final_escalation"


# Reminders, and escalations, about one period of one level.
_BEFORE = (SweepKind.REMINDER, SweepKind.FINAL_REMINDER)
_PER_PERIOD = (*_BEFORE, SweepKind.ESCALATION, SweepKind.FINAL_ESCALATION)


# How long after its time a missed sweep still makes sense (reminders: until the deadline).
STILL_USEFUL = {
    SweepKind.ESCALATION: timedelta(days=2),
    SweepKind.FINAL_ESCALATION: timedelta(days=2),
    SweepKind.DIGEST: timedelta(days=1),
    SweepKind.CLOSING: timedelta(days=7),
}


@dataclass(frozen=True, slots=True)
class CampaignRules:
    """What the planner needs to know of a campaign (built from its rows by the scheduler)."""

    campaign_id: int
    starts_at: datetime
    ends_at: datetime
    tz: ZoneInfo
    deadlines: dict[str, WeeklyRule]  # by unit level
    reminders: tuple[timedelta, ...]
    quiet: QuietHours | None
    digest: WeeklyRule | None = None
    finals: dict[str, datetime] = field(default_factory=dict)  # final report due, by level


@dataclass(frozen=True, slots=True, order=True)
class Sweep:
    fire_at: datetime
    kind: SweepKind = field(compare=False)
    campaign_id: int = field(compare=False)
    level: str = field(compare=False)  # the reporting level ("" for a digest or closing)
    deadline_at: datetime = field(compare=False)  # of the period concerned
    label: str = field(default="", compare=False)  # "24h" for a reminder

    @property
    def key(self) -> str:
        return (
            f"{self.kind.value}:{self.campaign_id}:{self.level}:"
            f"{self.deadline_at:%Y%m%dT%H%M}:{self.label}"
        )

    @property
    def group(self) -> tuple[object, ...]:
        """Sweeps of one group supersede each other: only the latest missed one is worth it."""
        if self.kind in _PER_PERIOD:
            # Reminders of one week; each week's escalation is news of its own.
            return (self.kind, self.campaign_id, self.level, self.deadline_at)
        return (self.kind, self.campaign_id, self.level)

    def still_useful(self, now: datetime) -> bool:
        if self.kind in _BEFORE:
            return now < self.deadline_at
        return now <= self.fire_at + STILL_USEFUL[self.kind]


def periods(rule: WeeklyRule, rules: CampaignRules, since: datetime) -> Iterator[PeriodWindow]:
    """The campaign's periods of one level from ``since`` on (the last may end with it)."""
    moment = max(since, rules.starts_at)
    while True:
        window = open_period(rule, moment, starts_at=rules.starts_at, ends_at=rules.ends_at)
        if window is None:
            return
        yield window
        moment = window.deadline_at + timedelta(seconds=1)


def reminder_time(deadline: datetime, offset: timedelta, rules: CampaignRules) -> datetime:
    """``deadline - offset``, moved out of quiet hours (later if it still helps, else earlier)."""
    fire = deadline - offset
    quiet = rules.quiet
    if quiet is None or not quiet.contains(fire, rules.tz):
        return fire
    later = quiet.release(fire, rules.tz)
    if later <= deadline - MIN_LEAD:
        return later
    return quiet.began(fire, rules.tz) - BEFORE_QUIET


def sweeps(rules: CampaignRules, since: datetime, until: datetime) -> list[Sweep]:
    """Every sweep of the campaign whose time falls in ``[since, until]``, in time order."""
    longest = max(rules.reminders, default=timedelta(0))
    found: list[Sweep] = []
    for level, rule in rules.deadlines.items():
        # A reminder may fire up to ``longest`` (plus a quiet night) before its deadline.
        for window in periods(rule, rules, since - timedelta(days=1)):
            deadline = window.deadline_at
            if deadline - longest - timedelta(days=1) > until:
                break
            for offset in rules.reminders:
                fire = reminder_time(deadline, offset, rules)
                # Not before its week opens: until then a secretary files for the week before
                # (a short last week of a campaign, a first week that starts late).
                if fire >= window.starts_at:
                    found.append(
                        Sweep(
                            fire,
                            SweepKind.REMINDER,
                            rules.campaign_id,
                            level,
                            deadline,
                            offset_label(offset),
                        )
                    )
            found.append(
                Sweep(
                    deadline + ESCALATION_DELAY,
                    SweepKind.ESCALATION,
                    rules.campaign_id,
                    level,
                    deadline,
                )
            )
    found += final_sweeps(rules)
    if rules.digest is not None:
        moment = max(since, rules.starts_at)
        while True:
            fire = next_deadline(rules.digest, moment)
            if fire > min(until, rules.ends_at):
                break
            found.append(Sweep(fire, SweepKind.DIGEST, rules.campaign_id, "", fire))
            moment = fire + timedelta(seconds=1)
    closing = rules.ends_at + CLOSING_AFTER
    found.append(Sweep(closing, SweepKind.CLOSING, rules.campaign_id, "", rules.ends_at))
    return sorted(s for s in found if since <= s.fire_at <= until)


def final_sweeps(rules: CampaignRules) -> list[Sweep]:
    """The reminders before each level's final report is due, and the escalation after it.

    A reminder is never set before the campaign starts (the final period opens with it).
    """
    found: list[Sweep] = []
    for level, due_at in rules.finals.items():
        for offset in rules.reminders:
            fire = reminder_time(due_at, offset, rules)
            if fire >= rules.starts_at:
                found.append(
                    Sweep(
                        fire,
                        SweepKind.FINAL_REMINDER,
                        rules.campaign_id,
                        level,
                        due_at,
                        offset_label(offset),
                    )
                )
        found.append(
            Sweep(
                due_at + ESCALATION_DELAY,
                SweepKind.FINAL_ESCALATION,
                rules.campaign_id,
                level,
                due_at,
            )
        )
    return found


def due(planned: list[Sweep], now: datetime, done: set[str]) -> tuple[list[Sweep], list[Sweep]]:
    """Of the sweeps whose time has come and that have not run: (to run now, to drop).

    A sweep missed while the bot was down runs once if it still helps; of several missed
    sweeps of one group only the latest runs (two reminders in a row help no one).
    """
    latest: dict[tuple[object, ...], Sweep] = {}
    waiting = [s for s in planned if s.fire_at <= now and s.key not in done]
    for sweep in waiting:
        current = latest.get(sweep.group)
        if current is None or sweep.fire_at > current.fire_at:
            latest[sweep.group] = sweep
    run = [s for s in latest.values() if s.still_useful(now)]
    keep = {s.key for s in run}
    return sorted(run), [s for s in waiting if s.key not in keep]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(text: str, tz: str) -> WeeklyRule | None:
    """ "mon 08:00" → every Monday 08:00 in ``tz``; "off" → None."""
    if text.strip().lower() in ("", "off", "none"):
        return None
    parts = text.strip().lower().split()
    if (
        len(parts) != 2
        or parts[0][:3] not in WEEKDAYS
        or not re.match(r"^\d{1,2}:\d{2}$", parts[1])
    ):
        raise ValueError(f"'{text}' is not a weekly time; write it as mon 08:00 or off")
    hour, minute = (int(p) for p in parts[1].split(":"))
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a time of day; use 00:00 to 23:59")
    return WeeklyRule.parse(WEEKDAYS.index(parts[0][:3]), f"{hour:02d}:{minute:02d}", tz)
