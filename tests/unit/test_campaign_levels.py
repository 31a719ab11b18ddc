"""A campaign's levels in its file: each level's weekly deadline, final report and own form,
the order between levels, and every refusal with its line."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers import import_campaign, import_org
from bot.importers.campaign_levels import LevelRule, misordered
from scheduler.calendar import WeeklyRule
from scheduler.final import final_due_problem, final_window, last_weekly_deadline
from storage.campaigns import LATE_GRACE, deadline_for, form_by_id, form_of
from storage.forms import default_form
from storage.models import Campaign, Deadline, ReportForm, UnitLevel
from tests.chat import at
from tests.unit.test_importers import NESTED_ORG, count, problem_of, write

HCM = "Asia/Ho_Chi_Minh"
_ORDER = tuple(UnitLevel)

THREE_LEVELS = textwrap.dedent("""
    code: hn14
    title: Góp ý dự thảo văn kiện Đại hội XIV
    unit: HN
    starts: 2025-10-15
    ends: 2025-11-10 17:00
    deadlines:
      cell: {weekday: wednesday, time: "17:00"}
      ward:
        weekday: thứ năm
        time: "11:30"
        final_report: {due: "2025-11-12 17:00"}
        form:
          - key: own_meetings
            kind: count
            label: {vi: "Hội nghị do Đảng ủy tổ chức"}
            prompt: {vi: "Đảng ủy phường đã tổ chức bao nhiêu hội nghị?"}
      city:
        weekday: friday
        time: "10:00"
        final_report: {due: 14/11/2025 17:00}
    form: default
""").lstrip("\n")


async def imported(session: AsyncSession, tmp_path: Path, text: str) -> Campaign:
    await import_org(session=session, path=write(tmp_path, "org.yaml", NESTED_ORG))
    return await import_campaign(session=session, path=write(tmp_path, "campaign.yaml", text))


async def test_three_levels_with_final_reports_and_a_form_of_the_ward(
    session: AsyncSession, tmp_path: Path
) -> None:
    campaign = await imported(session, tmp_path, THREE_LEVELS)

    cell = await deadline_for(session=session, campaign=campaign, level=UnitLevel.CELL)
    ward = await deadline_for(session=session, campaign=campaign, level=UnitLevel.WARD)
    city = await deadline_for(session=session, campaign=campaign, level=UnitLevel.CITY)
    assert cell is not None and ward is not None and city is not None
    assert (cell.weekday, cell.time, cell.final_due, cell.form_id) == (2, "17:00", None, None)
    assert (ward.weekday, ward.time) == (3, "11:30")
    assert ward.final_due == at("2025-11-12 17:00")
    assert city.final_due == at("2025-11-14 17:00")
    assert ward.form_id is not None and city.form_id is None
    own = await form_by_id(session=session, form_id=ward.form_id)
    assert [f.key for f in own.fields] == ["own_meetings"]
    assert await form_of(session=session, campaign=campaign) == default_form()
    row = await session.get(ReportForm, ward.form_id)
    assert row is not None and row.name == "hn14/ward"


async def test_reimport_keeps_an_unchanged_level_form_and_drops_a_removed_final_report(
    session: AsyncSession, tmp_path: Path
) -> None:
    campaign = await imported(session, tmp_path, THREE_LEVELS)
    ward = await deadline_for(session=session, campaign=campaign, level=UnitLevel.WARD)
    assert ward is not None
    form_id, forms = ward.form_id, await count(session, ReportForm)

    again = THREE_LEVELS.replace('    final_report: {due: "2025-11-12 17:00"}\n', "")
    await import_campaign(session=session, path=write(tmp_path, "campaign.yaml", again))

    ward = await deadline_for(session=session, campaign=campaign, level=UnitLevel.WARD)
    assert ward is not None and ward.final_due is None and ward.form_id == form_id
    assert await count(session, ReportForm) == forms


BAD = [
    pytest.param(
        '    weekday: thứ năm\n    time: "11:30"\n',
        '    weekday: thứ tư\n    time: "16:00"\n',
        8,
        "ward: the ward's deadline (Wednesday 16:00) must come after the cells' "
        "(Wednesday 17:00) in the same week",
        id="ward-before-cells",
    ),
    pytest.param(
        '    weekday: thứ năm\n    time: "11:30"\n',
        '    weekday: wednesday\n    time: "17:00"\n',
        8,
        "must come after the cells' (Wednesday 17:00)",
        id="ward-same-as-cells",
    ),
    pytest.param(
        "    weekday: friday\n",
        "    weekday: thursday\n",
        17,
        "city: the city's deadline (Thursday 10:00) must come after the wards' (Thursday 11:30)",
        id="city-before-wards",
    ),
    pytest.param(
        'final_report: {due: "2025-11-12 17:00"}',
        'final_report: {due: "2025-11-10 16:59"}',
        11,
        "due: the ward's final report cannot be due before its last weekly deadline "
        "(2025-11-10 17:00)",
        id="final-before-last-week",
    ),
    pytest.param(
        'final_report: {due: "2025-11-12 17:00"}',
        'final_report: {due: "2025-11-17 17:01"}',
        11,
        "due: the ward's final report must be due within 7 days of the campaign's end "
        "(by 2025-11-17 17:00)",
        id="final-after-grace",
    ),
    pytest.param(
        "final_report: {due: 14/11/2025 17:00}",
        "final_report: {due: 11/11/2025 17:00}",
        20,
        "due: the city's final report cannot be due before the wards' (2025-11-12 17:00)",
        id="city-final-before-wards",
    ),
    pytest.param(
        'cell: {weekday: wednesday, time: "17:00"}',
        'cell: {weekday: wednesday, time: "17:00", final_report: {due: 2025-11-12}}',
        7,
        "final_report: cells have no final report: their weekly reports are summed by the "
        "final report of the level above",
        id="final-for-cells",
    ),
    pytest.param(
        'cell: {weekday: wednesday, time: "17:00"}',
        'cell: {weekday: wednesday, time: "17:00", form: default}',
        7,
        "form: cells answer the campaign's form",
        id="form-for-cells",
    ),
    pytest.param(
        'final_report: {due: "2025-11-12 17:00"}',
        'final_report: {due: "soon"}',
        11,
        "due: 'soon' is not a date",
        id="final-not-a-date",
    ),
    pytest.param(
        'final_report: {due: "2025-11-12 17:00"}',
        'final_report: {due: "2025-11-12 17:00", by: mail}',
        11,
        "unknown key",
        id="final-unknown-key",
    ),
    pytest.param(
        "        kind: count\n",
        "        kind: number\n",
        14,
        "kind: Input should be 'text', 'count' or 'choices'",
        id="bad-ward-form-field",
    ),
    pytest.param(
        "  city:\n",
        "  province:\n",
        17,
        "province: a campaign of a city cannot set a deadline for a province",
        id="level-above-unit",
    ),
    pytest.param(
        "  city:\n",
        "  district:\n",
        17,
        "district: there is no district under HN: import the units first, or leave this level out",
        id="level-without-units",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "fragment"), BAD)
async def test_level_errors_name_their_line(
    session: AsyncSession, tmp_path: Path, old: str, new: str, line: int, fragment: str
) -> None:
    await import_org(session=session, path=write(tmp_path, "org.yaml", NESTED_ORG))
    assert old in THREE_LEVELS
    path = tmp_path / "campaign.yaml"
    path.write_text(THREE_LEVELS.replace(old, new), encoding="utf-8")

    problem = await problem_of(import_campaign(session=session, path=path))

    assert problem.line == line, str(problem)
    assert str(problem).startswith(f"campaign.yaml, line {line}: ")
    assert fragment in problem.message, problem.message
    assert await count(session, Campaign) == 0
    assert await count(session, Deadline) == 0
    assert await count(session, ReportForm) == 0


# --- the rules as pure functions ---------------------------------------------------------------

STARTS, ENDS = at("2025-10-15 00:00"), at("2025-11-10 17:00")


@given(
    weekday=st.integers(min_value=0, max_value=6),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    ends_after=st.integers(min_value=1, max_value=60 * 24 * 60),
    due_after=st.integers(min_value=-20 * 24 * 60, max_value=20 * 24 * 60),
)
def test_a_final_due_is_refused_exactly_outside_last_week_to_end_plus_grace(
    weekday: int, minutes: int, ends_after: int, due_after: int
) -> None:
    rule = WeeklyRule.parse(weekday, f"{minutes // 60:02d}:{minutes % 60:02d}", HCM)
    ends = STARTS + timedelta(minutes=ends_after)
    due = ends + timedelta(minutes=due_after)
    last = last_weekly_deadline(rule, starts_at=STARTS, ends_at=ends)

    problem = final_due_problem(due, rule, starts_at=STARTS, ends_at=ends)

    assert STARTS < last <= ends
    assert ends - last < timedelta(days=7)
    if due < last:
        assert problem == ("early", last)
    elif due > ends + LATE_GRACE:
        assert problem == ("late", ends + LATE_GRACE)
    else:
        assert problem is None


def test_the_final_window_is_the_whole_campaign_up_to_the_due_date() -> None:
    campaign = Campaign(code="x", title="x", unit_id=1, form_id=1, starts_at=STARTS, ends_at=ENDS)
    window = final_window(campaign, at("2025-11-12 17:00"))
    assert (window.starts_at, window.deadline_at) == (STARTS, at("2025-11-12 17:00"))


@given(
    cell=st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(0, 59)),
    ward=st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(0, 59)),
    city=st.none() | st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(0, 59)),
)
def test_levels_are_accepted_exactly_when_each_comes_after_the_one_below(
    cell: tuple[int, int, int], ward: tuple[int, int, int], city: tuple[int, int, int] | None
) -> None:
    def rule(level: UnitLevel, spec: tuple[int, int, int]) -> LevelRule:
        return LevelRule(level, spec[0], f"{spec[1]:02d}:{spec[2]:02d}", None, False)

    given_rules = [rule(UnitLevel.WARD, ward), rule(UnitLevel.CELL, cell)]
    if city is not None:
        given_rules.insert(0, rule(UnitLevel.CITY, city))

    wrong = misordered(given_rules)

    chain = [cell, ward] + ([city] if city is not None else [])
    in_order = all(a < b for a, b in pairwise(chain))
    assert (wrong is None) == in_order
    if wrong is not None:
        child, parent = wrong
        assert (parent.weekday, parent.time) <= (child.weekday, child.time)
        declared = sorted({r.level for r in given_rules}, key=_ORDER.index)
        assert declared.index(parent.level) + 1 == declared.index(child.level)
