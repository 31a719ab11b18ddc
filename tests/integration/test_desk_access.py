"""Who may open what on the officials' desk: every route under ``/desk`` × every kind of
visitor, on objects of Ngọc Hà (a cell, a comment, an invite, a report).

Nobody without a session gets in (401); a citizen or a cell secretary is not an official
(403); Kim Mã's official asking for a Ngọc Hà object gets 404 (the desk never says whether
it exists), and on a page every official may open sees none of Ngọc Hà's names; Ngọc Hà's
official and the city's get the page (200) or the action done (303). A refused POST, and a
POST without its anti-forgery token, change nothing in the database.

``MATRIX`` must list every desk route the app registers, and only those: a new page that is
not in the table fails ``test_the_table_lists_every_desk_route`` until its row is written.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlmodel import SQLModel, col

from bot.web.desk import paths
from bot.web.desk.guard import SESSION_COOKIE
from scheduler.clock import FrozenClock
from scheduler.reporting import Assignment, target
from storage.comments import CommentLimits, Identity, submit_comment
from storage.entries import Target
from storage.invites import create_invites
from storage.models import Invite, Person, RoleKind, Unit
from storage.reports import file_report
from tests.chat import at
from tests.desk_world import Client, DeskWorld, Who, serve_desk

pytestmark = pytest.mark.asyncio(loop_scope="module")

Visitor = Literal["anonymous", Who]
VISITORS: tuple[Visitor, ...] = (
    "anonymous",
    "citizen",
    "secretary",
    "other_official",
    "ward_official",
    "city_official",
)
OFFICIALS: tuple[Who, ...] = ("other_official", "ward_official", "city_official")
OPINION = "Đề nghị Ngọc Hà lắp thêm đèn chiếu sáng ngõ 12."
# What Kim Mã's official must never read on a page every official may open.
NGOC_HA_NAMES = (
    "Ngọc Hà",
    "NGOCHA",
    "Chi bộ Tổ dân phố số",
    "Lê Văn Bí",  # Ngọc Hà's cell secretary
    "Góp ý dự thảo văn kiện Đại hội XIV",  # Ngọc Hà's own campaign
    "lắp thêm đèn chiếu sáng",  # its comment
)


# ---- what each visitor gets ------------------------------------------------------------------

Expect = Mapping[Visitor, int]
_OUTSIDERS: Expect = {"anonymous": 401, "citizen": 403, "secretary": 403}


def expect(other: int, ward: int, city: int) -> Expect:
    """Statuses of a guarded route: outsiders refused, then Kim Mã's, Ngọc Hà's and the
    city's officials."""
    return {**_OUTSIDERS, "other_official": other, "ward_official": ward, "city_official": city}


# A page every official may open: Kim Mã's sees it too, with its own data only.
ANY_OFFICIAL = expect(other=200, ward=200, city=200)
# A page of one Ngọc Hà object: none of Kim Mã's business.
NGOC_HA_PAGE = expect(other=404, ward=200, city=200)
# An action on a Ngọc Hà object: done, and the browser sent on (Post/Redirect/Get).
NGOC_HA_ACTION = expect(other=404, ward=303, city=303)
# Signing out: the page saying so, for any official.
SIGNED_OUT = expect(other=200, ward=200, city=200)
# The sign-in link is the visitor's credential: a token never issued is unknown to anyone,
# and its button, pressed without the sign-in page's own token, leads back to that page.
UNKNOWN_LINK: Expect = dict.fromkeys(VISITORS, 404)
BACK_TO_THE_LINK: Expect = dict.fromkeys(VISITORS, 303)
# What a guarded route's refusal says (the Vietnamese page): why, not only a status.
REFUSALS = {
    401: "Mời bạn mở bàn làm việc từ bot",
    403: "Bàn làm việc dành cho cán bộ",
    404: "Không tìm thấy",
}
EXPIRED_FORM = "Biểu mẫu này đã hết hiệu lực"


# ---- Ngọc Hà's objects -----------------------------------------------------------------------


@dataclass
class NgocHa:
    """Objects of Ngọc Hà the rows point at, made through the storage functions."""

    cell: Unit
    comment: str  # its receipt
    invite: int
    report: int


@dataclass
class Matrix:
    world: DeskWorld
    ngoc_ha: NgocHa
    browsers: dict[Who, Client] = field(default_factory=dict)

    async def browser(self, who: Visitor) -> Client:
        """``who``'s browser, signed in once and reused (anonymous: a fresh one)."""
        if who == "anonymous":
            return await self.world.anonymous()
        if who not in self.browsers:
            self.browsers[who] = await self.world.browser(who)
        return self.browsers[who]

    def forget(self, who: Visitor) -> None:
        """``who`` signed out: the next case signs in again."""
        if who != "anonymous":
            self.browsers.pop(who, None)


async def new_comment(world: DeskWorld, text: str = OPINION) -> str:
    """A citizen's comment on Ngọc Hà's campaign, as the chat stores it; its receipt."""
    async with world.runtime.sessions() as session:
        citizen = await session.get(Person, world.people["citizen"].id)
        assert citizen is not None
        seed = world.seed
        done = await submit_comment(
            session=session,
            target=Target(seed.campaign, seed.documents[0], seed.sections[0]),
            person=citizen,
            key=world.runtime.key,
            text=text,
            attachments=[],
            identity=Identity(),
            channel="telegram",
            now=world.clock.now(),
            limits=CommentLimits(per_hour=10_000),
        )
        assert done.comment is not None
        await session.commit()
        return done.comment.receipt


async def new_invite(world: DeskWorld) -> int:
    """An open secretary's invite of Ngọc Hà's first cell; its id."""
    async with world.runtime.sessions() as session:
        cell = await session.get(Unit, world.seed.cells[0].id)
        assert cell is not None
        (code,) = await create_invites(
            session=session,
            unit=cell,
            role=RoleKind.SECRETARY,
            key=world.runtime.key,
            now=world.clock.now(),
        )
        await session.commit()
        found = await session.execute(
            select(Invite).where(col(Invite.code_hash) == world.runtime.key.invite_hash(code))
        )
        invite = found.scalar_one()
        assert invite.id is not None
        return invite.id


async def filed_report(world: DeskWorld) -> int:
    """The first cell's report of this week, filed by its secretary; its id."""
    async with world.runtime.sessions() as session:
        cell = await session.get(Unit, world.seed.cells[0].id)
        secretary = await session.get(Person, world.people["secretary"].id)
        assert cell is not None and secretary is not None
        now = world.clock.now()
        found = await target(
            session=session, assignment=Assignment(cell, world.seed.campaign), now=now
        )
        assert found is not None
        filed = await file_report(
            session=session,
            period=found.period,
            unit=cell,
            values={"leadership": "Họp chi bộ", "news_count": 2},
            person=secretary,
            now=now,
        )
        await session.commit()
        assert filed.report.id is not None
        return filed.report.id


# ---- the table -------------------------------------------------------------------------------

Fill = Callable[[Matrix], Awaitable[dict[str, Any]]]


async def nothing(_: Matrix) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Row:
    method: Literal["GET", "POST"]
    route: str  # as registered, from ``bot.web.desk.paths``
    expect: Expect
    # The route's {placeholders}, a POST's fields and a query string ("?"), on Ngọc Hà's
    # objects (fresh ones where an action would use them up).
    fill: Fill = nothing
    note: str = ""  # what tells two rows of one route apart
    ends_session: bool = False  # the official signs in again after this one

    def __str__(self) -> str:
        return f"{self.method} {self.route}" + (f" ({self.note})" if self.note else "")


async def _unknown_link(_: Matrix) -> dict[str, Any]:
    return {"token": "never-issued-token"}


MATRIX: tuple[Row, ...] = (
    Row("GET", paths.SIGN_IN_ROUTE, UNKNOWN_LINK, _unknown_link),
    Row("POST", paths.SIGN_IN_ROUTE, BACK_TO_THE_LINK, _unknown_link),
    Row("POST", paths.SIGN_OUT, SIGNED_OUT, ends_session=True),
    Row("GET", paths.BOARD, ANY_OFFICIAL),
)
# Outside the guard: the link in the address is the visitor's only credential (see
# tests/integration/test_desk_signin.py); here only a link never issued is tried.
OPEN_ROUTES = frozenset({("GET", paths.SIGN_IN_ROUTE), ("POST", paths.SIGN_IN_ROUTE)})
GUARDED_POSTS = [
    row for row in MATRIX if row.method == "POST" and (row.method, row.route) not in OPEN_ROUTES
]


# ---- the world, once per database ------------------------------------------------------------


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> AsyncIterator[Matrix]:
    """One desk per database for the whole table: every case makes what it uses up."""
    url = await module_database(request, tmp_path_factory, sqlite_template)
    async with serve_desk(url, FrozenClock(at("2025-11-10 09:00"))) as world:
        ngoc_ha = NgocHa(
            cell=world.seed.cells[0],
            comment=await new_comment(world),
            invite=await new_invite(world),
            report=await filed_report(world),
        )
        yield Matrix(world, ngoc_ha)


async def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, template: Path
) -> str:
    """A fresh migrated database of the fixture's kind: a SQLite file, or PostgreSQL emptied."""
    import shutil

    from tests.databases import truncate_postgres

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("desk-access") / "gopy.db"
        shutil.copy(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_ready")
    await truncate_postgres(url)
    return url


async def dump(world: DeskWorld) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: what a refused request must leave as it was."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with world.runtime.sessions() as session:
        for table in SQLModel.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = await session.execute(select(table).order_by(*order))
            tables[table.name] = [tuple(row) for row in rows]
    return tables


# ---- the tests -------------------------------------------------------------------------------


async def ask(matrix: Matrix, row: Row, who: Visitor, *, token: bool = True) -> tuple[int, str]:
    """``who`` asks for ``row`` on Ngọc Hà's objects: the status and the page."""
    browser = await matrix.browser(who)
    values = await row.fill(matrix)
    query = values.pop("?", None)
    placeholders = {name: values.pop(name) for name in list(values) if f"{{{name}}}" in row.route}
    path = row.route.format(**placeholders)
    if row.method == "GET":
        answer = await browser.get(path, params=query, allow_redirects=False)
    else:
        fields = {**values, "csrf": form_token(matrix, browser)} if token else values
        answer = await browser.post(path, params=query, data=fields, allow_redirects=False)
    return answer.status, await answer.text()


def form_token(matrix: Matrix, browser: Client) -> str:
    """The ``csrf`` field of this browser's desk forms: what its pages carry, so that a
    refusal is about who asks, never about the token (no session: any token)."""
    cookies = browser.session.cookie_jar.filter_cookies(browser.make_url(paths.ROOT))
    session = cookies.get(SESSION_COOKIE)
    if session is None:
        return "0" * 64
    return matrix.world.runtime.key.desk_form_token(session.value)


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("row", MATRIX, ids=str)
async def test_access(matrix: Matrix, row: Row, who: Visitor) -> None:
    guarded = (row.method, row.route) not in OPEN_ROUTES
    before = await dump(matrix.world) if row.method == "POST" else None
    status, page = await ask(matrix, row, who)
    if row.ends_session and status < 400:
        matrix.forget(who)
    assert status == row.expect[who], page[:2000]
    if guarded and status in REFUSALS:
        assert REFUSALS[status] in page, page[:2000]
    if who == "other_official" and status == 200:
        for name in NGOC_HA_NAMES:
            assert name not in page, f"Kim Mã's official reads {name!r}"
    if before is not None and status >= 400:
        assert await dump(matrix.world) == before, "a refused POST changed the database"


@pytest.mark.parametrize("who", ["ward_official", "city_official"])
@pytest.mark.parametrize("row", GUARDED_POSTS, ids=str)
async def test_a_post_without_its_token_changes_nothing(
    matrix: Matrix, row: Row, who: Who
) -> None:
    before = await dump(matrix.world)
    status, page = await ask(matrix, row, who, token=False)
    assert status == 403, page[:2000]
    assert EXPIRED_FORM in page
    assert await dump(matrix.world) == before


def desk_routes(matrix: Matrix) -> set[tuple[str, str]]:
    """(method, route) of every route the app registers under /desk. aiohttp answers HEAD
    beside each GET with the GET's own handler: that one is the GET's row."""
    found = {
        (route.method, route.resource.canonical)
        for route in matrix.world.server.app.router.routes()
        if route.resource is not None
        and (route.resource.canonical + "/").startswith(paths.ROOT + "/")
    }
    return {(m, r) for m, r in found if not (m == "HEAD" and ("GET", r) in found)}


async def test_the_table_lists_every_desk_route(matrix: Matrix) -> None:
    registered = desk_routes(matrix)
    listed = {(row.method, row.route) for row in MATRIX}
    assert registered - listed == set(), "desk routes with no row in MATRIX: write them one"
    assert listed - registered == set(), "MATRIX lists routes the desk does not have"
    assert registered >= OPEN_ROUTES


# What an address may hold instead of an id or a receipt: nothing of it is ever a 5xx.
GARBAGE = (
    "0",
    "-1",
    "99999999999999999999999999",
    "1e3",
    "abc",
    "YK-ZZZZZZ",
    "Ngọc Hà",
    "\u202e",
    "%00",
    "../1",
)
WITH_IDS = [
    row for row in MATRIX if "{" in row.route and (row.method, row.route) not in OPEN_ROUTES
]


@pytest.mark.parametrize("value", GARBAGE)
@pytest.mark.parametrize("row", WITH_IDS, ids=str)
async def test_garbage_in_the_address_is_not_found(matrix: Matrix, row: Row, value: str) -> None:
    """The city's official (who may see everything of Ngọc Hà) asks for what is not there."""
    browser = await matrix.browser("city_official")
    names = re.findall(r"\{(\w+)\}", row.route)
    path = row.route.format(**{name: quote(value, safe="") for name in names})
    before = await dump(matrix.world) if row.method == "POST" else None
    if row.method == "GET":
        answer = await browser.get(path, allow_redirects=False)
    else:
        fields = {"csrf": form_token(matrix, browser)}
        answer = await browser.post(path, data=fields, allow_redirects=False)
    assert answer.status == 404, await answer.text()
    if before is not None:
        assert await dump(matrix.world) == before
