"""The consolidated report at city scale: 10,000 cells × 5 weeks and 1,000,000 comments.

    .venv/bin/python -m tests.bench.consolidated [--cells N] [--wards N] [--weeks N]
        [--comments N] [--runs N] [--postgres] [--no-sqlite] [--dir DIR] [--reuse]
        [--profile SCENARIO]

A city of ``--wards`` wards of ``--cells / --wards`` cells each (one of them is Ngọc Hà, the
ward under test), a secretary per cell, the city's campaign with the default form and a cell
deadline on Wednesday 17:00, ``--weeks`` weekly periods with reports from about 90 % of the
cells (some late, a few amended after the deadline), and ``--comments`` citizens' comments
over the weeks, documents and sections. Seeding (bulk inserts) is timed apart.

Every scenario then runs in a fresh process, so its peak resident memory is its own: a
warm-up call and ``--runs`` timed ones of ``consolidate`` and ``render_report``, split into
the two parts, against plain queries and empty files as baselines; then one more call under
tracemalloc for the peak of Python allocations.

Nothing is asserted: figures are printed against their targets. See ``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document as new_docx
from openpyxl import Workbook
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel, col

import bot.report_files
import services.consolidated
from bot.i18n import build_i18n
from bot.report_files import ReportFormat, render_report
from services.consolidated import consolidate, weeks_of
from storage.codes import ALPHABET
from storage.database import create_engine, create_session_factory
from storage.letterheads import default_letterhead
from storage.migrate import upgrade
from storage.models import (
    Campaign,
    Comment,
    CommentStatus,
    Period,
    Person,
    Report,
    ReportRevision,
    RoleKind,
    Unit,
    UnitLevel,
)
from storage.reports import ensure_period
from tests import databases
from tests.seed import seed_ward

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_DATABASE = "gopy_bench_consolidated"
# The campaign opens on Thursday 16/10/2025; its weeks end on Wednesdays at 17:00.
CAMPAIGN_START = datetime(2025, 10, 16, 0, 0, tzinfo=TZ)
FIRST_DEADLINE = datetime(2025, 10, 22, 17, 0, tzinfo=TZ)
WEEK = timedelta(days=7)
# The weekly reports are made on the Friday morning after the deadline; the final report a
# week after the campaign's end.
WEEKLY_AS_OF = timedelta(hours=40)
FINAL_AS_OF = timedelta(days=7)
CHUNK = 10_000
FIRST_SECRETARY = 5_000_000
FIRST_CITIZEN = 9_000_000
CITIZENS = 5_000
WARD_UNDER_TEST = "NGOCHA"
TARGET_WARD_DOCX_S = 0.5
TARGET_CITY_XLSX_S = 3.0
TARGET_PEAK_MB = 500
MIB = 1024 * 1024
TABLES = SQLModel.metadata.tables

console = Console(width=None if sys.stdout.isatty() else 130)


# --- Vietnamese words for the seed -------------------------------------------------------------

WARD_NAMES = (
    "Ba Đình", "Giảng Võ", "Hoàn Kiếm", "Cửa Nam", "Phú Thượng", "Hồng Hà", "Tây Hồ", "Bồ Đề",
    "Việt Hưng", "Phúc Lợi", "Long Biên", "Cầu Giấy", "Nghĩa Đô", "Yên Hòa", "Ô Chợ Dừa",
    "Láng", "Văn Miếu - Quốc Tử Giám", "Kim Liên", "Đống Đa", "Hai Bà Trưng", "Vĩnh Tuy",
    "Bạch Mai", "Vĩnh Hưng", "Định Công", "Tương Mai", "Lĩnh Nam", "Hoàng Mai", "Hoàng Liệt",
    "Yên Sở", "Phương Liệt", "Khương Đình", "Thanh Xuân", "Hà Đông", "Dương Nội", "Yên Nghĩa",
    "Phú Lương", "Kiến Hưng", "Tây Mỗ", "Đại Mỗ", "Từ Liêm", "Xuân Phương", "Tây Tựu",
    "Phú Diễn", "Xuân Đỉnh", "Đông Ngạc", "Thượng Cát", "Sơn Tây", "Tùng Thiện", "Thanh Liệt",
    "Chương Mỹ",
)  # fmt: skip
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Thu", "Xuân")
GIVEN = (
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh",
    "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Tuấn",
)  # fmt: skip
LEADERSHIP = (
    "Chi ủy họp triển khai, phân công đảng viên phụ trách từng tổ dân phố.",
    "Chi bộ tổ chức sinh hoạt chuyên đề, quán triệt kế hoạch lấy ý kiến của Đảng ủy phường.",
    "Bí thư chi bộ trực tiếp chỉ đạo, giao tổ trưởng tổng hợp ý kiến hằng tuần.",
    "Lồng ghép việc lấy ý kiến vào buổi sinh hoạt định kỳ và họp tổ dân phố.",
    "Phân công đảng viên cao tuổi đến từng hộ phát tài liệu và ghi nhận ý kiến.",
)
HIGHLIGHTS = (
    "Nhiều ý kiến về phòng, chống tham nhũng, lãng phí.",
    "Người dân quan tâm đến chuyển đổi số và cải cách thủ tục hành chính.",
    "Cựu chiến binh đề nghị làm rõ trách nhiệm người đứng đầu.",
    "Ý kiến tập trung vào an sinh xã hội, y tế và giáo dục ở cơ sở.",
    "Đoàn viên thanh niên góp ý về khởi nghiệp, việc làm cho người trẻ.",
    "Hội phụ nữ đề nghị quan tâm hơn đến bình đẳng giới.",
)
EXPECTATIONS = (
    "Mong dự thảo nói rõ hơn về chuyển đổi số.",
    "Đề nghị bổ sung chính sách nhà ở cho công nhân và người thu nhập thấp.",
    "Mong có giải pháp cụ thể giảm ùn tắc giao thông và ô nhiễm không khí.",
    "Đề xuất tăng cường đối thoại giữa chính quyền và nhân dân.",
    "Kiến nghị đơn giản hóa thủ tục đất đai, cấp sổ đỏ.",
)
DIFFICULTIES = (
    "Một số hộ đi làm cả ngày, khó gặp để lấy ý kiến.",
    "Tài liệu in còn ít, đề nghị phường cấp thêm.",
    "Người cao tuổi khó dùng Zalo, cần hướng dẫn trực tiếp.",
)
COMMENT_SENTENCES = (
    "Đề nghị bổ sung nội dung về chuyển đổi số trong công tác quản lý nhà nước ở cơ sở.",
    "Cần làm rõ hơn vai trò của Mặt trận Tổ quốc trong giám sát và phản biện xã hội.",
    "Tôi thống nhất với dự thảo, đề nghị nhấn mạnh phát triển kinh tế tư nhân.",
    "Phần đánh giá hạn chế còn chung chung, nên nêu nguyên nhân chủ quan cụ thể hơn.",
    "Kiến nghị quan tâm hơn đến an sinh xã hội, nhà ở cho công nhân và người thu nhập thấp.",
    "Đề nghị có cơ chế bảo vệ cán bộ dám nghĩ, dám làm, dám chịu trách nhiệm.",
    "Nên đưa mục tiêu giảm ô nhiễm không khí ở các đô thị lớn vào nhiệm vụ trọng tâm.",
)
PROPAGANDA = ("meetings", "loudspeakers", "social", "website", "banners", "leaflets", "other")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


ORDERED = "".join(sorted(ALPHABET))


def code(n: int, salt: int | None = None) -> str:
    """Six characters of the receipt alphabet, distinct for distinct ``n``: scrambled by
    ``salt`` (a bijection), or without one in the order of ``n`` (so that 1,000,000 receipts
    go in at the end of their unique index: seeding is faster, and no query here reads it)."""
    space = len(ALPHABET) ** 6
    value = n if salt is None else (n * 2_654_435_761 + salt) % space  # 2654435761 ⊥ 29
    chars = []
    for _ in range(6):
        value, digit = divmod(value, len(ORDERED))
        chars.append(ORDERED[digit])
    return "".join(reversed(chars))


def report_values(rng: random.Random) -> dict[str, Any]:
    return {
        "leadership": " ".join(rng.sample(LEADERSHIP, rng.randint(1, 2))),
        "propaganda": sorted(rng.sample(PROPAGANDA, rng.randint(1, 4))),
        "news_count": rng.randint(0, 30),
        "meetings_count": rng.randint(0, 6),
        "participants_count": rng.randint(0, 20) * rng.randint(5, 40),
        "letters_count": rng.randint(0, 120),
        "highlights": " ".join(rng.sample(HIGHLIGHTS, rng.randint(1, 2))),
        "expectations": " ".join(rng.sample(EXPECTATIONS, rng.randint(1, 2))),
        "difficulties": rng.choice(DIFFICULTIES) if rng.random() < 0.3 else None,
    }


# --- seeding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    cells: int
    wards: int
    weeks: int
    comments: int

    @property
    def cells_per_ward(self) -> int:
        return max(2, self.cells // self.wards)

    @property
    def ends_at(self) -> datetime:
        return FIRST_DEADLINE + (self.weeks - 1) * WEEK


@dataclass
class Seeded:
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


async def insert_chunks(engine: AsyncEngine, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    """Core INSERTs of ``rows`` in chunks, one transaction each (the WAL stays small)."""
    done = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            async with engine.begin() as conn:
                await conn.execute(insert(table), chunk)
            done += len(chunk)
            chunk = []
    if chunk:
        async with engine.begin() as conn:
            await conn.execute(insert(table), chunk)
        done += len(chunk)
    return done


async def insert_fast(engine: AsyncEngine, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    """Many rows without SQLAlchemy's per-row work: each value through its column type's own
    bind processor (the stored form is the same), then one ``executemany`` (SQLite) or one
    ``COPY`` (PostgreSQL) per chunk."""
    dialect = engine.dialect
    done = 0
    names: list[str] = []
    processors: list[Any] = []
    while chunk := list(itertools.islice(rows, CHUNK)):
        if not names:
            names = list(chunk[0])
            processors = [table.c[name].type.bind_processor(dialect) for name in names]
        records = [
            tuple(
                value if process is None else process(value)
                for value, process in zip(map(row.__getitem__, names), processors, strict=True)
            )
            for row in chunk
        ]
        async with engine.begin() as conn:
            if dialect.name == "sqlite":
                quoted = ", ".join(f'"{name}"' for name in names)
                marks = ", ".join("?" * len(names))
                await conn.exec_driver_sql(
                    f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", records
                )
            else:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                await driver.copy_records_to_table(table.name, records=records, columns=names)
        done += len(records)
    return done


def big_cache(dbapi_connection: Any, _record: Any) -> None:
    """A bigger SQLite page cache while seeding (the index inserts of 1,000,000 comments)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


async def seed_city(url: str, size: Size) -> Seeded:
    rng = random.Random(14)
    seeded = Seeded()
    engine = create_engine(url)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", big_cache)
    started = time.perf_counter()
    try:
        # The city, Ngọc Hà and its campaign (tests.seed), run by the city for these weeks.
        async with create_session_factory(engine)() as session:
            base = await seed_ward(session)
            ward, campaign = base.ward, base.campaign
            assert ward.parent_id is not None and ward.id is not None
            city_id, ward_id = ward.parent_id, ward.id
            campaign.unit_id = city_id
            campaign.starts_at = CAMPAIGN_START.astimezone(UTC)
            campaign.ends_at = size.ends_at.astimezone(UTC)
            for number, cell in enumerate(base.cells, 1):
                cell.code = f"{WARD_UNDER_TEST}-CB{number:03d}"
            session.add_all([campaign, *base.cells])
            await session.flush()
            periods = [
                await ensure_period(
                    session=session,
                    campaign=campaign,
                    level=UnitLevel.CELL,
                    starts_at=window.starts_at,
                    deadline_at=window.deadline_at,
                )
                for window in await weeks_of(session=session, unit=ward, campaign=campaign)
            ]
            assert len(periods) == size.weeks, (len(periods), size.weeks)
            # (document, section): the campaign as a whole, then each document and its sections.
            targets: list[tuple[int | None, int | None]] = [(None, None)]
            for document in base.documents:
                targets.append((document.id, None))
                targets += [
                    (document.id, s.id) for s in base.sections if s.document_id == document.id
                ]
            campaign_id = campaign.id
            await session.commit()
        assert campaign_id is not None

        units = TABLES["unit"]
        await insert_chunks(
            engine,
            units,
            (
                {
                    "code": f"W{w:03d}",
                    "name": f"Đảng ủy phường {WARD_NAMES[(w - 1) % len(WARD_NAMES)]}"
                    + (f" {(w - 1) // len(WARD_NAMES) + 1}" if w > len(WARD_NAMES) else ""),
                    "level": UnitLevel.WARD,
                    "parent_id": city_id,
                }
                for w in range(1, size.wards)
            ),
        )
        async with engine.connect() as conn:
            others = await conn.execute(
                select(col(Unit.id))
                .where(col(Unit.level) == UnitLevel.WARD, col(Unit.id) != ward_id)
                .order_by(col(Unit.id))
            )
            wards = [ward_id, *others.scalars()]
            codes = dict(
                (await conn.execute(select(col(Unit.id), col(Unit.code)).where(
                    col(Unit.level) == UnitLevel.WARD
                ))).all()
            )  # fmt: skip

        def cells() -> Iterator[dict[str, Any]]:
            for ward_index, parent in enumerate(wards):
                first = 3 if ward_index == 0 else 1  # Ngọc Hà has its two seeded cells
                for number in range(first, size.cells_per_ward + 1):
                    yield {
                        "code": f"{codes[parent]}-CB{number:03d}",
                        "name": f"Chi bộ Tổ dân phố số {number}",
                        "level": UnitLevel.CELL,
                        "parent_id": parent,
                    }

        await insert_chunks(engine, units, cells())
        async with engine.connect() as conn:
            cell_rows = (
                await conn.execute(
                    select(col(Unit.id), col(Unit.parent_id))
                    .where(col(Unit.level) == UnitLevel.CELL)
                    .order_by(col(Unit.id))
                )
            ).all()
        created = CAMPAIGN_START.astimezone(UTC) - timedelta(days=10)
        await insert_chunks(
            engine,
            TABLES["person"],
            (
                {
                    "channel": "telegram",
                    "external_id": str(FIRST_SECRETARY + i),
                    "full_name": person_name(rng),
                    "created_at": created,
                }
                for i in range(len(cell_rows))
            ),
        )
        await insert_chunks(
            engine,
            TABLES["person"],
            (
                {
                    "channel": "zalo" if i % 3 else "telegram",
                    "external_id": str(FIRST_CITIZEN + i),
                    "full_name": person_name(rng),
                    "created_at": created,
                }
                for i in range(CITIZENS)
            ),
        )
        async with engine.connect() as conn:
            people: dict[str, int] = {
                external: person
                for external, person in (
                    await conn.execute(select(col(Person.external_id), col(Person.id)))
                ).all()
                if person is not None
            }
        secretary = {cell.id: people[str(FIRST_SECRETARY + i)] for i, cell in enumerate(cell_rows)}
        await insert_chunks(
            engine,
            TABLES["role"],
            (
                {
                    "person_id": person,
                    "unit_id": unit,
                    "kind": RoleKind.SECRETARY,
                    "active": True,
                    "granted_at": created,
                }
                for unit, person in secretary.items()
            ),
        )
        seeded.counts["units"] = 1 + len(wards) + len(cell_rows)
        seeded.counts["cells"] = len(cell_rows)
        seeded.counts["people"] = len(people)
        seeded.seconds["units, people, roles"] = time.perf_counter() - started

        started = time.perf_counter()
        reports = revisions = 0
        for number, period in enumerate(periods):
            assert period.id is not None
            report_rows, revision_rows = plan_reports(
                rng, period, [c.id for c in cell_rows], secretary, salt=number
            )
            reports += await insert_chunks(engine, TABLES["report"], iter(report_rows))
            async with engine.connect() as conn:
                ids = dict(
                    (
                        await conn.execute(
                            select(col(Report.unit_id), col(Report.id)).where(
                                col(Report.period_id) == period.id
                            )
                        )
                    ).all()
                )
            for row in revision_rows:
                row["report_id"] = ids[row.pop("unit_id")]
            revisions += await insert_chunks(engine, TABLES["reportrevision"], iter(revision_rows))
        seeded.counts["reports"] = reports
        seeded.counts["revisions"] = revisions
        seeded.seconds["reports, revisions"] = time.perf_counter() - started

        started = time.perf_counter()
        citizens = [people[str(FIRST_CITIZEN + i)] for i in range(CITIZENS)]
        seeded.counts["comments"] = await insert_fast(
            engine,
            TABLES["comment"],
            plan_comments(rng, size, campaign_id, targets, citizens),
        )
        seeded.seconds["comments (executemany / COPY)"] = time.perf_counter() - started

        started = time.perf_counter()
        await settle(engine, url)
        seeded.seconds["checkpoint / VACUUM ANALYZE"] = time.perf_counter() - started
    finally:
        await engine.dispose()
    return seeded


def plan_reports(
    rng: random.Random,
    period: Period,
    cells: list[Any],
    secretary: dict[Any, int],
    *,
    salt: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """~90 % of the cells file: ~8 % of them late; ~3 % amend after the deadline, ~5 % before."""
    start, deadline = period.starts_at, period.deadline_at
    reports: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for n, unit in enumerate(cells):
        if rng.random() < 0.10:
            continue
        late = rng.random() < 0.08
        if late:
            first = deadline + timedelta(minutes=rng.randint(60, 44 * 60))
        else:
            first = start + (deadline - start) * rng.uniform(0.3, 0.999)
        times = [first]
        if rng.random() < 0.03:
            times.append(max(first, deadline) + timedelta(minutes=rng.randint(120, 30 * 60)))
        elif not late and rng.random() < 0.05:
            times.append(first + (deadline - first) * rng.uniform(0.1, 0.9))
        reports.append(
            {
                "period_id": period.id,
                "unit_id": unit,
                "receipt": "BC-" + code(salt * 1_000_000 + n, 7),
                "first_submitted_at": first,
                "last_submitted_at": times[-1],
                "on_time": not late,
                "revisions": len(times),
            }
        )
        values = report_values(rng)
        for number, moment in enumerate(times, 1):
            if number > 1:
                values = {**values, "news_count": values["news_count"] + rng.randint(1, 5)}
            revisions.append(
                {
                    "unit_id": unit,
                    "number": number,
                    "values": values,
                    "submitted_by_id": secretary[unit],
                    "submitted_at": moment,
                    "late": moment > deadline,
                    "channel": "zalo" if n % 4 == 0 else "telegram",
                }
            )
    return reports, revisions


STATUSES = (
    (0.95, CommentStatus.RECEIVED),
    (0.97, CommentStatus.HIDDEN),
    (0.985, CommentStatus.SPAM),
    (1.0, CommentStatus.WITHDRAWN),
)
# Where comments go: the campaign as a whole, the first document, its sections, the second.
TARGET_WEIGHTS = (0.10, 0.20, 0.25, 0.20, 0.25)


def plan_comments(
    rng: random.Random,
    size: Size,
    campaign_id: int,
    targets: list[tuple[int | None, int | None]],
    citizens: list[int],
) -> Iterator[dict[str, Any]]:
    """``size.comments`` comments in the order they arrive, evenly over the campaign."""
    start = CAMPAIGN_START.astimezone(UTC)
    span = (size.ends_at - CAMPAIGN_START).total_seconds()
    weights = list(TARGET_WEIGHTS[: len(targets)])
    for n in range(size.comments):
        created = start + timedelta(seconds=span * (n + rng.random()) / size.comments)
        document_id, section_id = rng.choices(targets, weights)[0]
        draw = rng.random()
        status = next(s for bound, s in STATUSES if draw < bound)
        words = " ".join(rng.sample(COMMENT_SENTENCES, rng.randint(1, 3)))
        named = rng.random() < 0.2
        yield {
            "receipt": "YK-" + code(n),
            "campaign_id": campaign_id,
            "document_id": document_id,
            "section_id": section_id,
            "person_id": rng.choice(citizens),
            "text": words,
            "anonymous": not named,
            "author_name": person_name(rng) if named else None,
            "phone": f"09{rng.randrange(10**8):08d}" if named and n % 2 else None,
            "channel": "zalo" if n % 3 else "telegram",
            "fingerprint": hashlib.sha256(f"{words}\x00{n}".encode()).hexdigest(),
            "created_at": created,
            "status": status,
            "status_changed_at": (
                None if status is CommentStatus.RECEIVED else created + timedelta(hours=5)
            ),
        }


async def settle(engine: AsyncEngine, url: str) -> None:
    """SQLite: fold the WAL into the file. PostgreSQL: VACUUM ANALYZE, as autovacuum would
    after a bulk load. (gopy never runs ANALYZE on SQLite, so neither does the seed.)"""
    if url.startswith("sqlite"):
        async with engine.connect() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with autocommit.connect() as conn:
        await conn.execute(text("VACUUM ANALYZE"))


async def seeded_size(url: str) -> dict[str, int] | None:
    """What a database seeded earlier holds, or None if it has no seeded city."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            campaign = await conn.scalar(
                select(col(Campaign.id)).where(col(Campaign.code) == "dh14")
            )
            if campaign is None:
                return None
            cells = await conn.scalar(
                select(func.count()).where(col(Unit.level) == UnitLevel.CELL)
            )
            wards = await conn.scalar(
                select(func.count()).where(col(Unit.level) == UnitLevel.WARD)
            )
            weeks = await conn.scalar(select(func.count()).select_from(Period))
            comments = await conn.scalar(select(func.count()).select_from(Comment))
    except Exception:
        return None
    finally:
        await engine.dispose()
    return {
        "cells": int(cells or 0),
        "wards": int(wards or 0),
        "weeks": int(weeks or 0),
        "comments": int(comments or 0),
    }


# --- the child: one scenario in its own process -------------------------------------------------


@dataclass
class Phases:
    """Wall and SQL time per wrapped function; SQL is the time in the driver's execute."""

    stack: list[str] = field(default_factory=list)
    wall: dict[str, float] = field(default_factory=dict)
    sql: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    statements: dict[str, int] = field(default_factory=dict)
    on: bool = False

    def add(self, table: dict[str, Any], name: str, value: float) -> None:
        if self.on:
            table[name] = table.get(name, 0) + value

    def listen(self, engine: AsyncEngine) -> None:
        def before(conn: Any, *_args: Any) -> None:
            conn.info["bench_started"] = time.perf_counter()

        def after(conn: Any, *_args: Any) -> None:
            elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            where = self.stack[-1] if self.stack else "other"
            self.add(self.sql, where, elapsed)
            self.add(self.statements, where, 1)

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)

    def wrap(self, module: ModuleType, name: str) -> None:
        """Time ``module.name`` (a function or coroutine function) under its name."""
        original = getattr(module, name)
        if asyncio.iscoroutinefunction(original):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                self.stack.append(name)
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    self.stack.pop()
                    self.add(self.wall, name, time.perf_counter() - started)
                    self.add(self.calls, name, 1)

            setattr(module, name, timed_async)
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append(name)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.stack.pop()
                self.add(self.wall, name, time.perf_counter() - started)
                self.add(self.calls, name, 1)

        setattr(module, name, timed)


@dataclass
class Context:
    factory: Callable[[], AsyncSession]
    city: Unit
    ward: Unit
    campaign: Campaign
    week: date
    week_as_of: datetime
    final_as_of: datetime
    period_id: int
    today: date


Part = Callable[[Context, dict[str, Any]], Awaitable[None]]


def report_parts(unit: str, week: bool, fmt: ReportFormat) -> list[tuple[str, Part]]:
    """``consolidate`` then ``render_report``: the report is handed from one to the other."""

    async def build(ctx: Context, state: dict[str, Any]) -> None:
        target = ctx.city if unit == "city" else ctx.ward
        async with ctx.factory() as session:
            state["report"] = await consolidate(
                session=session,
                unit=target,
                campaign=ctx.campaign,
                week=ctx.week if week else None,
                as_of=ctx.week_as_of if week else ctx.final_as_of,
            )

    async def render(ctx: Context, state: dict[str, Any]) -> None:
        report = state.pop("report")
        letterhead = default_letterhead(report.unit, None if unit == "city" else ctx.city)
        data = render_report(report, fmt, letterhead=letterhead, today=ctx.today)
        state["bytes"] = len(data)
        state["facts"] = {
            "filings": len(report.filings),
            "rows": len(report.rows),
            "comments": report.comments_total,
        }

    return [("consolidate", build), (f"render {fmt}", render)]


async def count_comments(ctx: Context, state: dict[str, Any]) -> None:
    async with ctx.factory() as session:
        count = await session.scalar(
            select(func.count()).where(col(Comment.campaign_id) == ctx.campaign.id)
        )
    state["facts"] = {"comments": int(count or 0)}


async def week_revisions(ctx: Context, ward: bool) -> list[Any]:
    """Every revision of the week of the ward's cells (or the city's): a plain join, the JSON
    values decoded, no "latest as of" and no units without a report."""
    cell = aliased(Unit)
    query = (
        select(
            col(cell.name),
            col(ReportRevision.number),
            col(ReportRevision.submitted_at),
            col(ReportRevision.values),
        )
        .join(Report, col(Report.id) == col(ReportRevision.report_id))
        .join(cell, col(cell.id) == col(Report.unit_id))
        .where(col(Report.period_id) == ctx.period_id)
    )
    if ward:
        query = query.where(col(cell.parent_id) == ctx.ward.id)
    async with ctx.factory() as session:
        return list((await session.execute(query)).all())


async def ward_revisions(ctx: Context, state: dict[str, Any]) -> None:
    state["facts"] = {"revisions": len(await week_revisions(ctx, ward=True))}


async def city_revisions(ctx: Context, state: dict[str, Any]) -> None:
    state["rows"] = await week_revisions(ctx, ward=False)
    state["facts"] = {"revisions": len(state["rows"])}


async def plain_xlsx(_ctx: Context, state: dict[str, Any]) -> None:
    """The revisions as they are in one write-only openpyxl sheet: no styles, no headings."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Trả lời")
    for name, number, submitted_at, values in state.pop("rows"):
        answers = (", ".join(v) if isinstance(v, list) else v for v in values.values())
        sheet.append([name, number, submitted_at.replace(tzinfo=None), *answers])
    out = io.BytesIO()
    workbook.save(out)
    state["bytes"] = out.tell()


async def empty_docx(_ctx: Context, state: dict[str, Any]) -> None:
    out = io.BytesIO()
    new_docx().save(out)
    state["bytes"] = out.tell()


async def empty_xlsx(_ctx: Context, state: dict[str, Any]) -> None:
    workbook = Workbook(write_only=True)
    workbook.create_sheet("Tổng hợp")
    out = io.BytesIO()
    workbook.save(out)
    state["bytes"] = out.tell()


SCENARIOS: dict[str, Callable[[], list[tuple[str, Part]]]] = {
    "ward week docx": lambda: report_parts("ward", True, "docx"),
    "ward week xlsx": lambda: report_parts("ward", True, "xlsx"),
    "ward final docx": lambda: report_parts("ward", False, "docx"),
    "city week xlsx": lambda: report_parts("city", True, "xlsx"),
    "city week csv": lambda: report_parts("city", True, "csv"),
    "city week docx": lambda: report_parts("city", True, "docx"),
    "count(*) comments": lambda: [("query", count_comments)],
    "ward's week revisions": lambda: [("query", ward_revisions)],
    "city's week revisions": lambda: [("query", city_revisions), ("plain xlsx", plain_xlsx)],
    "empty docx": lambda: [("save", empty_docx)],
    "empty xlsx": lambda: [("save", empty_xlsx)],
}
# What a part is compared with: the plain thing it does more than.
BASELINES = {
    ("ward week docx", "consolidate"): ("ward's week revisions", "query"),
    ("ward week xlsx", "consolidate"): ("ward's week revisions", "query"),
    ("ward week docx", "render docx"): ("empty docx", "save"),
    ("ward final docx", "render docx"): ("empty docx", "save"),
    ("city week docx", "render docx"): ("empty docx", "save"),
    ("ward week xlsx", "render xlsx"): ("empty xlsx", "save"),
    ("city week xlsx", "consolidate"): ("city's week revisions", "query"),
    ("city week csv", "consolidate"): ("city's week revisions", "query"),
    ("city week docx", "consolidate"): ("city's week revisions", "query"),
    ("city week xlsx", "render xlsx"): ("city's week revisions", "plain xlsx"),
}
# Left out by default (no target, and each takes as long as a city report): --only adds them.
EXTRA = ("city week docx",)
TARGETS = {
    "ward week docx": ("total < 0.5 s", TARGET_WARD_DOCX_S),
    "city week xlsx": ("total < 3 s", TARGET_CITY_XLSX_S),
}


async def load_context(url: str) -> tuple[AsyncEngine, Context]:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session:
        city = (await session.execute(select(Unit).where(col(Unit.code) == "HN"))).scalar_one()
        ward = (
            await session.execute(select(Unit).where(col(Unit.code) == WARD_UNDER_TEST))
        ).scalar_one()
        campaign = (
            await session.execute(select(Campaign).where(col(Campaign.code) == "dh14"))
        ).scalar_one()
        last = (
            await session.execute(
                select(Period)
                .where(col(Period.campaign_id) == campaign.id)
                .order_by(col(Period.deadline_at).desc())
                .limit(1)
            )
        ).scalar_one()
    assert last.id is not None
    deadline = last.deadline_at.astimezone(TZ)
    return engine, Context(
        factory=factory,
        city=city,
        ward=ward,
        campaign=campaign,
        week=deadline.date(),
        week_as_of=last.deadline_at + WEEKLY_AS_OF,
        final_as_of=campaign.ends_at + FINAL_AS_OF,
        period_id=last.id,
        today=(last.deadline_at + WEEKLY_AS_OF).astimezone(TZ).date(),
    )


def max_rss_kib() -> int:
    """The process's peak resident set. Linux's ``ru_maxrss`` survives ``exec``: a child of
    the seeding parent would start at the parent's peak, so read the peak of this very
    address space (``VmHWM``) where there is one."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def run_child(scenario: str, url: str, runs: int, profile: Path | None) -> dict[str, Any]:
    """Warm-up, ``runs`` timed calls, then one under tracemalloc; figures as a dict."""
    engine, ctx = await load_context(url)
    phases = Phases()
    phases.listen(engine)
    for name in (
        "filings_as_of",
        "comment_counts",
        "place_counts",
        "latest_comments",
        "documents_of",
        "form_of",
        "root_for",
        "ensure_period",
        "deadline_for",
    ):
        phases.wrap(services.consolidated, name)
    for name in ("letter", "workbook", "table_sheet", "render_letter", "write_xlsx", "write_csv"):
        phases.wrap(bot.report_files, name)
    parts = SCENARIOS[scenario]()
    i18n = build_i18n("vi")
    times: dict[str, list[float]] = {name: [] for name, _ in parts}
    state: dict[str, Any] = {}
    rss_start = max_rss_kib()
    try:
        with i18n.context(), i18n.use_locale("vi"):
            for run in range(runs + 1):  # the first one is the warm-up
                phases.on = run > 0
                for name, part in parts:
                    started = time.perf_counter()
                    await part(ctx, state)
                    times[name].append(time.perf_counter() - started)
            phases.on = False
            rss_peak = max_rss_kib()
            tracemalloc.start()
            for _name, part in parts:
                await part(ctx, state)
            _now, py_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            if profile is not None:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.001, async_mode="enabled")
                with profiler:
                    for _name, part in parts:
                        await part(ctx, state)
                output = profiler.output_text(unicode=True, show_all=False)
                await asyncio.to_thread(profile.write_text, output)
    finally:
        await engine.dispose()
    return {
        "scenario": scenario,
        "times": times,
        "bytes": state.get("bytes", 0),
        "facts": state.get("facts", {}),
        "rss_start_kib": rss_start,
        "rss_peak_kib": rss_peak,
        "py_peak_bytes": py_peak,
        "phases": {
            name: {
                "calls": phases.calls.get(name, 0) / runs,
                "wall": phases.wall.get(name, 0.0) / runs,
                "sql": phases.sql.get(name, 0.0) / runs,
                "statements": phases.statements.get(name, 0) / runs,
            }
            for name in sorted(set(phases.wall) | set(phases.sql))
        },
    }


def measure(scenario: str, url: str, runs: int, profile: Path | None) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "tests.bench.consolidated",
        "--child",
        scenario,
        "--url",
        url,
        "--runs",
        str(runs),
    ]
    if profile is not None:
        command += ["--profile-to", str(profile)]
    done = subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    if done.returncode != 0:
        console.print(done.stderr)
        raise SystemExit(f"scenario {scenario!r} failed")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


# --- the parent: seed, run the scenarios, print ------------------------------------------------


@dataclass
class Database:
    name: str
    url: str
    seeded: Seeded | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def prepare(db: Database, size: Size, reuse: bool) -> None:
    if reuse:
        found = await seeded_size(db.url)
        wanted = {
            "cells": size.wards * size.cells_per_ward,
            "wards": size.wards,
            "weeks": size.weeks,
            "comments": size.comments,
        }
        if found == wanted:
            console.print(f"{db.name}: reusing the seeded database ({found})")
            return
        console.print(f"{db.name}: the database holds {found}, seeding again")
    if db.name == "sqlite":
        remove_sqlite(Path(db.url.split("///", 1)[1]))
        await upgrade(db.url)
    else:
        db.url = await databases.ensure_postgres(PG_DATABASE)
        await databases.truncate_postgres(db.url)
    console.print(
        f"{db.name}: seeding {size.wards * size.cells_per_ward:,} cells × {size.weeks} weeks, "
        f"{size.comments:,} comments …"
    )
    db.seeded = await seed_city(db.url, size)
    for what, seconds in db.seeded.seconds.items():
        console.print(f"  {what}: {seconds:.1f} s")


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def print_seeding(dbs: list[Database]) -> None:
    table = Table(title="Seeding (bulk inserts, not part of the figures)")
    for name in ("db", "part", "s", "rows"):
        table.add_column(name, justify="right" if name in ("s", "rows") else "left")
    for db in dbs:
        if db.seeded is None:
            table.add_row(db.name, "reused", "—", "")
            continue
        counts = db.seeded.counts
        rows = {
            "units, people, roles": f"{counts['units']:,} units, {counts['people']:,} people",
            "reports, revisions": f"{counts['reports']:,} / {counts['revisions']:,}",
            "comments (executemany / COPY)": f"{counts['comments']:,}",
        }
        for what, seconds in db.seeded.seconds.items():
            table.add_row(db.name, what, f"{seconds:.1f}", rows.get(what, ""))
        table.add_row(db.name, "[b]total[/]", f"{sum(db.seeded.seconds.values()):.1f}", "")
    console.print(table)


def print_figures(dbs: list[Database], runs: int) -> None:
    table = Table(title=f"Consolidated reports: median and max of {runs} runs after a warm-up")
    for name in ("db", "scenario", "part", "first s", "median s", "max s", "× baseline"):
        table.add_column(name, justify="left" if name in ("db", "scenario", "part") else "right")
    table.add_column("size kB", justify="right")
    table.add_column("target")
    for db in dbs:
        medians = {
            (r["scenario"], part): statistics.median(values[1:])
            for r in db.results
            for part, values in r["times"].items()
        }
        for result in db.results:
            scenario = result["scenario"]
            totals = [sum(step) for step in zip(*result["times"].values(), strict=True)]
            rows = list(result["times"].items())
            if len(rows) > 1:
                rows.append(("[b]total[/]", totals))
            for part, values in rows:
                timed = values[1:]
                median = statistics.median(timed)
                base = BASELINES.get((scenario, part))
                ratio = f"{median / medians[base]:.1f}×" if base and base in medians else ""
                target = ""
                if (part == "[b]total[/]" or len(rows) == 1) and scenario in TARGETS:
                    words, limit = TARGETS[scenario]
                    met = median < limit and max(timed) < limit
                    target = f"{words}: " + ("[green]met[/]" if met else "[red]NOT MET[/]")
                size = (
                    f"{result['bytes'] / 1024:.1f}"
                    if part.startswith(("render", "save", "plain"))
                    else ""
                )
                table.add_row(
                    db.name,
                    scenario,
                    part,
                    fmt_s(values[0]),
                    fmt_s(median),
                    fmt_s(max(timed)),
                    ratio,
                    size,
                    target,
                )
        table.add_section()
    console.print(table)


def print_memory(dbs: list[Database]) -> None:
    table = Table(title="Memory: one process per scenario")
    for name in ("db", "scenario", "peak RSS MB", "RSS added MB", "tracemalloc peak MB", "facts"):
        table.add_column(name, justify="left" if name in ("db", "scenario", "facts") else "right")
    table.add_column(f"peak < {TARGET_PEAK_MB} MB")
    for db in dbs:
        for r in db.results:
            peak = r["rss_peak_kib"] / 1024
            facts = ", ".join(f"{k} {v:,}" for k, v in r["facts"].items())
            table.add_row(
                db.name,
                r["scenario"],
                f"{peak:.0f}",
                f"{(r['rss_peak_kib'] - r['rss_start_kib']) / 1024:.0f}",
                f"{r['py_peak_bytes'] / MIB:.1f}",
                facts,
                "[green]met[/]" if peak < TARGET_PEAK_MB else "[red]NOT MET[/]",
            )
        table.add_section()
    console.print(table)


def print_phases(dbs: list[Database]) -> None:
    if not any(r["phases"] for db in dbs for r in db.results):
        return
    table = Table(title="Where the time goes: mean per run of the wrapped calls")
    for name in ("db", "scenario", "function", "calls", "ms", "SQL ms", "statements"):
        table.add_column(
            name, justify="left" if name in ("db", "scenario", "function") else "right"
        )
    for db in dbs:
        for r in db.results:
            if not r["phases"]:
                continue
            for name, p in sorted(r["phases"].items(), key=lambda item: -item[1]["wall"]):
                if p["wall"] < 0.0005 and p["sql"] < 0.0005:
                    continue
                table.add_row(
                    db.name,
                    r["scenario"],
                    name,
                    f"{p['calls']:g}" if p["calls"] else "—",
                    f"{p['wall'] * 1000:.1f}" if p["wall"] else "—",
                    f"{p['sql'] * 1000:.1f}",
                    f"{p['statements']:g}",
                )
            table.add_section()
    console.print(table)


async def prepare_all(args: argparse.Namespace, directory: Path) -> list[Database]:
    size = Size(args.cells, args.wards, args.weeks, args.comments)
    dbs: list[Database] = []
    if args.sqlite:
        dbs.append(Database("sqlite", f"sqlite+aiosqlite:///{directory / 'consolidated.db'}"))
    if args.postgres:
        dbs.append(Database("postgresql", ""))
    for db in dbs:
        if db.name == "postgresql" and args.reuse:
            db.url = await databases.ensure_postgres(PG_DATABASE)
        await prepare(db, size, args.reuse)
    return dbs


def main() -> None:
    global PG_DATABASE  # noqa: PLW0603  (the database's name, read where it is made)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cells", type=int, default=10_000, help="cells in the city")
    parser.add_argument("--wards", type=int, default=100, help="wards (cells split evenly)")
    parser.add_argument("--weeks", type=int, default=5, help="weekly periods with reports")
    parser.add_argument("--comments", type=int, default=1_000_000, help="citizens' comments")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per scenario")
    parser.add_argument(
        "--only",
        default=",".join(name for name in SCENARIOS if name not in EXTRA),
        help=f"comma-separated scenarios of {list(SCENARIOS)}; default all but {list(EXTRA)}",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"also run on PostgreSQL (database {PG_DATABASE}, made if missing)",
    )
    parser.add_argument(
        "--pg-database", default=PG_DATABASE, help="the PostgreSQL database of --postgres"
    )
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--dir", type=Path, help="keep the SQLite file here (default: a temp dir)")
    parser.add_argument(
        "--reuse", action="store_true", help="skip seeding if the database holds the same city"
    )
    parser.add_argument(
        "--profile", help="also write a pyinstrument profile of this scenario (to $TMPDIR)"
    )
    parser.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    PG_DATABASE = args.pg_database
    if args.child:
        result = asyncio.run(run_child(args.child, args.url, args.runs, args.profile_to))
        print(json.dumps(result))
        return
    scenarios = [name.strip() for name in args.only.split(",")]
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {list(SCENARIOS)}")
    if args.profile and args.profile not in SCENARIOS:
        parser.error(f"unknown scenario {args.profile!r}; choose from {list(SCENARIOS)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gopy-bench-consolidated-") as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        dbs = asyncio.run(prepare_all(args, directory))
        for db in dbs:
            for scenario in scenarios:
                profile = None
                if scenario == args.profile:
                    slug = "-".join(scenario.replace("'", "").split())
                    profile = Path(tempfile.gettempdir()) / f"consolidated-{db.name}-{slug}.txt"
                with console.status(f"{db.name}: {scenario} …"):
                    db.results.append(measure(scenario, db.url, args.runs, profile))
                if profile is not None:
                    console.print(f"  profile of {scenario}: {profile}")
                r = db.results[-1]
                total = statistics.median(
                    sum(step) for step in list(zip(*r["times"].values(), strict=True))[1:]
                )
                console.print(f"  {db.name} · {scenario}: median {total:.3f} s")
    print_seeding(dbs)
    print_figures(dbs, args.runs)
    print_memory(dbs)
    print_phases(dbs)
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
