"""A hypothesis state machine over the report lifecycle, on the real storage and a SQLite file.

Rules: file a week's report, amend it (the same values again, or new ones), let the clock run
past deadlines (amendments become flagged late revisions, unfiled weeks are missed), and read
the consolidated rows as of a moment. Invariants after every step: one report and one on-time
status per unit and week, fixed by its first filing; every revision ever stored still there,
unchanged; the rows as of a moment T are the last revision sent by T.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlmodel import col

from storage.completeness import unit_states
from storage.consolidated import filings_as_of
from storage.models import Period, Person, Report, ReportRevision, UnitLevel
from storage.people import get_or_create_person
from storage.reports import ensure_period, file_report
from tests.chat import at
from tests.integration.sqlite_machine import SqliteMachine
from tests.seed import Seed, seed_ward

T = TypeVar("T")
START = at("2025-11-10 09:00")  # Monday; the cells' deadline is Wednesday 17:00
FIRST_DEADLINE = at("2025-11-12 17:00")
WEEKS = 3
CELLS = 2
VALUES = st.fixed_dictionaries(
    {"news_count": st.integers(0, 2), "highlights": st.sampled_from(["", "Chuyển đổi số"])}
)


@dataclass
class Revision:
    number: int
    values: dict[str, Any]
    submitted_at: datetime
    late: bool


@dataclass
class Filed:
    on_time: bool
    revisions: list[Revision] = field(default_factory=list)


class ReportLifecycle(SqliteMachine):
    prefix = "lifecycle-"

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.model: dict[tuple[int, int], Filed] = {}  # (cell, week) → what was filed

    @initialize()
    def seed(self) -> None:
        async def build() -> tuple[Seed, Person, list[Period]]:
            async with self.sessions() as session:
                seed = await seed_ward(session)
                person = await get_or_create_person(
                    session=session, channel="telegram", external_id="1", full_name="An", now=START
                )
                periods = [
                    await ensure_period(
                        session=session,
                        campaign=seed.campaign,
                        level=UnitLevel.CELL,
                        starts_at=FIRST_DEADLINE + timedelta(days=7 * (k - 1)),
                        deadline_at=FIRST_DEADLINE + timedelta(days=7 * k),
                    )
                    for k in range(WEEKS)
                ]
                await session.commit()
                return seed, person, periods

        self.world, self.person, self.periods = self.run(build())

    # Rules

    @rule(cell=st.integers(0, CELLS - 1), week=st.integers(0, WEEKS - 1), values=VALUES)
    def file(self, cell: int, week: int, values: dict[str, Any]) -> None:
        """File (or amend: the same call once a report exists) at the current time."""
        period = self.periods[week]
        late = self.now > period.deadline_at

        async def store() -> None:
            async with self.sessions() as session:
                await file_report(
                    session=session,
                    period=period,
                    unit=self.world.cells[cell],
                    values=values,
                    person=self.person,
                    now=self.now,
                    channel="telegram",
                )
                await session.commit()

        self.run(store())
        filed = self.model.setdefault((cell, week), Filed(on_time=not late))
        if filed.revisions and filed.revisions[-1].values == values:
            return  # the same values again: nothing new is stored
        filed.revisions.append(Revision(len(filed.revisions) + 1, dict(values), self.now, late))

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def amend(self, data: st.DataObject) -> None:
        """Change one answer of a filed report (late, once its deadline has passed)."""
        cell, week = data.draw(st.sampled_from(sorted(self.model)))
        values = dict(self.model[(cell, week)].revisions[-1].values)
        values["news_count"] += 1
        self.file(cell, week, values)

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def past_the_next_deadline(self) -> None:
        """Just past the next deadline: the week's unfiled reports are missed, amendments late."""
        upcoming = [p.deadline_at for p in self.periods if p.deadline_at >= self.now]
        if upcoming:
            self.now = min(upcoming) + timedelta(minutes=1)

    @rule(week=st.integers(0, WEEKS - 1), data=st.data())
    def export_as_of(self, week: int, data: st.DataObject) -> None:
        """The consolidated rows as of a moment: around each filing, or now."""
        moments = {self.now, START}
        for (_cell, w), filed in self.model.items():
            if w == week:
                for r in filed.revisions:
                    moments |= {r.submitted_at, r.submitted_at - timedelta(seconds=1)}
        moment = data.draw(st.sampled_from(sorted(moments)))

        async def read() -> list[Any]:
            async with self.sessions() as session:
                return await filings_as_of(
                    session=session,
                    root_id=self.world.ward.id or 0,
                    level=UnitLevel.CELL,
                    period=self.periods[week],
                    as_of=moment,
                )

        rows = {f.unit_id: f for f in self.run(read())}
        for cell, unit in enumerate(self.world.cells):
            row = rows[unit.id or 0]
            found = self.model.get((cell, week))
            sent = [r for r in found.revisions if r.submitted_at <= moment] if found else []
            if not sent:
                assert row.status == "missing", (cell, week, moment, row)
                continue
            assert found is not None
            last = sent[-1]
            assert row.status == ("on_time" if found.on_time else "late")
            assert row.values == last.values, (cell, week, moment)
            assert row.submitted_at == last.submitted_at
            assert row.revised_late == (last.late and last.number > 1)

    # Invariants

    @invariant()
    def one_status_per_unit_and_week(self) -> None:
        async def read() -> tuple[int, dict[tuple[int, int], bool | None]]:
            async with self.sessions() as session:
                reports = await session.scalar(select(func.count()).select_from(Report))
                found: dict[tuple[int, int], bool | None] = {}
                for week, period in enumerate(self.periods):
                    for state in await unit_states(
                        session=session,
                        root_id=self.world.ward.id or 0,
                        level=UnitLevel.CELL,
                        period_id=period.id,
                    ):
                        cell = [u.id for u in self.world.cells].index(state.unit_id)
                        found[(cell, week)] = state.on_time
                return int(reports or 0), found

        reports, statuses = self.run(read())
        assert reports == len(self.model), "one report per unit and week"
        for key, on_time in statuses.items():
            filed = self.model.get(key)
            assert on_time == (filed.on_time if filed else None), key

    @invariant()
    def revisions_are_never_overwritten(self) -> None:
        async def read() -> dict[tuple[int, int], list[Revision]]:
            async with self.sessions() as session:
                result = await session.execute(
                    select(Report, ReportRevision)
                    .join(ReportRevision, col(ReportRevision.report_id) == col(Report.id))
                    .order_by(col(ReportRevision.number))
                )
                found: dict[tuple[int, int], list[Revision]] = {}
                cells = [u.id for u in self.world.cells]
                weeks = [p.id for p in self.periods]
                for report, revision in result.all():
                    key = (cells.index(report.unit_id), weeks.index(report.period_id))
                    found.setdefault(key, []).append(
                        Revision(
                            revision.number,
                            dict(revision.values),
                            revision.submitted_at,
                            revision.late,
                        )
                    )
                return found

        stored = self.run(read())
        assert stored == {key: filed.revisions for key, filed in self.model.items()}


def test_report_lifecycle(sqlite_template: Path) -> None:
    ReportLifecycle.template = sqlite_template
    run_state_machine_as_test(
        ReportLifecycle,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
