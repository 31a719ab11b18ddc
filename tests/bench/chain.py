"""The reporting chain at city scale: 30 wards × 300 cells, 5 weeks, every ward signing.

    .venv/bin/python -m tests.bench.chain [--sqlite-only] [--runs N] [--rounds N]
        [--comments N] [--dir DIR] [--profile]

The city of ``tests.bench.consolidated`` (its bulk seed, reused) at the size of issue 14:
9,000 cells filing weekly to their wards (Wednesday 17:00), the wards signing their own
reports to the city (Thursday 11:30) through ``services.signing.sign`` with the real DOCX,
XLSX and CSV, and the city reporting on Friday 17:00. Then, on a fresh SQLite file and a
dropped-and-recreated PostgreSQL database ``bench_chain``:

- a ward's draft (``services.signing.draft``), target < 0.3 s;
- the city's letter from its wards' signed reports (``consolidate`` + DOCX), target < 1 s,
  and its workbook (figure only);
- baselines from the same database: the ward's plain ``consolidate``, a plain join of its
  cells' revisions, and the city's letter read the old way, from its 9,000 cells (the ward
  deadline removed in a transaction that is rolled back).

Asserted, not timed: each week's city totals are the sum of what its wards signed. Figures
are printed against their targets, never asserted. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

import services.consolidated
from bot.i18n import build_i18n
from bot.report_files import ReportFormat, render_report
from services.consolidated import Consolidated, consolidate
from services.reporting import Assignment, target
from services.signing import draft, own_form, sign
from storage.database import create_engine, create_session_factory
from storage.forms import FormSpec
from storage.letterheads import Letterhead, letterhead_of
from storage.migrate import upgrade
from storage.models import (
    Campaign,
    Deadline,
    Period,
    Person,
    Report,
    ReportRevision,
    Role,
    RoleKind,
    SignedFile,
    Unit,
    UnitLevel,
)
from storage.signed import SignedValues
from tests import databases
from tests.bench.consolidated import (
    FIRST_DEADLINE,
    TZ,
    WARD_UNDER_TEST,
    WEEK,
    Context,
    Phases,
    Size,
    person_name,
    remove_sqlite,
    report_values,
    seed_city,
    week_revisions,
)

PG_DATABASE = "bench_chain"
CELLS, WARDS, WEEKS = 9_000, 30, 5
# The campaign runs on after the five weeks measured (a city's campaign lasts months): every
# ISO week then holds exactly one period of each level.
CAMPAIGN_END = datetime(2025, 12, 31, 17, 0, tzinfo=TZ)
WARD_DEADLINE = (3, "11:30")  # Thursday
CITY_DEADLINE = (4, "17:00")  # Friday
# Wednesday 17:00 → the ward's Thursday 11:30 and the city's Friday 17:00 of that week.
TO_WARD_DEADLINE = timedelta(hours=18, minutes=30)
TO_CITY_DEADLINE = timedelta(days=2)
# The ward's official opens the draft on Thursday morning; the city's letter is made on Friday
# morning, before the city's own deadline.
DRAFT_AT = timedelta(hours=16)  # Thursday 09:00
CITY_AT = timedelta(hours=41)  # Friday 10:00
FIRST_OFFICIAL = 7_000_000
TARGET_DRAFT_S = 0.3
TARGET_CITY_S = 1.0

console = Console(width=None if sys.stdout.isatty() else 140)


# --- the chain on top of the consolidated bench's city ------------------------------------------


@dataclass
class Chain:
    city: Unit
    ward: Unit  # the ward under test (Ngọc Hà, 300 cells like the others)
    wards: list[Unit]
    campaign: Campaign
    officials: dict[int, int]  # ward id → its official's person id
    signing: list[float] = field(default_factory=list)  # seconds per signature, all of it
    rendering: list[float] = field(default_factory=list)  # of which the three files
    signatures: int = 0
    unsigned: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def wednesday(week: int) -> datetime:
    """The cells' deadline of week ``week`` (1-based)."""
    return FIRST_DEADLINE + (week - 1) * WEEK


def week_day(week: int) -> date:
    return wednesday(week).date()


async def fresh_database(name: str, directory: Path) -> str:
    """An empty migrated database: a new SQLite file, or ``bench_chain`` dropped and made
    again (never the test suite's ``test``)."""
    if name == "sqlite":
        path = directory / "chain.db"
        remove_sqlite(path)
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        return url
    await databases.drop_postgres(PG_DATABASE)
    return await databases.ensure_postgres(PG_DATABASE)


async def make_chain(factory: Callable[[], AsyncSession]) -> Chain:
    """The seeded city's campaign gets the ward and city deadlines; each ward an official."""
    async with factory() as session:
        campaign = (
            await session.execute(select(Campaign).where(col(Campaign.code) == "dh14"))
        ).scalar_one()
        assert campaign.id is not None
        campaign.ends_at = CAMPAIGN_END.astimezone(UTC)
        for level, (weekday, at) in (
            (UnitLevel.WARD, WARD_DEADLINE),
            (UnitLevel.CITY, CITY_DEADLINE),
        ):
            session.add(Deadline(campaign_id=campaign.id, level=level, weekday=weekday, time=at))
        wards = list(
            (
                await session.execute(
                    select(col(Unit.id)).where(col(Unit.level) == UnitLevel.WARD)
                )
            ).scalars()
        )
        rng = random.Random(30)
        people = [
            Person(
                channel="telegram",
                external_id=str(FIRST_OFFICIAL + n),
                full_name=person_name(rng),
                created_at=campaign.starts_at - timedelta(days=10),
            )
            for n in range(len(wards))
        ]
        session.add_all(people)
        await session.flush()
        for ward_id, person in zip(wards, people, strict=True):
            assert ward_id is not None and person.id is not None
            session.add(
                Role(
                    person_id=person.id,
                    unit_id=ward_id,
                    kind=RoleKind.OFFICIAL,
                    granted_at=person.created_at,
                )
            )
        await session.commit()
    return await load_chain(factory)


async def load_chain(factory: Callable[[], AsyncSession]) -> Chain:
    async with factory() as session:
        city = (await session.execute(select(Unit).where(col(Unit.code) == "HN"))).scalar_one()
        campaign = (
            await session.execute(select(Campaign).where(col(Campaign.code) == "dh14"))
        ).scalar_one()
        wards = list(
            (
                await session.execute(
                    select(Unit).where(col(Unit.level) == UnitLevel.WARD).order_by(col(Unit.code))
                )
            ).scalars()
        )
        officials = dict(
            (
                await session.execute(
                    select(col(Role.unit_id), col(Role.person_id)).where(
                        col(Role.kind) == RoleKind.OFFICIAL
                    )
                )
            ).all()
        )
        signatures = await session.scalar(
            select(func.count(func.distinct(col(SignedFile.revision_id))))
        )
    ward = next(w for w in wards if w.code == WARD_UNDER_TEST)
    chain = Chain(city, ward, wards, campaign, officials)
    chain.signatures = int(signatures or 0)
    return chain


async def signed_before(url: str) -> bool:
    """Whether ``url`` holds a chain signed by an earlier run (for ``--reuse``)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return bool(await conn.scalar(select(func.count()).select_from(SignedFile)))
    except Exception:
        return False
    finally:
        await engine.dispose()


def own_answers(rng: random.Random, form: FormSpec) -> dict[str, Any]:
    """A ward's own answers: the cell form's (the ward holds its own meetings, posts its own
    articles) and its assessment."""
    values = report_values(rng)
    keys = {f.key for f in form.fields}
    values = {k: v for k, v in values.items() if k in keys}
    values["assessment"] = "Các chi bộ triển khai nghiêm túc, đúng tiến độ; còn một số tổ chậm."
    values["proposals"] = "Đề nghị Thành ủy cấp thêm tài liệu in." if rng.random() < 0.5 else None
    return values


def render(report: Consolidated, fmt: ReportFormat, letterhead: Letterhead, today: date) -> bytes:
    """The one place the bench renders a report (the call the handlers make)."""
    return render_report(report, fmt, letterhead=letterhead, today=today)


async def ward_period(session: AsyncSession, chain: Chain, ward: Unit, week: int) -> Period:
    """The ward's own period of ``week``, as the official's /report finds it on Thursday."""
    found = await target(
        session=session,
        assignment=Assignment(ward, chain.campaign, signs=True),
        now=wednesday(week) + DRAFT_AT,
    )
    assert found is not None
    return found.period


async def sign_as(
    factory: Callable[[], AsyncSession], chain: Chain, ward: Unit, week: int, now: datetime
) -> None:
    """One signature through ``services.signing.sign``, files rendered for real, committed."""
    rng = random.Random(f"{ward.code}-{week}-{now.isoformat()}")
    started = time.perf_counter()
    rendered = 0.0

    async with factory() as session:
        # As handlers.signing does: the ward's own letterhead, read before signing.
        letterhead = await letterhead_of(session=session, unit=ward)

        async def files(report: Consolidated, fmt: ReportFormat) -> bytes:
            nonlocal rendered
            begun = time.perf_counter()
            data = render(report, fmt, letterhead, now.astimezone(TZ).date())
            rendered += time.perf_counter() - begun
            return data

        period = await ward_period(session, chain, ward, week)
        form = await own_form(session=session, unit=ward, campaign=chain.campaign)
        report = (
            await session.execute(
                select(col(Report.revisions)).where(
                    col(Report.period_id) == period.id, col(Report.unit_id) == ward.id
                )
            )
        ).scalar_one_or_none()
        person = await session.get(Person, chain.officials[ward.id or 0])
        assert person is not None
        signed = await sign(
            session=session,
            unit=ward,
            campaign=chain.campaign,
            period=period,
            own=own_answers(rng, form),
            form=form,
            person=person,
            now=now,
            seen=report or 0,
            render=files,
            channel="telegram",
        )
        assert signed is not None, "nobody else signs in the bench"
        await session.commit()
    chain.signing.append(time.perf_counter() - started)
    chain.rendering.append(rendered)
    chain.signatures += 1


async def sign_all(factory: Callable[[], AsyncSession], chain: Chain) -> None:
    """Every week, in the order of time: ~85 % of the wards sign on Thursday morning, ~8 %
    late (some after the city's Friday letter), ~7 % never; ~6 % sign again before the
    deadline. Cells filing late (up to Friday) come after their ward signed."""
    rng = random.Random(14)
    for week in range(1, WEEKS + 1):
        deadline = wednesday(week) + TO_WARD_DEADLINE
        plan: list[tuple[datetime, Unit]] = []
        for ward in chain.wards:
            draw = rng.random()
            if draw < 0.07 and ward.code != WARD_UNDER_TEST:
                chain.unsigned += 1
                continue
            if draw < 0.15:
                at = deadline + timedelta(minutes=rng.randint(30, 30 * 60))
            else:
                at = deadline - timedelta(minutes=rng.randint(5, 150))
                if rng.random() < 0.06:
                    plan.append((deadline - timedelta(minutes=rng.randint(1, 4)), ward))
            plan.append((at, ward))
        for at, ward in sorted(plan, key=lambda item: (item[0], item[1].code)):
            await sign_as(factory, chain, ward, week, at)


# --- the correctness check (asserted, not timed) -------------------------------------------------


async def signed_totals(
    session: AsyncSession, period_id: int, as_of: datetime
) -> dict[int, SignedValues]:
    """Each ward's latest signed values for its period as of ``as_of``, read straight from the
    revisions (not through ``filings_as_of``)."""
    rows = await session.execute(
        select(col(Report.unit_id), col(ReportRevision.number), col(ReportRevision.values))
        .join(ReportRevision, col(ReportRevision.report_id) == col(Report.id))
        .where(col(Report.period_id) == period_id, col(ReportRevision.submitted_at) <= as_of)
        .order_by(col(ReportRevision.number))
    )
    found: dict[int, SignedValues] = {}
    for unit_id, _number, values in rows.all():
        signed = SignedValues.load(values)
        assert signed is not None, "a ward's revision holds signed values"
        found[unit_id] = signed  # the latest number wins
    return found


async def check(factory: Callable[[], AsyncSession], chain: Chain) -> list[str]:
    """Each week's city letter adds up exactly what its wards had signed by then; each
    signature's totals are its children's sums plus its own counts; every revision kept its
    three files."""
    lines: list[str] = []
    async with factory() as session:
        for week in range(1, WEEKS + 1):
            as_of = wednesday(week) + CITY_AT
            report = await consolidate(
                session=session,
                unit=chain.city,
                campaign=chain.campaign,
                week=week_day(week),
                as_of=as_of,
            )
            assert report.level is UnitLevel.WARD, report.level
            (period,) = report.periods
            assert period.id is not None
            signed = await signed_totals(session, period.id, as_of)
            keys = report.count_keys
            expected = {k: sum(s.totals.get(k, 0) for s in signed.values()) for k in keys}
            assert report.totals == expected, (week, report.totals, expected)
            assert report.children_totals == expected
            assert report.expected == len(chain.wards)
            assert report.on_time + report.late == len(signed)
            for row in report.rows:
                if row.unit_id in signed:
                    wanted = {k: signed[row.unit_id].totals.get(k, 0) for k in keys}
                    assert row.counts == wanted, (week, row.name)
            for each in signed.values():
                for key in keys:
                    own = each.own.get(key)
                    own_count = own if isinstance(own, int) else 0
                    assert each.totals[key] == each.children.get(key, 0) + own_count
            lines.append(
                f"week {week}: {len(signed)}/{len(chain.wards)} wards signed by "
                f"{as_of.astimezone(TZ):%a %H:%M}, news items {report.totals['news_count']:,} "
                f"= Σ signed"
            )
        files = await session.execute(
            select(col(SignedFile.revision_id), col(SignedFile.format), col(SignedFile.content))
        )
        formats: dict[int, set[str]] = {}
        for revision_id, fmt, content in files.all():
            formats.setdefault(revision_id, set()).add(fmt)
            if fmt in ("docx", "xlsx"):
                assert zipfile.is_zipfile(io.BytesIO(content)), (revision_id, fmt)
        assert len(formats) == chain.signatures, (len(formats), chain.signatures)
        assert all(f == {"docx", "xlsx", "csv"} for f in formats.values())
    return lines


# --- the figures -------------------------------------------------------------------------------


Step = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


@dataclass
class Figure:
    name: str
    target: float | None = None
    baseline: str | None = None
    # Seconds of each run, per round; its parts (consolidate, render) per run too.
    rounds: list[list[float]] = field(default_factory=list)
    parts: list[dict[str, list[float]]] = field(default_factory=list)


@dataclass
class Bench:
    factory: Callable[[], AsyncSession]
    chain: Chain
    runs: int
    period: Period | None = None  # the ward's period of the last week
    cell_period_id: int = 0
    own: dict[str, Any] = field(default_factory=dict)
    form: FormSpec | None = None

    @property
    def draft_at(self) -> datetime:
        return wednesday(WEEKS) + DRAFT_AT

    @property
    def city_at(self) -> datetime:
        return wednesday(WEEKS) + CITY_AT

    @property
    def today(self) -> date:
        return self.city_at.astimezone(TZ).date()


async def prepare_bench(bench: Bench) -> None:
    async with bench.factory() as session:
        chain = bench.chain
        bench.period = await ward_period(session, chain, chain.ward, WEEKS)
        bench.form = await own_form(session=session, unit=chain.ward, campaign=chain.campaign)
        bench.own = own_answers(random.Random(5), bench.form)
        cell = await session.execute(
            select(col(Period.id)).where(
                col(Period.campaign_id) == chain.campaign.id,
                col(Period.level) == UnitLevel.CELL,
                col(Period.deadline_at) == wednesday(WEEKS).astimezone(UTC),
            )
        )
        cell_period_id = cell.scalar_one()
        assert cell_period_id is not None
        bench.cell_period_id = cell_period_id
        await session.commit()


def steps(bench: Bench) -> dict[str, list[tuple[str, Step]]]:
    """Each figure as its parts, run in one session; a part hands its report on in ``state``."""
    chain = bench.chain

    async def ward_draft(session: AsyncSession, state: dict[str, Any]) -> None:
        assert bench.period is not None and bench.form is not None
        state["report"] = await draft(
            session=session,
            unit=chain.ward,
            campaign=chain.campaign,
            period=bench.period,
            now=bench.draft_at,
            own=bench.own,
            form=bench.form,
        )

    def weekly(unit: Unit, as_of: datetime, week: int = WEEKS) -> Step:
        """The unit's plain report of a week (the last one), no own answers."""

        async def step(session: AsyncSession, state: dict[str, Any]) -> None:
            state["report"] = await consolidate(
                session=session,
                unit=unit,
                campaign=chain.campaign,
                week=week_day(week),
                as_of=as_of,
            )

        return step

    async def ward_join(_session: AsyncSession, state: dict[str, Any]) -> None:
        context = Context(
            factory=bench.factory,
            city=chain.city,
            ward=chain.ward,
            campaign=chain.campaign,
            week=week_day(WEEKS),
            week_as_of=bench.draft_at,
            final_as_of=bench.draft_at,
            period_id=bench.cell_period_id,
            today=bench.today,
        )
        state["rows"] = await week_revisions(context, ward=True)

    async def without_ward_deadline(session: AsyncSession, _state: dict[str, Any]) -> None:
        # Rolled back when the session closes: the city reads its 9,000 cells, as before.
        await session.execute(
            delete(Deadline).where(
                col(Deadline.campaign_id) == chain.campaign.id,
                col(Deadline.level) == UnitLevel.WARD,
            )
        )

    def letter(fmt: ReportFormat) -> Step:
        async def step(session: AsyncSession, state: dict[str, Any]) -> None:
            letterhead = await letterhead_of(session=session, unit=chain.city)
            state["bytes"] = len(render(state["report"], fmt, letterhead, bench.today))

        return step

    city = weekly(chain.city, bench.city_at)
    return {
        "ward draft": [("draft", ward_draft)],
        "ward consolidate": [("consolidate", weekly(chain.ward, bench.draft_at))],
        "ward revisions join": [("query", ward_join)],
        "city letter docx": [("consolidate", city), ("render", letter("docx"))],
        "city workbook xlsx": [("consolidate", city), ("render", letter("xlsx"))],
        "city from cells docx": [
            ("setup", without_ward_deadline),
            ("consolidate", city),
            ("render", letter("docx")),
        ],
        # The week after: no ward has signed yet, the letter opens up every ward's cells.
        "city letter, no ward signed": [
            ("consolidate", weekly(chain.city, bench.city_at + WEEK, WEEKS + 1)),
            ("render", letter("docx")),
        ],
    }


FIGURES = {
    "ward draft": ("ward consolidate", TARGET_DRAFT_S),
    "ward consolidate": ("ward revisions join", None),
    "ward revisions join": (None, None),
    "city letter docx": ("city from cells docx", TARGET_CITY_S),
    "city workbook xlsx": ("city from cells docx", None),
    "city from cells docx": (None, None),
    "city letter, no ward signed": ("city from cells docx", None),
}
# The old-style city letter takes seconds: fewer runs of it.
SLOW = {"city from cells docx", "city letter, no ward signed"}


async def measure(bench: Bench, figures: dict[str, Figure], runs: int) -> None:
    """One round: a warm-up and ``runs`` timed runs of every figure, a new session each."""
    for name, parts in steps(bench).items():
        figure = figures[name]
        times: list[float] = []
        split: dict[str, list[float]] = {}
        count = max(3, runs // 4) if name in SLOW else runs
        for run in range(count + 1):
            state: dict[str, Any] = {}
            async with bench.factory() as session:
                total = 0.0
                for part, step in parts:
                    started = time.perf_counter()
                    await step(session, state)
                    elapsed = time.perf_counter() - started
                    if part == "setup":
                        continue
                    total += elapsed
                    if run > 0:
                        split.setdefault(part, []).append(elapsed)
                await session.rollback()
            if run > 0:
                times.append(total)
        figure.rounds.append(times)
        figure.parts.append(split)


def best_round(rounds: list[list[float]]) -> int:
    medians = [statistics.median(r) for r in rounds]
    return medians.index(min(medians))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- profiles ----------------------------------------------------------------------------------


@dataclass
class Statements:
    """The SQL statements of a call, slowest first, for EXPLAIN."""

    seen: list[tuple[float, str, Any]] = field(default_factory=list)
    on: bool = False

    def listen(self, engine: AsyncEngine) -> None:
        def before(conn: Any, _cursor: Any, *_args: Any) -> None:
            conn.info["chain_started"] = time.perf_counter()

        def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            started = conn.info.pop("chain_started", None)
            if self.on and started is not None:
                self.seen.append((time.perf_counter() - started, statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)


async def profile(bench: Bench, engine: AsyncEngine, db: str, out: Path) -> list[str]:
    """cProfile of one run of each target figure, the wrapped calls' wall and SQL time, and
    the query plans of the three slowest statements."""
    lines: list[str] = []
    phases = Phases()
    phases.listen(engine)
    for name in (
        "filings_as_of",
        "comment_counts",
        "place_counts",
        "latest_comments",
        "_add_comments",
    ):
        phases.wrap(services.consolidated, name)
    statements = Statements()
    statements.listen(engine)
    all_steps = steps(bench)
    for name in ("ward draft", "city letter docx"):
        phases.on = statements.on = True
        profiler = cProfile.Profile()
        state: dict[str, Any] = {}
        async with bench.factory() as session:
            profiler.enable()
            for _part, step in all_steps[name]:
                await step(session, state)
            profiler.disable()
            await session.rollback()
        phases.on = statements.on = False
        slug = name.replace(" ", "-")
        path = out / f"chain-{db}-{slug}.prof.txt"
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(40)
        path.write_text(buffer.getvalue())
        lines.append(f"{db} · {name}: cProfile → {path}")
        for function in sorted(phases.wall, key=lambda f: -phases.wall[f]):
            sql = phases.sql.get(function, 0.0)
            lines.append(
                f"  {function}: {phases.calls[function]} calls, "
                f"{phases.wall[function] * 1000:.1f} ms, SQL {sql * 1000:.1f} ms "
                f"in {phases.statements.get(function, 0)} statements"
            )
        for table in (phases.wall, phases.sql, phases.calls, phases.statements):
            table.clear()
        slowest = sorted(statements.seen, key=lambda s: -s[0])[:3]
        statements.seen.clear()
        for seconds, statement, parameters in slowest:
            lines.append(f"  {seconds * 1000:.1f} ms: {' '.join(statement.split())[:160]} …")
            lines += [f"    {line}" for line in await explain(engine, statement, parameters)]
    return lines


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql(prefix + statement, parameters)
        rows = result.all()
    lines = [str(row[-1] if engine.dialect.name == "sqlite" else row[0]) for row in rows]
    return [line if len(line) < 160 else line[:157] + "…" for line in lines]


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Database:
    name: str
    figures: dict[str, Figure] = field(default_factory=dict)
    chain: Chain | None = None
    checks: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)


async def run(db: Database, args: argparse.Namespace, directory: Path) -> None:
    size = Size(args.cells, args.wards, WEEKS, args.comments)
    reuse = False
    if args.reuse:
        url = (
            f"sqlite+aiosqlite:///{directory / 'chain.db'}"
            if db.name == "sqlite"
            else await databases.ensure_postgres(PG_DATABASE)
        )
        reuse = await signed_before(url)
    if not reuse:
        url = await fresh_database(db.name, directory)
        console.print(
            f"{db.name}: seeding {args.cells:,} cells in {args.wards} wards × {WEEKS} weeks, "
            f"{args.comments:,} comments"
        )
        seeded = await seed_city(url, size)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    i18n = build_i18n("vi")
    try:
        with i18n.context(), i18n.use_locale("vi"):
            if reuse:
                chain = db.chain = await load_chain(factory)
                console.print(f"{db.name}: reusing {chain.signatures} signatures")
            else:
                chain = db.chain = await make_chain(factory)
                chain.seconds = {f"seed: {k}": v for k, v in seeded.seconds.items()}
                console.print(f"{db.name}: {len(chain.wards)} wards sign {WEEKS} weeks …")
                started = time.perf_counter()
                await sign_all(factory, chain)
                chain.seconds["signing, all"] = time.perf_counter() - started
                await settle(engine, db.name)
            started = time.perf_counter()
            db.checks = await check(factory, chain)
            chain.seconds["check"] = time.perf_counter() - started
            bench = Bench(factory, chain, args.runs)
            await prepare_bench(bench)
            db.figures = {
                name: Figure(name, target=limit, baseline=base)
                for name, (base, limit) in FIGURES.items()
            }
            for number in range(args.rounds):
                console.print(f"{db.name}: round {number + 1}/{args.rounds} (load {load()})")
                await measure(bench, db.figures, args.runs)
            if args.profile:
                db.profile = await profile(bench, engine, db.name, Path(tempfile.gettempdir()))
    finally:
        await engine.dispose()


async def settle(engine: AsyncEngine, name: str) -> None:
    """After the signatures: SQLite folds its WAL in; PostgreSQL gets the ANALYZE that
    autovacuum would run after so many new rows."""
    if name == "sqlite":
        async with engine.connect() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return
    async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        await conn.execute(text("VACUUM ANALYZE"))


def load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def print_figures(dbs: list[Database], runs: int, rounds: int) -> None:
    table = Table(
        title=f"The chain: median and p95 of {runs} runs per round (the old-style city: "
        f"{max(3, runs // 4)}), best round of {rounds}; spread = the rounds' medians"
    )
    for name in ("db", "figure", "median ms", "p95 ms", "spread ms", "parts (median ms)"):
        table.add_column(name, justify="left" if name in ("db", "figure") else "right")
    table.add_column("× baseline", justify="right")
    table.add_column("target")
    for db in dbs:
        # Each figure's best round: the one with the lowest median.
        index = {name: best_round(f.rounds) for name, f in db.figures.items() if f.rounds}
        best = {name: db.figures[name].rounds[n] for name, n in index.items()}
        for name, figure in db.figures.items():
            if name not in best:
                continue
            chosen = best[name]
            medians = [statistics.median(r) for r in figure.rounds]
            median = statistics.median(chosen)
            ratio = ""
            if figure.baseline in best:
                ratio = f"{median / statistics.median(best[figure.baseline]):.2f}×"
            verdict = ""
            if figure.target is not None:
                met = median < figure.target and p95(chosen) < figure.target
                verdict = f"< {figure.target:g} s: " + (
                    "[green]met[/]" if met else "[red]NOT MET[/]"
                )
            split = figure.parts[index[name]]
            parts = ""
            if len(split) > 1:
                parts = " + ".join(
                    f"{part} {ms(statistics.median(values))}" for part, values in split.items()
                )
            table.add_row(
                db.name,
                name + (f" (vs {figure.baseline})" if figure.baseline else ""),
                ms(median),
                ms(p95(chosen)),
                f"{ms(min(medians))}–{ms(max(medians))}",
                parts,
                ratio,
                verdict,
            )
        chain = db.chain
        if chain is not None and chain.signing:
            table.add_row(
                db.name,
                f"sign (draft, store, 3 files) × {chain.signatures}",
                ms(statistics.median(chain.signing)),
                ms(p95(chain.signing)),
                "",
                f"files {ms(statistics.median(chain.rendering))}",
                "",
                "",
            )
        table.add_section()
    console.print(table)


def print_setup(dbs: list[Database]) -> None:
    for db in dbs:
        if db.chain is None:
            continue
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in db.chain.seconds.items())
        console.print(f"[b]{db.name}[/]: {seconds}")
        console.print(
            f"  {db.chain.signatures} signatures, {db.chain.unsigned} ward-weeks never signed"
        )
        for line in db.checks:
            console.print(f"  [green]✓[/] {line}")
        for line in db.profile:
            console.print(f"  {line}", markup=False, highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--cells", type=int, default=CELLS, help="cells in the city")
    parser.add_argument("--wards", type=int, default=WARDS, help="wards (cells split evenly)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per figure and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every figure")
    parser.add_argument(
        "--comments", type=int, default=1_000_000, help="citizens' comments in the campaign"
    )
    parser.add_argument("--dir", type=Path, help="keep the SQLite file here (default: temp)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database signed by an earlier run (with --dir for SQLite)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile, SQL per call and query plans"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    dbs = [Database("sqlite")] + ([] if args.sqlite_only else [Database("postgresql")])
    with tempfile.TemporaryDirectory(prefix="gopy-bench-chain-") as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        for db in dbs:
            asyncio.run(run(db, args, directory))
    print_setup(dbs)
    print_figures(dbs, args.runs, args.rounds)
    console.print(f"[dim]bench took {time.perf_counter() - started:.0f} s, load {load()}[/]")


if __name__ == "__main__":
    main()
