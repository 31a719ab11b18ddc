"""The board's pure parts: how a unit's week reads, which weeks a campaign has so far, the
chart's bars, and the board's query values (strict: only what its own links make)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.web.desk.board import BadQuery, Flash, read_query
from bot.web.desk.chart import HEIGHT, ChartWeek, completeness_chart
from scheduler.calendar import WeeklyRule, open_period
from scheduler.notices import Tally
from services.board import Mark, mark, windows_until
from services.oversight import Watched
from storage.models import Campaign, Unit, UnitLevel
from tests.chat import at

DEADLINE = at("2025-11-12 17:00")


def test_a_week_reads_as_filed_or_by_its_deadline() -> None:
    before, after = DEADLINE - timedelta(minutes=1), DEADLINE + timedelta(seconds=1)
    assert mark(True, DEADLINE, after) is Mark.ON_TIME
    assert mark(False, DEADLINE, before) is Mark.LATE  # as stored: a late filing of a week
    assert mark(None, DEADLINE, before) is Mark.NOT_DUE
    assert mark(None, DEADLINE, DEADLINE) is Mark.NOT_DUE  # open up to its deadline
    assert mark(None, DEADLINE, after) is Mark.MISSING


def _watch(now_text: str) -> Watched:
    campaign = Campaign(
        id=1,
        code="dh14",
        title="Góp ý",
        unit_id=1,
        form_id=1,
        starts_at=at("2025-10-15 00:00"),
        ends_at=at("2025-12-31 17:00"),
    )
    rule = WeeklyRule.parse(2, "17:00", campaign.timezone)
    now = min(at(now_text), campaign.ends_at)
    window = open_period(rule, now, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    assert window is not None
    unit = Unit(id=1, code="NGOCHA", name="Ngọc Hà", level=UnitLevel.WARD)
    return Watched(unit, campaign, UnitLevel.CELL, rule, window, 1)


def test_the_weeks_so_far_run_from_the_start_to_the_open_one() -> None:
    weeks = windows_until(_watch("2025-11-10 09:00"))
    assert [w.deadline_at for w in weeks] == [
        at(f"2025-{day} 17:00") for day in ("10-15", "10-22", "10-29", "11-05", "11-12")
    ]
    assert weeks[0].starts_at == at("2025-10-15 00:00")  # the campaign's start, not a week back
    assert all(a.deadline_at == b.starts_at for a, b in pairwise(weeks))
    ended = windows_until(_watch("2026-01-05 09:00"))
    assert ended[-1].deadline_at == at("2025-12-31 17:00") and len(ended) == 12


def test_the_chart_stacks_on_time_and_late_as_shares_of_every_unit() -> None:
    words = {m: m.value for m in Mark}
    weeks = [ChartWeek("05/11", "Week 1", False), ChartWeek("12/11", "Week 2", True)]
    chart = completeness_chart(weeks, [Tally(4, 2, 1), Tally(0)], words)
    first, empty = chart.bars
    assert (first.on_h, first.late_h, first.share) == (HEIGHT / 2, HEIGHT / 4, 75)
    assert first.late_y + first.late_h == first.on_y  # late sits on top of on time
    assert first.title == "Week 1: 2 on_time, 1 late, 1 missing (75%)"
    assert (empty.on_h, empty.late_h, empty.share) == (0, 0, 0)
    assert empty.title.endswith("0 not_due (0%)")  # the open week: not missing yet


def test_the_boards_own_addresses_read_back() -> None:
    asked = read_query(
        {"campaign": "3", "level": "ward", "page": "2", "missing": "1", "q": " a  b "}
    )
    assert (asked.campaign, asked.level) == (3, UnitLevel.WARD)
    assert (asked.wanted.page, asked.wanted.only_missing, asked.wanted.search) == (2, True, "a b")
    flash = Flash(7, UnitLevel.CELL, 2, 1, 0, at("2025-11-12 07:00"))
    assert read_query({"reminded": flash.encode()}).flash == (flash,)
    assert read_query({"reminded": "none"}).flash == ()
    assert read_query({"lang": "en", "utm": "x"}) == read_query({})


@given(
    st.dictionaries(
        st.sampled_from(["campaign", "level", "page", "missing", "q", "reminded"]),
        st.text(max_size=30),
    )
)
def test_any_query_is_read_or_refused_never_broken(query: dict[str, str]) -> None:
    try:
        asked = read_query(query)
    except BadQuery:
        return
    assert asked.wanted.page >= 1 and len(asked.wanted.search) <= 100


@pytest.mark.parametrize(
    "value", ["1-cell-1-1-1", "x-cell-1-1-1-1", "1-galaxy-1-1-1-1", "1-cell-1-1-1-999999999999"]
)
def test_a_note_the_button_never_makes_is_refused(value: str) -> None:
    with pytest.raises(BadQuery):
        read_query({"reminded": value})
