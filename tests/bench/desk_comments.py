"""The desk's comments page over 1,000,000 comments on PostgreSQL, through the real server.

    .venv/bin/python -m tests.bench.desk_comments --postgres postgresql+asyncpg://postgres@127.0.0.1:5432
        [--comments N] [--runs R] [--keep] [--explain] [--index NAME=DDL ...]

A city of 30 wards × 300 cells (the consultation is the city's) and N comments (default a
million) spread over the units, eight weeks, documents and sections, stances, categories,
media and statuses, with Vietnamese texts made of common phrases (some typed without
accents), ``search_text`` folded as gopy folds it. Own database ``bench_comments`` on the
given server: created (dropped first if it exists), migrated, seeded with COPY (the GIN index
``ix_comment_search`` built after the load), vacuumed and analysed; dropped at the end unless
``--keep`` (a kept, seeded database is reused by the next run).

Measured: each page fetched through the desk's routes (``bot.runner.page_routes``) on a
loopback aiohttp server, signed in as the city's official (reads the whole campaign) and as
a ward's official (reads its 301 units), ``--runs`` times after warm-up; time to the whole
body; p50 and p95; and the page's SQL time (its statements' own, summed). A page is the
guard's and the scope's look-ups, then the list and its count (``storage.comment_search``).
Baselines of the same run: ``/health`` through the same server, ``SELECT 1``, and the chat's
/comments query (``storage.comments.latest_comments``, 50 newest). Target: < 200 ms.

``--index NAME=DDL``: an index created after the first measurement, then everything measured
again (its effect); dropped before the end. ``--explain``: the plan of each page's slowest
statement.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import random
import re
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import col

from bot.app import Runtime, assemble
from bot.runner import page_routes
from bot.web.app import build_web_app
from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.codes import ALPHABET
from storage.comments import latest_comments
from storage.database import create_engine, create_session_factory
from storage.desk_access import issue_link
from storage.keyset import Cursor
from storage.models import (
    AuthorCategory,
    Campaign,
    Comment,
    CommentMedium,
    CommentStatus,
    Person,
    Role,
    RoleKind,
    Stance,
    Unit,
    UnitLevel,
)
from storage.places import fold
from tests.bench.chain import Statements
from tests.bench.consolidated import insert_fast, settle
from tests.databases import fresh_postgres
from tests.desk_world import csrf_of, desk_settings
from tests.seed import seed_ward

DATABASE = "bench_comments"
WARDS, CELLS = 30, 300
START = datetime(2025, 10, 15, 1, tzinfo=UTC)
WEEKS = 8
TARGET_MS = 200.0
WARD_CODE = "W07"
SEARCH_INDEX = (
    "CREATE INDEX ix_comment_search ON comment USING gin (to_tsvector('simple', search_text))"
)
STATUSES = (
    (0.95, CommentStatus.RECEIVED),
    (0.97, CommentStatus.HIDDEN),
    (0.99, CommentStatus.WITHDRAWN),
    (1.0, CommentStatus.SPAM),
)
MEDIA = (list(CommentMedium), [55, 20, 10, 8, 4, 3])

# Texts: an opening (often «đề nghị»: the common word), a topic (one of 40: «chuyển đổi số»
# is one), a detail, sometimes a place; one comment in 20,000 mentions karaoke (the rare word).
OPENINGS = [
    "Đề nghị",
    "Kiến nghị",
    "Tôi đề nghị",
    "Cử tri đề nghị",
    "Tôi tán thành dự thảo, đồng thời đề nghị",
    "Cần",
    "Chúng tôi mong muốn",
    "Góp ý:",
    "Nhân dân kiến nghị",
    "Đảng viên chi bộ đề nghị",
]
TOPICS = [
    "làm rõ giải pháp chuyển đổi số",
    "đẩy nhanh giải phóng mặt bằng và bồi thường thỏa đáng",
    "xây thêm trường học vì lớp học quá đông",
    "kiên quyết phòng chống tham nhũng, lãng phí",
    "mở thêm tuyến xe buýt điện",
    "phát triển đường sắt đô thị",
    "tăng diện tích cây xanh, công viên",
    "xử lý ô nhiễm không khí và rác thải",
    "chống ngập úng khi mưa lớn",
    "cải cách thủ tục hành chính",
    "nâng cao chất lượng y tế cơ sở",
    "chăm lo người cao tuổi và trẻ em",
    "bảo tồn di sản văn hóa của Thủ đô",
    "quản lý chặt trật tự xây dựng",
    "phát triển kinh tế tư nhân",
    "đào tạo nguồn nhân lực chất lượng cao",
    "bảo đảm an ninh trật tự ở khu dân cư",
    "sắp xếp lại tổ chức bộ máy tinh gọn",
    "phân cấp, phân quyền mạnh hơn cho phường",
    "hỗ trợ hộ kinh doanh nhỏ",
    "quản lý vỉa hè, lòng đường",
    "cấp nước sạch ổn định",
    "giảm ùn tắc giao thông giờ cao điểm",
    "tăng cường đối thoại với nhân dân",
    "nâng cao đạo đức công vụ",
    "phát triển nhà ở xã hội",
    "bảo vệ môi trường sông hồ",
    "đầu tư hạ tầng số cho trường học",
    "xây dựng khu dân cư văn minh",
    "quan tâm chế độ cho cán bộ tổ dân phố",
    "phát huy vai trò Mặt trận Tổ quốc",
    "đổi mới công tác tuyên truyền",
    "kiểm soát giá điện, giá nước",
    "xây dựng chính quyền điện tử",
    "phát triển du lịch văn hóa",
    "bảo đảm an toàn thực phẩm",
    "tăng cường phòng cháy chữa cháy",
    "quy hoạch lại chợ dân sinh",
    "nâng cao chất lượng bữa ăn bán trú",
    "bổ sung chỉ tiêu về hạnh phúc người dân",
]
DETAILS = [
    "ở các phường ngoại thành",
    "trong nhiệm kỳ tới",
    "cho người lao động",
    "theo hướng công khai, minh bạch",
    "với lộ trình cụ thể",
    "và có cơ chế giám sát của nhân dân",
    "để người dân được thụ hưởng",
    "gắn với trách nhiệm người đứng đầu",
    "",
    "",
]
RARE = "Tiếng ồn karaoke ban đêm làm mất ngủ."


@dataclass
class Seeded:
    campaign_id: int
    city_id: int
    ward_id: int


def receipt(n: int) -> str:
    digits = []
    for _ in range(6):
        n, rest = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[rest])
    return "YK-" + "".join(reversed(digits))


_FOLDED: dict[str, str] = {}


def _folded(part: str) -> str:
    """``fold`` of a phrase, once per phrase: a million comments share a few hundred."""
    found = _FOLDED.get(part)
    if found is None:
        found = _FOLDED[part] = fold(part)
    return found


def said(rng: random.Random) -> tuple[str, str]:
    """A comment's text and its ``search_text`` (the folded parts, joined: ``fold`` of the
    whole, without folding a million texts)."""
    parts = [rng.choice(OPENINGS), rng.choice(TOPICS), rng.choice(DETAILS)]
    if rng.random() < 0.3:
        parts.append(f"tại tổ dân phố số {rng.randint(1, 60)}")
    if rng.random() < 0.00005:
        parts.append(RARE)
    folded = " ".join(f for f in map(_folded, parts) if f)
    # One in ten types without accents, as on a phone without a Vietnamese keyboard.
    if rng.random() < 0.1:
        return folded, folded
    return " ".join(p for p in parts if p) + ".", folded


def plan_comments(
    rng: random.Random,
    count: int,
    seeded: Seeded,
    wards: list[int],
    cells: list[int],
    targets: list[tuple[int | None, int | None]],
) -> Iterator[dict[str, Any]]:
    span = WEEKS * 7 * 86400
    weights = list(itertools.accumulate(MEDIA[1]))
    for n in range(count):
        draw = rng.random()
        unit = (
            rng.choice(cells)
            if draw < 0.85
            else rng.choice(wards)
            if draw < 0.95
            else seeded.city_id
        )
        status = next(s for bound, s in STATUSES if rng.random() < bound)
        document_id, section_id = rng.choice(targets)
        body, folded = said(rng)
        named = rng.random() < 0.3
        yield {
            "receipt": receipt(n + 1000),
            "campaign_id": seeded.campaign_id,
            "document_id": document_id,
            "section_id": section_id,
            "text": body,
            "search_text": folded,
            "anonymous": not named,
            "author_name": f"Người góp ý {n}" if named else None,
            "channel": "zalo",
            "fingerprint": hashlib.sha256(str(n).encode()).hexdigest(),
            "created_at": START + timedelta(seconds=span * (n + rng.random()) / count),
            "status": status,
            "unit_id": unit,
            "stance": rng.choice([None, None, *Stance]),
            "category": rng.choice([None, None, None, *AuthorCategory]),
            "medium": rng.choices(MEDIA[0], cum_weights=weights)[0],
        }


async def recreate(server: str) -> str:
    """``bench_comments`` on ``server``, empty and migrated."""
    return await fresh_postgres(DATABASE, server)


async def drop(server: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def already_seeded(server: str, comments: int) -> bool:
    engine = create_engine(f"{server}/{DATABASE}")
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(select(func.count()).select_from(Comment))
        return found == comments
    except Exception:
        return False
    finally:
        await engine.dispose()


async def seed(url: str, comments: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    engine = create_engine(url)
    rng = random.Random(17)
    try:
        async with create_session_factory(engine)() as session:
            base = await seed_ward(session)
            city_id = base.ward.parent_id
            assert city_id is not None and base.ward.id is not None
            base.campaign.unit_id = city_id
            base.campaign.starts_at = START
            base.campaign.ends_at = START + timedelta(weeks=WEEKS)
            wards = [
                Unit(
                    code=f"W{w:02d}",
                    name=f"Đảng ủy phường {w + 1}",
                    level=UnitLevel.WARD,
                    parent_id=city_id,
                )
                for w in range(1, WARDS)
            ]
            session.add_all([base.campaign, *wards])
            await session.flush()
            ward_ids = [base.ward.id, *(w.id for w in wards if w.id is not None)]
            targets: list[tuple[int | None, int | None]] = [(None, None)]
            targets += [(d.id, None) for d in base.documents]
            targets += [(s.document_id, s.id) for s in base.sections]
            campaign_id = base.campaign.id
            assert campaign_id is not None
            await session.commit()
        cells = (
            {
                "code": f"W{w:02d}-CB{c:03d}",
                "name": f"Chi bộ {c + 1} phường {w + 1}",
                "level": UnitLevel.CELL,
                "parent_id": ward_id,
            }
            for w, ward_id in enumerate(ward_ids)
            for c in range(CELLS)
            if w > 0 or c >= 2  # Ngọc Hà has two cells already
        )
        await insert_fast(engine, Unit.__table__, cells)  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            found = await conn.execute(
                select(col(Unit.id)).where(col(Unit.level) == UnitLevel.CELL)
            )
            cell_ids = [i for i in found.scalars() if i is not None]
        async with engine.begin() as conn:
            # Built once after the load: a GIN index kept up row by row slows COPY down.
            await conn.execute(text("DROP INDEX IF EXISTS ix_comment_search"))
        timings["units"] = time.perf_counter() - started
        seeded = Seeded(campaign_id, city_id, ward_ids[7])
        plan = plan_comments(rng, comments, seeded, ward_ids, cell_ids, targets)
        loading = time.perf_counter()
        await insert_fast(engine, Comment.__table__, plan)  # type: ignore[attr-defined]
        timings["comments (COPY)"] = time.perf_counter() - loading
        indexing = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(text("SET maintenance_work_mem = '256MB'"))
            await conn.execute(text(SEARCH_INDEX))
        timings["GIN index"] = time.perf_counter() - indexing
        settling = time.perf_counter()
        await settle(engine, url)
        timings["VACUUM ANALYZE"] = time.perf_counter() - settling
    finally:
        await engine.dispose()
    timings["total"] = time.perf_counter() - started
    return timings


@dataclass
class Officials:
    city: Person
    ward: Person


async def officials(runtime: Runtime) -> Officials:
    """The city's official and a ward's (made by the first measurement, then found)."""
    async with runtime.db.sessions() as session:
        city = (await session.execute(select(Unit).where(col(Unit.code) == "HN"))).scalar_one()
        ward = (
            await session.execute(select(Unit).where(col(Unit.code) == WARD_CODE))
        ).scalar_one()
        people = []
        for n, unit in enumerate((city, ward)):
            external = str(880_000 + n)
            found = await session.execute(
                select(Person).where(col(Person.external_id) == external)
            )
            person = found.scalar_one_or_none()
            if person is None:
                person = Person(
                    channel="telegram",
                    external_id=external,
                    full_name=f"Cán bộ {unit.name}",
                    created_at=START,
                )
                session.add(person)
                await session.flush()
                assert person.id is not None and unit.id is not None
                session.add(
                    Role(
                        person_id=person.id,
                        unit_id=unit.id,
                        kind=RoleKind.OFFICIAL,
                        granted_at=START,
                    )
                )
            people.append(person)
        await session.commit()
        for person in people:
            await session.refresh(person)
    return Officials(*people)


async def sign_in(http: aiohttp.ClientSession, base: str, runtime: Runtime, who: Person) -> None:
    async with runtime.db.sessions() as session:
        token = await issue_link(
            session=session, key=runtime.key, person=who, now=runtime.clock.now()
        )
        await session.commit()
    link = base + paths.sign_in_path(token)
    async with http.get(link) as page:
        form = await page.text()
    async with http.post(link, data={"csrf": csrf_of(form)}, allow_redirects=False) as done:
        assert done.status == 303, await done.text()


@dataclass
class Probe:
    name: str
    who: str  # "city" or "ward"
    query: dict[str, str] = field(default_factory=dict)


def quantiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def cursor_at(runtime: Runtime, campaign_id: int, depth: int, unit: int | None) -> str:
    """The keyset cursor ``depth`` rows down the newest-first list (a deep page)."""
    async with runtime.db.sessions() as session:
        query = (
            select(col(Comment.created_at), col(Comment.id))
            .where(
                col(Comment.campaign_id) == campaign_id,
                col(Comment.status) == CommentStatus.RECEIVED,
            )
            .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
            .offset(depth)
            .limit(1)
        )
        if unit is not None:
            ids = select(col(Unit.id)).where(
                (col(Unit.id) == unit) | (col(Unit.parent_id) == unit)
            )
            query = query.where(col(Comment.unit_id).in_(ids))
        at, ident = (await session.execute(query)).one()
    assert ident is not None
    return Cursor(at, ident).token()


def probes(campaign: int, ward: int, deep_city: str, deep_ward: str) -> list[Probe]:
    """The pages measured; the deep ones start half-way down the list (the city's 500,000
    newest, the ward's 16,000 of a million)."""
    c = {"campaign": str(campaign)}
    return [
        Probe("city: first page", "city", c),
        Probe("city: unit = a ward", "city", c | {"unit": str(ward)}),
        Probe("city: stance = disagree", "city", c | {"stance": "disagree"}),
        Probe("city: status = hidden", "city", c | {"status": "hidden"}),
        Probe(
            "city: ward + partly + letter",
            "city",
            c | {"unit": str(ward), "stance": "partly", "medium": "letter"},
        ),
        Probe("city: one week", "city", c | {"from": "2025-11-10", "to": "2025-11-16"}),
        Probe("city: search «đề nghị» (common)", "city", c | {"q": "đề nghị"}),
        Probe("city: search «chuyen doi so»", "city", c | {"q": "chuyen doi so"}),
        Probe("city: search «karaoke» (rare)", "city", c | {"q": "karaoke"}),
        Probe("city: search, no match", "city", c | {"q": "khong ai viet tu nay"}),
        Probe("city: every status + search", "city", c | {"status": "all", "q": "xe buyt"}),
        Probe("city: deep page (half-way)", "city", c | {"before": deep_city}),
        Probe(
            "city: deep page + search common",
            "city",
            c | {"before": deep_city, "q": "de nghi"},
        ),
        Probe("ward: first page", "ward", c),
        Probe("ward: stance = agree", "ward", c | {"stance": "agree"}),
        Probe("ward: search «đề nghị» (common)", "ward", c | {"q": "đề nghị"}),
        Probe("ward: search «chuyen doi so»", "ward", c | {"q": "chuyen doi so"}),
        Probe("ward: search «karaoke» (rare)", "ward", c | {"q": "karaoke"}),
        Probe("ward: deep page (half-way)", "ward", c | {"before": deep_ward}),
    ]


Timed = Callable[[], Awaitable[None]]


async def timed(fn: Timed, runs: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        await fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - started)
    return times


async def measure(
    url: str, runs: int, explain: bool, only: list[str]
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, str]]:
    clock = FrozenClock(START + timedelta(weeks=WEEKS, days=1))
    runtime = Runtime.create(desk_settings(url), clock)
    statements = Statements()
    statements.listen(runtime.db.engine)
    gopy = assemble(runtime, [], scheduling=False)
    dp = gopy.dp
    runner = web.AppRunner(build_web_app(page_routes(gopy, [])), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    figures: dict[str, list[float]] = {}
    sql: dict[str, list[float]] = {}
    plans: dict[str, str] = {}
    try:
        people = await officials(runtime)
        async with runtime.db.sessions() as session:
            campaign = (await session.execute(select(Campaign))).scalars().one()
            ward = (
                await session.execute(select(Unit).where(col(Unit.code) == WARD_CODE))
            ).scalar_one()
        assert campaign.id is not None and ward.id is not None
        async with runtime.db.sessions() as session:
            total = await session.scalar(select(func.count()).select_from(Comment)) or 0
        # Half-way down the newest-first list: a million comments, 500,000 down.
        deep_city = await cursor_at(runtime, campaign.id, total // 2, None)
        deep_ward = await cursor_at(runtime, campaign.id, total // 60, ward.id)
        jar = {"city": aiohttp.CookieJar(unsafe=True), "ward": aiohttp.CookieJar(unsafe=True)}
        http = {who: aiohttp.ClientSession(cookie_jar=jar[who]) for who in jar}
        try:
            await sign_in(http["city"], base, runtime, people.city)
            await sign_in(http["ward"], base, runtime, people.ward)

            async def health() -> None:
                async with http["city"].get(base + "/health") as response:
                    await response.read()

            async def select_one() -> None:
                async with runtime.db.sessions() as session:
                    await session.execute(text("SELECT 1"))

            async def chat_comments() -> None:
                async with runtime.db.sessions() as session:
                    await latest_comments(session=session, campaign=campaign, limit=50)

            figures["baseline: /health"] = await timed(health, runs)
            figures["baseline: SELECT 1"] = await timed(select_one, runs)
            figures["baseline: chat /comments (50)"] = await timed(chat_comments, runs)
            for probe in probes(campaign.id, ward.id, deep_city, deep_ward):
                if only and not any(word in probe.name for word in only):
                    continue

                async def page(probe: Probe = probe) -> None:
                    async with http[probe.who].get(
                        base + paths.COMMENTS, params=probe.query
                    ) as response:
                        body = await response.text()
                        assert response.status == 200, body[:2000]

                statements.seen.clear()
                statements.on = True
                figures[probe.name] = await timed(page, runs)
                statements.on = False
                per_run = sum(s for s, _q, _p in statements.seen) / (runs + 3)
                sql[probe.name] = [per_run]
                if explain:
                    plans[probe.name] = await plan_of(runtime, statements)
        finally:
            for client in http.values():
                await client.close()
    finally:
        await runner.cleanup()
        await dp.storage.close()
        await runtime.close()
    return figures, sql, plans


async def plan_of(runtime: Runtime, statements: Statements) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement seen, as the page plans it."""
    queries = [s for s in statements.seen if s[1].lstrip().upper().startswith(("SELECT", "WITH"))]
    _seconds, statement, parameters = max(queries, key=lambda s: s[0])
    async with runtime.db.sessions() as session:
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        connection = await session.connection()
        rows = await connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        )
        return "\n".join(f"      {_short(row[0])}" for row in rows.all())


def _short(line: str) -> str:
    """A plan line with its id lists cut (a ward's 301 unit ids), at most 200 characters."""
    line = re.sub(r"'\{([0-9]+),[0-9,]+\}'", r"'{\1,…}'", line)
    return line if len(line) <= 200 else line[:199] + "…"


def report(
    label: str,
    figures: dict[str, list[float]],
    sql: dict[str, list[float]],
    plans: dict[str, str],
) -> None:
    print(f"\n{label}")
    baseline = statistics.median(figures["baseline: chat /comments (50)"]) * 1000
    print(f"  {'page':40} {'p50 ms':>8} {'p95 ms':>8} {'SQL ms':>8} {'×chat':>6}")
    for name, times in figures.items():
        p50, p95 = quantiles(times)
        spent = f"{sql[name][0] * 1000:8.1f}" if name in sql else " " * 8
        mark = ""
        if not name.startswith("baseline"):
            mark = "  ok" if p95 < TARGET_MS else "  MISSED"
        print(f"  {name:40} {p50:8.1f} {p95:8.1f} {spent} {p50 / baseline:6.1f}{mark}")
        if name in plans:
            print(plans[name])


async def main_async(args: argparse.Namespace) -> None:
    server = make_url(args.postgres).set(database=None).render_as_string(hide_password=False)
    server = server.rstrip("/")
    url = f"{server}/{DATABASE}"
    if args.keep and await already_seeded(server, args.comments):
        print(f"{DATABASE}: seeded earlier with {args.comments:,} comments, reused")
    else:
        url = await recreate(server)
        print(f"seeding {DATABASE} with {args.comments:,} comments …")
        for step, seconds in (await seed(url, args.comments)).items():
            print(f"  {step:20} {seconds:7.1f} s")
    try:
        figures, sql, plans = await measure(url, args.runs, args.explain, args.only)
        report(f"PostgreSQL, {args.comments:,} comments, {args.runs} runs", figures, sql, plans)
        for spec in args.index:
            name, _sep, ddl = spec.partition("=")
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    started = time.perf_counter()
                    await conn.execute(text(ddl))
                    built = time.perf_counter() - started
                async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
                    await c.execute(text("ANALYZE comment"))
                figures, sql, plans = await measure(url, args.runs, args.explain, args.only)
                report(f"with {name} (built in {built:.1f} s): {ddl}", figures, sql, plans)
            finally:
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
                await engine.dispose()
    finally:
        if not args.keep:
            await drop(server)
            print(f"\n{DATABASE} dropped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--postgres", required=True, help="the server's URL (any database)")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--explain", action="store_true", help="plans of the slowest statements")
    parser.add_argument("--index", action="append", default=[], metavar="NAME=DDL")
    parser.add_argument("--only", action="append", default=[], help="pages whose name has it")
    started = time.perf_counter()
    asyncio.run(main_async(parser.parse_args()))
    print(f"bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
