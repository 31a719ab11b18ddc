"""The planner: when reminders fire, quiet hours, which missed sweeps still run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.calendar import WeeklyRule, next_deadline, open_period
from scheduler.plan import (
    CampaignRules,
    SweepKind,
    due,
    parse_offsets,
    parse_weekly,
    reminder_time,
    sweeps,
)
from scheduler.quiet import QuietHours
from tests.chat import at

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET = QuietHours(time(21), time(7))


def rules(hhmm: str = "17:00", quiet: QuietHours | None = QUIET) -> CampaignRules:
    return CampaignRules(
        campaign_id=1,
        starts_at=at("2025-10-15 00:00"),
        ends_at=at("2025-12-31 17:00"),
        tz=HCM,
        deadlines={"cell": WeeklyRule.parse(2, hhmm, "Asia/Ho_Chi_Minh")},
        reminders=(timedelta(hours=24), timedelta(hours=2)),
        quiet=quiet,
        digest=parse_weekly("mon 08:00", "Asia/Ho_Chi_Minh"),
    )


def test_a_week_of_sweeps() -> None:
    found = sweeps(rules(), at("2025-11-10 09:00"), at("2025-11-17 09:00"))
    assert [(s.kind.value, s.label, s.fire_at) for s in found] == [
        ("reminder", "24h", at("2025-11-11 17:00")),
        ("reminder", "2h", at("2025-11-12 15:00")),
        ("escalation", "", at("2025-11-12 17:01")),
        ("digest", "", at("2025-11-17 08:00")),
    ]
    assert len({s.key for s in found}) == len(found)


def test_the_last_week_ends_with_the_campaign_and_the_closing_follows() -> None:
    found = sweeps(rules(), at("2025-12-30 00:00"), at("2026-01-08 00:00"))
    assert [(s.kind, s.fire_at) for s in found if s.kind is not SweepKind.REMINDER] == [
        (SweepKind.ESCALATION, at("2025-12-31 17:01")),
        (SweepKind.CLOSING, at("2026-01-07 17:00")),
    ]


def test_a_reminder_in_quiet_hours_moves_to_the_morning_if_that_still_helps() -> None:
    # Deadline 11:30: the 24 h reminder would be 11:30 the day before (fine), a 6 h one 05:30.
    assert reminder_time(at("2025-11-13 11:30"), timedelta(hours=6), rules()) == at(
        "2025-11-13 07:00"
    )


def test_a_reminder_in_quiet_hours_moves_to_the_evening_before_if_morning_is_too_late() -> None:
    # Deadline 07:30: 2 h before is 05:30, and 07:00 leaves only half an hour.
    assert reminder_time(at("2025-11-13 07:30"), timedelta(hours=2), rules()) == at(
        "2025-11-12 20:59"
    )


@given(
    deadline=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    hours=st.integers(min_value=1, max_value=72),
)
def test_reminders_never_fire_in_quiet_hours_nor_after_the_deadline(
    deadline: datetime, hours: int
) -> None:
    fire = reminder_time(deadline, timedelta(hours=hours), rules())
    assert fire < deadline
    assert not QUIET.contains(fire, HCM)


def test_missed_sweeps_run_once_and_only_the_latest_of_a_kind() -> None:
    planned = sweeps(rules(), at("2025-11-10 09:00"), at("2025-11-17 09:00"))
    run, dropped = due(planned, at("2025-11-12 15:10"), done=set())
    assert [(s.kind.value, s.label) for s in run] == [("reminder", "2h")]
    assert [(s.kind.value, s.label) for s in dropped] == [("reminder", "24h")]
    run, dropped = due(planned, at("2025-11-12 15:10"), done={s.key for s in run + dropped})
    assert run == [] and dropped == []


def test_after_the_deadline_reminders_are_dropped_and_the_escalation_runs() -> None:
    planned = sweeps(rules(), at("2025-11-10 09:00"), at("2025-11-17 09:00"))
    run, dropped = due(planned, at("2025-11-12 17:10"), done=set())
    assert [s.kind for s in run] == [SweepKind.ESCALATION]
    assert {s.label for s in dropped} == {"24h", "2h"}


def test_an_escalation_missed_for_three_days_is_no_longer_sent() -> None:
    planned = sweeps(rules(), at("2025-11-10 09:00"), at("2025-11-17 09:00"))
    run, _ = due(planned, at("2025-11-15 18:00"), done=set())
    assert run == []


@pytest.mark.parametrize(
    ("text", "offsets"),
    [("24h,2h", (24, 2)), ("2h, 24h, 2h", (24, 2)), ("1d,30m", (24, 0.5)), ("off", ())],
)
def test_offsets(text: str, offsets: tuple[float, ...]) -> None:
    assert parse_offsets(text) == tuple(timedelta(hours=h) for h in offsets)


@pytest.mark.parametrize("text", ["24", "2x", "0h", "8d", "h"])
def test_bad_offsets(text: str) -> None:
    with pytest.raises(ValueError, match=text.split(",", maxsplit=1)[0] or "'"):
        parse_offsets(text)


@pytest.mark.parametrize("text", ["21-07", "25:00-07:00", "07:00-07:00", "evening"])
def test_bad_quiet_hours(text: str) -> None:
    with pytest.raises(ValueError):
        QuietHours.parse(text)


def test_quiet_hours_across_midnight() -> None:
    assert QuietHours.parse("21:00-07:00") == QUIET
    assert QuietHours.parse("off") is None
    assert QUIET.contains(at("2025-11-12 23:30"), HCM)
    assert QUIET.contains(at("2025-11-12 06:59"), HCM)
    assert not QUIET.contains(at("2025-11-12 07:00"), HCM)
    assert QUIET.release(at("2025-11-12 23:30"), HCM) == at("2025-11-13 07:00")
    assert QUIET.release(at("2025-11-12 12:00"), HCM) == at("2025-11-12 12:00")


def test_a_deadline_in_a_daylight_saving_gap_is_one_deadline() -> None:
    # Berlin skips 02:00-03:00 on 29/03/2026; a "Sunday 02:30" deadline falls in the gap.
    rule = WeeklyRule.parse(6, "02:30", "Europe/Berlin")
    deadline = next_deadline(rule, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert deadline == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert next_deadline(rule, deadline) == deadline
    window = open_period(
        rule,
        deadline,
        starts_at=datetime(2026, 3, 1, tzinfo=UTC),
        ends_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert window is not None and window.deadline_at == deadline


def test_a_campaign_opening_on_a_deadline_starts_with_a_whole_week() -> None:
    starts = at("2025-11-12 17:00")  # a Wednesday, 17:00: the cells' deadline itself
    window = open_period(
        WeeklyRule.parse(2, "17:00", "Asia/Ho_Chi_Minh"),
        starts,
        starts_at=starts,
        ends_at=at("2025-12-31 17:00"),
    )
    assert window is not None and window.deadline_at == at("2025-11-19 17:00")


def test_reminders_of_a_short_last_week_wait_for_it_to_open() -> None:
    short = replace(rules(), ends_at=at("2025-12-31 18:00"))  # one hour after Wednesday 17:00
    found = sweeps(short, at("2025-12-29 00:00"), at("2025-12-31 19:00"))
    last = [s for s in found if s.deadline_at == at("2025-12-31 18:00")]
    assert [s.kind for s in last] == [SweepKind.ESCALATION]  # both reminders would be early


# --- every level, and the final report --------------------------------------------------------


LAST_WEEK = at("2025-12-31 17:00")


def chain_rules(final_due: datetime = LAST_WEEK) -> CampaignRules:
    """Cells by Wednesday 17:00, the ward by Thursday 11:30 with a final report."""
    cells = rules()
    return replace(
        cells,
        deadlines={**cells.deadlines, "ward": WeeklyRule.parse(3, "11:30", "Asia/Ho_Chi_Minh")},
        finals={"ward": final_due},
    )


def test_a_ward_has_reminders_and_an_escalation_of_its_own_week() -> None:
    found = sweeps(chain_rules(), at("2025-11-12 00:00"), at("2025-11-13 12:00"))
    ward = [(s.kind.value, s.label, s.fire_at) for s in found if s.level == "ward"]
    assert ward == [
        ("reminder", "24h", at("2025-11-12 11:30")),
        ("reminder", "2h", at("2025-11-13 09:30")),
        ("escalation", "", at("2025-11-13 11:31")),
    ]


def test_a_final_due_on_a_weekly_deadline_has_sweeps_and_keys_of_its_own() -> None:
    # The final report is due with the last week: the same moment, two reports.
    found = sweeps(chain_rules(), at("2025-12-30 00:00"), at("2026-01-01 00:00"))
    ward = [s for s in found if s.level == "ward" and s.deadline_at == at("2025-12-31 17:00")]
    kinds = sorted((s.kind.value, s.label) for s in ward)
    assert kinds == [
        ("escalation", ""),
        ("final_escalation", ""),
        ("final_reminder", "24h"),
        ("final_reminder", "2h"),
        ("reminder", "24h"),
        ("reminder", "2h"),
    ]
    assert len({s.key for s in ward}) == len(ward)
    run, dropped = due(found, at("2025-12-31 15:05"), done=set())
    assert sorted((s.kind.value, s.label) for s in run if s.level == "ward") == [
        ("final_reminder", "2h"),
        ("reminder", "2h"),
    ]  # each report's latest missed reminder, not one instead of the other
    assert {s.label for s in dropped if s.level == "ward"} == {"24h"}


@given(
    due_after=st.integers(min_value=0, max_value=7 * 24 * 60),
    now_after=st.integers(min_value=-10 * 24 * 60, max_value=10 * 24 * 60),
)
def test_final_reminders_never_before_due_less_offset_nor_after_the_due(
    due_after: int, now_after: int
) -> None:
    final_due = at("2025-12-31 17:00") + timedelta(minutes=due_after)
    chained = chain_rules(final_due)
    now = final_due + timedelta(minutes=now_after)
    planned = [
        s
        for s in sweeps(chained, now - timedelta(days=8), now)
        if s.kind is SweepKind.FINAL_REMINDER
    ]
    run, _ = due(planned, now, done=set())
    for sweep in run:
        offset = parse_offsets(sweep.label)[0]
        assert sweep.fire_at <= now < final_due
        # Exactly due less its offset, moved out of quiet hours as a weekly one would be.
        assert sweep.fire_at == reminder_time(final_due, offset, chained)
        assert not QUIET.contains(sweep.fire_at, HCM)
    assert len(run) <= 1  # of several missed, only the latest
    if now >= final_due:
        assert run == []


def test_without_quiet_hours_a_final_reminder_is_exactly_due_less_its_offset() -> None:
    loud = replace(chain_rules(at("2026-01-05 17:00")), quiet=None)
    found = sweeps(loud, at("2026-01-01 00:00"), at("2026-01-06 00:00"))
    finals = [(s.kind.value, s.label, s.fire_at) for s in found if s.level == "ward"]
    assert finals == [
        ("final_reminder", "24h", at("2026-01-04 17:00")),
        ("final_reminder", "2h", at("2026-01-05 15:00")),
        ("final_escalation", "", at("2026-01-05 17:01")),
    ]
    assert due(found, at("2026-01-04 16:59"), done=set())[0] == []


def test_a_level_without_final_report_has_no_final_sweeps() -> None:
    plain = replace(chain_rules(), finals={})
    found = sweeps(plain, at("2025-10-15 00:00"), at("2026-01-10 00:00"))
    assert not [s for s in found if s.kind.value.startswith("final_")]
