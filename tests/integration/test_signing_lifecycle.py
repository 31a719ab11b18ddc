"""A hypothesis state machine over a ward signing its report («Ký và gửi»), on the real storage
and a SQLite file.

A city, one ward, three cells; cells by Wednesday 17:00, the ward by Thursday 11:30. Rules: a
cell files or amends (its open week or an earlier one, late), the ward's official opens the
draft (remembering how many signatures it was shown), signs with a remembered count (perhaps
stale) and counts of the ward's own, the clock moves across deadlines and weeks, the city
reads the ward as of now. Invariants after every step: the ward's revisions are 1..n; a
signature is stored iff the official had seen every stored one, and it holds what the cells
had filed by then plus the ward's own counts; on time is fixed by the first signature; the
files kept at signing never change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlmodel import col

from services.consolidated import Consolidated, consolidate, week_of
from services.reporting import Assignment, target
from services.signing import draft, own_form, sign
from storage.forms import FieldKind, FormSpec, default_form
from storage.models import (
    Period,
    Report,
    ReportRevision,
    SignedFile,
)
from storage.reports import file_report, get_report
from storage.signed import SignedValues
from tests.chat import at
from tests.integration.signing_world import World, build_world, render
from tests.integration.sqlite_machine import SqliteMachine

START = at("2025-11-10 09:00")  # Monday: the cells' week ends Wednesday 17:00
END = at("2025-11-28 00:00")  # the clock stops here: four weeks of the ward's
CELLS = 3
KEYS = [f.key for f in default_form().fields if f.kind is FieldKind.COUNT]
COUNTS = st.fixed_dictionaries({key: st.integers(0, 3) for key in KEYS[:2]})


@dataclass
class CellFiling:
    submitted_at: datetime
    values: dict[str, Any]


@dataclass
class Signature:
    number: int
    signed_at: datetime
    own: dict[str, Any]
    children: dict[str, int]
    totals: dict[str, int]


@dataclass
class WardWeek:
    period: Period
    signatures: list[Signature] = field(default_factory=list)


@dataclass
class Opened:
    week: int  # index into ``SigningLifecycle.ward_weeks``
    seen: int


class SigningLifecycle(SqliteMachine):
    prefix = "signing-"

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        # Cell filings by (cell, deadline of the cells' week), oldest first.
        self.filings: dict[tuple[int, datetime], list[CellFiling]] = {}
        self.cell_weeks: dict[datetime, Period] = {}  # the cells' weeks filed into, by deadline
        self.ward_weeks: list[WardWeek] = []
        self.opened: list[Opened] = []
        self.files: dict[tuple[int, str], bytes] = {}  # (revision id, format) → bytes stored

    @initialize()
    def seed(self) -> None:
        async def build() -> tuple[World, FormSpec]:
            async with self.sessions() as session:
                world = await build_world(session, cells=CELLS)
                spec = await own_form(session=session, unit=world.ward, campaign=world.campaign)
                await session.commit()
                return world, spec

        world, self.form = self.run(build())
        self.city, self.ward, self.cells = world.city, world.ward, world.cells
        self.campaign, self.person = world.campaign, world.person

    # The model

    def children_as_of(self, week: WardWeek, moment: datetime) -> dict[str, int]:
        """What the cells had filed by ``moment`` for the cells' week ending in the ward's."""
        period = week.period
        sums = dict.fromkeys(KEYS, 0)
        for (_cell, deadline), filings in self.filings.items():
            if not period.starts_at < deadline <= period.deadline_at:
                continue
            sent = [f for f in filings if f.submitted_at <= moment]
            if sent:
                for key in KEYS:
                    sums[key] += int(sent[-1].values.get(key, 0))
        return sums

    def ward_week(self, period: Period) -> int:
        for index, week in enumerate(self.ward_weeks):
            if week.period.id == period.id:
                return index
        self.ward_weeks.append(WardWeek(period))
        return len(self.ward_weeks) - 1

    # Rules

    @rule(cell=st.integers(0, CELLS - 1), counts=COUNTS, earlier=st.booleans())
    def cell_files(self, cell: int, counts: dict[str, int], earlier: bool) -> None:
        """A cell files or amends its open week, or (``earlier``) its oldest week, late."""
        unit = self.cells[cell]
        values = {"leadership": f"Chi bộ {cell} họp", **counts}

        async def store() -> Period:
            async with self.sessions() as session:
                if earlier and self.cell_weeks:
                    period = self.cell_weeks[min(self.cell_weeks)]
                else:
                    found = await target(
                        session=session, assignment=Assignment(unit, self.campaign), now=self.now
                    )
                    assert found is not None
                    period = found.period
                await file_report(
                    session=session,
                    period=period,
                    unit=unit,
                    values=values,
                    person=self.person,
                    now=self.now,
                )
                await session.commit()
                return period

        period = self.run(store())
        self.cell_weeks.setdefault(period.deadline_at, period)
        filings = self.filings.setdefault((cell, period.deadline_at), [])
        if not filings or filings[-1].values != values:  # the same values again: not stored
            filings.append(CellFiling(self.now, values))

    @rule(back=st.integers(0, 3))
    def official_opens(self, back: int) -> None:
        """The ward's official opens the draft of the ward's open week as of now, or now and
        then (``back`` 3) of its oldest week, to sign it again after its deadline."""
        earlier = back == 3

        async def open_draft() -> tuple[Period, int, Consolidated]:
            async with self.sessions() as session:
                if earlier and self.ward_weeks:
                    period = self.ward_weeks[0].period
                else:
                    found = await target(
                        session=session,
                        assignment=Assignment(self.ward, self.campaign, signs=True),
                        now=self.now,
                    )
                    assert found is not None
                    period = found.period
                report = await get_report(session=session, period=period, unit=self.ward)
                shown = await draft(
                    session=session,
                    unit=self.ward,
                    campaign=self.campaign,
                    period=period,
                    now=self.now,
                    own={},
                    form=self.form,
                )
                await session.commit()
                return period, report.revisions if report else 0, shown

        period, seen, shown = self.run(open_draft())
        week = self.ward_week(period)
        assert seen == len(self.ward_weeks[week].signatures)
        assert shown.children_totals == self.children_as_of(self.ward_weeks[week], self.now)
        self.opened.append(Opened(week, seen))

    @precondition(lambda self: bool(self.opened))
    @rule(data=st.data(), own=COUNTS)
    def official_signs(self, data: st.DataObject, own: dict[str, int]) -> None:
        """Sign a draft opened earlier: stored only if nobody signed it since."""
        # The newest draft first: hypothesis draws (and shrinks to) the first more often.
        opened = data.draw(st.sampled_from(self.opened[::-1]))
        self.sign(opened, own)

    def sign(self, opened: Opened, own: dict[str, int]) -> None:
        week = self.ward_weeks[opened.week]
        answers: dict[str, Any] = {**own, "assessment": "Nhân dân đồng tình"}

        async def store() -> tuple[int, dict[str, bytes]] | None:
            async with self.sessions() as session:
                signed = await sign(
                    session=session,
                    unit=self.ward,
                    campaign=self.campaign,
                    period=week.period,
                    own=answers,
                    form=self.form,
                    person=self.person,
                    now=self.now,
                    seen=opened.seen,
                    render=render,
                )
                await session.commit()
                if signed is None:
                    return None
                assert signed.filed.revision.id is not None
                files = {fmt: content for fmt, (_name, content) in signed.files.items()}
                return signed.filed.revision.number, files

        stored = self.run(store())
        if opened.seen != len(week.signatures):
            assert stored is None, "a signature made on a stale view was stored"
            event("stale signature refused")
            return
        assert stored is not None, "a signature made on the latest view was refused"
        number, _files = stored
        event(f"signature stored ({'late' if self.now > week.period.deadline_at else 'on time'})")
        assert number == opened.seen + 1
        children = self.children_as_of(week, self.now)
        week.signatures.append(
            Signature(
                number,
                self.now,
                answers,
                children,
                {key: children[key] + int(own.get(key, 0)) for key in KEYS},
            )
        )

    @rule(back=st.integers(0, 3), own=COUNTS)
    def official_opens_and_signs(self, back: int, own: dict[str, int]) -> None:
        """The usual way: open the draft and sign it before anyone else does."""
        self.official_opens(back)
        self.sign(self.opened[-1], own)

    @rule(hours=st.integers(1, 40))
    def time_passes(self, hours: int) -> None:
        self.now = min(self.now + timedelta(hours=hours), END)

    @rule(ward=st.booleans())
    def past_the_next_deadline(self, ward: bool) -> None:
        """Just before or past the next deadline of the cells (Wednesday) or the ward's."""
        weekday, hour, minute = (3, 11, 30) if ward else (2, 17, 0)
        local = self.now.astimezone(ZoneInfo(self.campaign.timezone))
        day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
        moment = at(f"{day.isoformat()} {hour:02d}:{minute:02d}")
        if moment <= self.now:
            moment = at(f"{(day + timedelta(days=7)).isoformat()} {hour:02d}:{minute:02d}")
        self.now = min(moment + timedelta(minutes=1), END)

    @precondition(lambda self: bool(self.ward_weeks))
    @rule(data=st.data())
    def city_reads(self, data: st.DataObject) -> None:
        """The city's report of each ward week as of now, or of a moment around a signature:
        the ward as it last signed by then, missing if it had not."""
        moments = {self.now}
        for week in self.ward_weeks:
            for signature in week.signatures:
                moments |= {signature.signed_at, signature.signed_at - timedelta(seconds=1)}
        moment = data.draw(st.sampled_from(sorted(moments, reverse=True)))

        async def read(week: WardWeek) -> Consolidated:
            async with self.sessions() as session:
                return await consolidate(
                    session=session,
                    unit=self.city,
                    campaign=self.campaign,
                    week=week_of(week.period, self.campaign.timezone),
                    as_of=moment,
                )

        for week in self.ward_weeks:
            city = self.run(read(week))
            assert [p.id for p in city.periods] == [week.period.id]
            (filing,) = city.filings
            (row,) = city.rows
            assert filing.unit_id == self.ward.id
            signed = [s for s in week.signatures if s.signed_at <= moment]
            if not signed:
                assert filing.status == "missing" and filing.signed is None
                assert row.counts == dict.fromkeys(KEYS, 0)
                assert city.totals == dict.fromkeys(KEYS, 0)
                continue
            last = signed[-1]
            event(f"city reads a signature ({len(signed)} of {len(week.signatures)} by then)")
            first_on_time = week.signatures[0].signed_at <= week.period.deadline_at
            assert filing.status == ("on_time" if first_on_time else "late")
            assert filing.signed is not None
            assert filing.signed.totals == last.totals
            assert filing.signed.children == last.children
            assert row.counts == last.totals
            assert city.totals == last.totals

    # Invariants

    @invariant()
    def signatures_are_stored_as_modelled(self) -> None:
        async def read() -> list[tuple[Report, list[ReportRevision]]]:
            async with self.sessions() as session:
                reports = (
                    await session.execute(
                        select(Report).where(col(Report.unit_id) == self.ward.id)
                    )
                ).scalars()
                found = []
                for report in reports.all():
                    revisions = await session.execute(
                        select(ReportRevision)
                        .where(col(ReportRevision.report_id) == report.id)
                        .order_by(col(ReportRevision.number))
                    )
                    found.append((report, list(revisions.scalars().all())))
                return found

        stored = {report.period_id: (report, revisions) for report, revisions in self.run(read())}
        signed = {w.period.id: w for w in self.ward_weeks if w.signatures}
        assert set(stored) == set(signed), "one report per signed week, none for the others"
        for period_id, (report, revisions) in stored.items():
            week = signed[period_id]
            assert [r.number for r in revisions] == list(range(1, len(revisions) + 1))
            assert report.revisions == len(revisions) == len(week.signatures)
            first = week.signatures[0].signed_at
            assert report.on_time == (first <= week.period.deadline_at)
            assert report.first_submitted_at == first
            for revision, signature in zip(revisions, week.signatures, strict=True):
                values = SignedValues.load(revision.values)
                assert values is not None
                assert revision.submitted_at == signature.signed_at
                assert revision.late == (signature.signed_at > week.period.deadline_at)
                assert values.own == signature.own
                assert values.children == signature.children
                assert values.totals == signature.totals
                assert values.as_of == signature.signed_at.isoformat()

    @invariant()
    def signed_files_never_change(self) -> None:
        async def read() -> list[SignedFile]:
            async with self.sessions() as session:
                return list((await session.execute(select(SignedFile))).scalars().all())

        rows = self.run(read())
        signatures = sum(len(w.signatures) for w in self.ward_weeks)
        assert len(rows) == 3 * signatures, "three files per signature, no more"
        for row in rows:
            assert hashlib.sha256(row.content).hexdigest() == row.sha256
            kept = self.files.setdefault((row.revision_id, row.format), row.content)
            assert kept == row.content, "a signed file changed"


def test_signing_lifecycle(sqlite_template: Path) -> None:
    SigningLifecycle.template = sqlite_template
    run_state_machine_as_test(
        SigningLifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
