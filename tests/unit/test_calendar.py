"""Reporting periods: the week that ends at a weekly local deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from scheduler.calendar import WeeklyRule, next_deadline, open_period, period_before
from tests.chat import at

WED_17 = WeeklyRule.parse(2, "17:00", "Asia/Ho_Chi_Minh")
START = at("2025-10-15 00:00")
END = at("2025-11-26 10:00")


def test_deadline_of_the_week() -> None:
    assert next_deadline(WED_17, at("2025-11-10 09:00")) == at("2025-11-12 17:00")
    assert next_deadline(WED_17, at("2025-11-12 17:00")) == at("2025-11-12 17:00")
    assert next_deadline(WED_17, at("2025-11-12 17:00:01")) == at("2025-11-19 17:00")


def test_deadline_is_stored_in_utc() -> None:
    deadline = next_deadline(WED_17, at("2025-11-10 09:00"))
    assert deadline.tzinfo is UTC and deadline.hour == 10


def test_open_period_and_the_one_before() -> None:
    window = open_period(WED_17, at("2025-11-10 09:00"), starts_at=START, ends_at=END)
    assert window is not None
    assert (window.starts_at, window.deadline_at) == (
        at("2025-11-05 17:00"),
        at("2025-11-12 17:00"),
    )
    before = period_before(WED_17, window, starts_at=START)
    assert before is not None and before.deadline_at == at("2025-11-05 17:00")


def test_first_period_starts_with_the_campaign() -> None:
    window = open_period(WED_17, at("2025-10-15 08:00"), starts_at=START, ends_at=END)
    assert window is not None and window.starts_at == START
    assert period_before(WED_17, window, starts_at=START) is None


def test_last_period_ends_with_the_campaign() -> None:
    window = open_period(WED_17, at("2025-11-25 12:00"), starts_at=START, ends_at=END)
    assert window is not None and window.deadline_at == END
    assert window.starts_at == at("2025-11-19 17:00")


def test_nothing_is_open_outside_the_campaign() -> None:
    assert open_period(WED_17, at("2025-10-14 23:59"), starts_at=START, ends_at=END) is None
    assert open_period(WED_17, at("2025-11-26 10:01"), starts_at=START, ends_at=END) is None


def test_wall_clock_deadline_across_daylight_saving() -> None:
    berlin = WeeklyRule.parse(6, "10:00", "Europe/Berlin")  # Sundays 10:00
    before = next_deadline(berlin, datetime(2025, 10, 13, tzinfo=UTC))  # Sunday 19/10
    after = next_deadline(berlin, before + timedelta(minutes=1))
    zone = ZoneInfo("Europe/Berlin")
    assert before.astimezone(zone).hour == after.astimezone(zone).hour == 10
    assert after - before == timedelta(days=7, hours=1)  # the clocks went back on 26/10


@given(
    st.datetimes(
        min_value=datetime(2025, 10, 15), max_value=datetime(2025, 11, 26), timezones=st.just(UTC)
    )
)
def test_every_moment_belongs_to_exactly_its_period(moment: datetime) -> None:
    window = open_period(WED_17, moment, starts_at=START, ends_at=END)
    if window is None:
        assert moment < START or moment > END
        return
    assert window.starts_at <= moment <= window.deadline_at
    assert window.deadline_at - window.starts_at <= timedelta(days=7)
