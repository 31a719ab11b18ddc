"""Who may open what on the officials' desk: every route under ``/desk`` × every kind of
visitor, on objects of Ngọc Hà (a cell, a comment, an invite, a report, a group of opinions).

Nobody without a session gets in (401); a citizen or a cell secretary is not an official
(403); Kim Mã's official asking for a Ngọc Hà object gets 404 (the desk never says whether it
exists), and on a page every official may open reads none of Ngọc Hà's names; Ngọc Hà's
official and the city's get the page (200) or the action done (303). A refused request, and a
POST without its anti-forgery token, change nothing in the database.

``MATRIX`` must list every desk route the app registers, and only those: a new page with no
row fails ``test_the_table_lists_every_desk_route`` until its row is written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import pytest
import pytest_asyncio
from aiohttp import FormData
from sqlalchemy import select
from sqlmodel import SQLModel, col

from bot.web.desk import paths
from bot.web.desk.guard import SESSION_COOKIE
from scheduler.clock import FrozenClock
from scheduler.reporting import Assignment, target
from scheduler.signing import signable_periods
from storage.entries import Target, entry_for
from storage.invites import create_invites
from storage.models import (
    Campaign,
    Comment,
    CommentStatus,
    Deadline,
    Invite,
    Person,
    RoleKind,
    Unit,
    UnitLevel,
)
from storage.reports import file_report
from tests.chat import at
from tests.desk_comments import Writer
from tests.desk_world import Client, DeskWorld, Who, serve_desk

pytestmark = pytest.mark.asyncio(loop_scope="module")

Visitor = Literal["anonymous", Who]
OFFICIALS: tuple[Who, ...] = ("other_official", "ward_official", "city_official")
VISITORS: tuple[Visitor, ...] = ("anonymous", "citizen", "secretary", *OFFICIALS)
OPINION = "Đề nghị lắp thêm đèn chiếu sáng ngõ 12"
# What Kim Mã's official must never read on a page every official may open; Ngọc Hà's
# official reads at least one of them there (else the check would prove nothing).
NGOC_HA_NAMES = (
    "Ngọc Hà",
    "NGOCHA",
    "Chi bộ Tổ dân phố số",
    "Lê Văn Bí",  # Ngọc Hà's cell secretary
    "Góp ý dự thảo văn kiện Đại hội XIV",  # Ngọc Hà's own campaign
    "lắp thêm đèn chiếu sáng",  # its comments
)


# ---- what each visitor gets ------------------------------------------------------------------

Expect = Mapping[Visitor, int]
_OUTSIDERS: Expect = {"anonymous": 401, "citizen": 403, "secretary": 403}


def expect(*, other: int, ward: int, city: int) -> Expect:
    """A guarded route: outsiders refused, then Kim Mã's, Ngọc Hà's and the city's officials."""
    return {**_OUTSIDERS, "other_official": other, "ward_official": ward, "city_official": city}


# A page every official may open: Kim Mã's sees it too, with its own data only.
ANY_OFFICIAL = expect(other=200, ward=200, city=200)
# A page of a Ngọc Hà object: none of Kim Mã's business.
NGOC_HA_PAGE = expect(other=404, ward=200, city=200)
# An action on a Ngọc Hà object: done, and the browser sent on (Post/Redirect/Get).
NGOC_HA_ACTION = expect(other=404, ward=303, city=303)
# Making invites answers with the sheet of their codes (shown once: no redirect can).
NGOC_HA_SHEET = expect(other=404, ward=200, city=200)
# The ward's own report is its officials' to sign and take out: the city's official takes
# out the city's (``scheduler.report_export.export_target``, the rule of /export).
WARD_ONLY_PAGE = expect(other=404, ward=200, city=404)
# A units file is imported within the official's own units: Kim Mã's are not Ngọc Hà's.
NGOC_HA_UPLOAD = expect(other=400, ward=303, city=303)
# The posters' first page lists the campaigns to print for; with only one (Kim Mã's
# official: the city's consultation) it goes straight to that campaign's form.
POSTER_CAMPAIGNS = expect(other=303, ward=200, city=200)
# The upload's address, opened: the campaign page, which holds its form.
TO_THE_CAMPAIGN_PAGE = expect(other=303, ward=303, city=303)
# Signing out: the page saying so, for any official.
SIGNED_OUT = expect(other=200, ward=200, city=200)
# The sign-in link is the visitor's credential: a token never issued is unknown to anyone,
# and its button, pressed without the sign-in page's own token, leads back to that page.
UNKNOWN_LINK: Expect = dict.fromkeys(VISITORS, 404)
BACK_TO_THE_LINK: Expect = dict.fromkeys(VISITORS, 303)
# An address under /desk that no page has: the desk's 404 for anyone (it says nothing of
# anyone's units).
NOWHERE: Expect = dict.fromkeys(VISITORS, 404)
# The address of a form's POST, opened (a language link on the page that answered it): the
# page it came from.
TO_THE_BOARD = expect(other=303, ward=303, city=303)
TO_THE_UNIT_PAGE = expect(other=404, ward=303, city=303)
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

    ward: int
    cell: int
    campaign: int  # dh14, the ward's own
    document: int  # its draft political report
    consultation: int  # the city's, in which the ward signs a report of its own
    week: int  # the cells' period of this week in dh14, a report filed in it
    receipt: str  # a citizen's comment on dh14 placed in the first cell, with a web photo
    theme: int  # a group of opinions of dh14 holding it
    signable: int  # the ward's own period of this week in the city's consultation


@dataclass
class Matrix:
    world: DeskWorld
    ngoc_ha: NgocHa
    browsers: dict[Who, Client] = field(default_factory=dict)

    async def browser(self, who: Visitor) -> Client:
        """``who``'s browser: an official's signed in once and reused; anyone else's fresh
        (a citizen's or a secretary's session ends at its first refusal)."""
        if who == "anonymous":
            return await self.world.anonymous()
        if who not in OFFICIALS:
            return await self.world.browser(who)
        if who not in self.browsers:
            self.browsers[who] = await self.world.browser(who)
        return self.browsers[who]

    def forget(self, who: Visitor) -> None:
        """``who`` signed out: the next case signs in again."""
        if who != "anonymous":
            self.browsers.pop(who, None)


async def new_invite(world: DeskWorld) -> int:
    """An open secretary's invite of Ngọc Hà's first cell; its id."""
    async with world.runtime.db.sessions() as session:
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
        invite_id = found.scalar_one().id
        assert invite_id is not None
        return invite_id


async def filed_week(world: DeskWorld) -> int:
    """The first cell's report of this week, filed by its secretary; the week's period."""
    async with world.runtime.db.sessions() as session:
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
        assert filed.period.id is not None
        return filed.period.id


async def signable_week(world: DeskWorld) -> int:
    """The city's consultation asks its cells on Wednesdays and its wards on Thursdays: the
    period Ngọc Hà's official signs now, as /report offers it."""
    consultation = world.consultation.id
    assert consultation is not None
    async with world.runtime.db.sessions() as session:
        for level, weekday, time in ((UnitLevel.CELL, 2, "17:00"), (UnitLevel.WARD, 3, "11:30")):
            session.add(
                Deadline(campaign_id=consultation, level=level, weekday=weekday, time=time)
            )
        await session.commit()
        ward = await session.get(Unit, world.seed.ward.id)
        campaign = await session.get(Campaign, consultation)
        assert ward is not None and campaign is not None
        item = Assignment(ward, campaign, signs=True)
        periods = await signable_periods(session=session, item=item, now=world.clock.now())
        await session.commit()
        assert periods and periods[0].id is not None
        return periods[0].id


async def ngoc_ha_of(world: DeskWorld) -> NgocHa:
    seed = world.seed
    assert seed.ward.id and seed.cells[0].id and seed.campaign.id and seed.documents[0].id
    assert world.consultation.id
    writer = Writer(world)
    opinion = await writer.add(
        OPINION, unit=seed.cells[0], author=world.people["citizen"], web_photos=1
    )
    group = await writer.theme("Chiếu sáng", campaign=seed.campaign, members=(opinion,))
    assert group.id is not None
    return NgocHa(
        ward=seed.ward.id,
        cell=seed.cells[0].id,
        campaign=seed.campaign.id,
        document=seed.documents[0].id,
        consultation=world.consultation.id,
        week=await filed_week(world),
        receipt=opinion.receipt,
        theme=group.id,
        signable=await signable_week(world),
    )


# ---- the table -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    """A file a form sends."""

    name: str
    data: bytes


# What a row sends: the route's {placeholders}, the form's fields, "?" a query string.
Fill = Callable[[Matrix], Awaitable[dict[str, Any]]]


def given(**values: Any) -> Fill:
    """Fixed values; "@name" is Ngọc Hà's object ``name`` (also inside the "?" mapping)."""

    def resolve(m: Matrix, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("@"):
            return getattr(m.ngoc_ha, value[1:])
        if isinstance(value, dict):
            return {k: resolve(m, v) for k, v in value.items()}
        return value

    async def fill(m: Matrix) -> dict[str, Any]:
        return {name: resolve(m, value) for name, value in values.items()}

    return fill


_NOTHING = given()


def query(**values: Any) -> Fill:
    return given(**{"?": values})


@dataclass(frozen=True)
class Row:
    method: Literal["GET", "POST", "*"]  # "*": any method (asked with GET here)
    route: str  # as registered, from ``bot.web.desk.paths``
    expect: Expect
    fill: Fill = _NOTHING
    note: str = ""  # what tells two rows of one route apart
    ends_session: bool = False  # the official signs in again after this one

    def __str__(self) -> str:
        return f"{self.method} {self.route}" + (f" ({self.note})" if self.note else "")


# What an action uses up is made afresh for each visitor.


async def _fresh_invite(m: Matrix) -> dict[str, Any]:
    return {"invite": await new_invite(m.world)}


# A units file that leaves Ngọc Hà's second cell as it is: within the ward's and the city's
# units, outside Kim Mã's.
UNITS_FILE = (
    "units:\n  - {code: NGOCHA-CB02, name: Chi bộ Tổ dân phố số 2, level: cell, parent: NGOCHA}\n"
).encode()


async def _posters(m: Matrix) -> dict[str, Any]:
    return {"?": poster_choice(m)}


async def _print(m: Matrix) -> dict[str, Any]:
    return {"choice": urlencode(poster_choice(m))}


async def _printed(m: Matrix) -> dict[str, Any]:
    """The PDF's address once the button has made the codes (as /qr makes them)."""
    world = m.world
    async with world.runtime.db.sessions() as session:
        cell = await session.get(Unit, m.ngoc_ha.cell)
        target = Target(world.seed.campaign, world.seed.documents[0])
        await entry_for(session=session, target=target, now=world.clock.now(), unit=cell)
        await session.commit()
    return {"?": poster_choice(m)}


def poster_choice(m: Matrix) -> dict[str, Any]:
    """The first cell's poster of the draft political report, as the posters form asks."""
    return {"campaign": m.ngoc_ha.campaign, "t": f"d{m.ngoc_ha.document}", "u": m.ngoc_ha.cell}


async def _moderation(m: Matrix) -> dict[str, Any]:
    """Hidden by one official, restored by the next: each finds it to act on."""
    async with m.world.runtime.db.sessions() as session:
        comment = (
            await session.execute(select(Comment).where(col(Comment.receipt) == m.ngoc_ha.receipt))
        ).scalar_one()
    hidden = comment.status is CommentStatus.HIDDEN
    return {"receipt": m.ngoc_ha.receipt, "action": "restore" if hidden else "hide"}


async def _rename(m: Matrix) -> dict[str, Any]:
    return {"theme": m.ngoc_ha.theme, "label": f"Chiếu sáng {next(_labels)}"}


async def _merge(m: Matrix) -> dict[str, Any]:
    """A fresh pair of groups each time: a merged group is gone."""
    writer = Writer(m.world)
    first = await writer.theme(f"Vỉa hè {next(_labels)}", campaign=m.world.seed.campaign)
    second = await writer.theme(f"Cây xanh {next(_labels)}", campaign=m.world.seed.campaign)
    return {"theme": first.id, "target": second.id}


_labels = itertools.count(1)
_answer = given(receipt="@receipt", text="Cảm ơn bạn đã góp ý")
_move = given(receipt="@receipt", theme="@theme")
_week_file = given(unit="@ward", campaign="@campaign", week="@week", fmt="csv")
_signing = given(unit="@ward", campaign="@consultation", period="@signable")
_never_issued = given(token="never-issued-token")

MATRIX: tuple[Row, ...] = (
    # Signing in and out
    Row("GET", paths.SIGN_IN_ROUTE, UNKNOWN_LINK, _never_issued),
    Row("POST", paths.SIGN_IN_ROUTE, BACK_TO_THE_LINK, _never_issued),
    Row("POST", paths.SIGN_OUT, SIGNED_OUT, ends_session=True),
    Row("GET", paths.SIGN_OUT, TO_THE_BOARD, note="the signed-out page's language link"),
    # The board, and its /remind
    Row("GET", paths.BOARD, ANY_OFFICIAL),
    Row("GET", paths.BOARD, NGOC_HA_PAGE, query(campaign="@campaign"), "dh14"),
    Row("POST", paths.REMIND, NGOC_HA_ACTION, given(campaign="@campaign")),
    # A unit, its invites
    Row("GET", paths.UNIT_ROUTE, NGOC_HA_PAGE, given(unit="@cell"), "a cell"),
    Row("GET", paths.UNIT_ROUTE, NGOC_HA_PAGE, given(unit="@ward"), "the ward"),
    Row("POST", paths.UNIT_INVITES_ROUTE, NGOC_HA_SHEET, given(unit="@cell", role="secretary")),
    Row("GET", paths.UNIT_INVITES_ROUTE, TO_THE_UNIT_PAGE, given(unit="@cell")),
    Row("POST", paths.INVITE_REVOKE_ROUTE, NGOC_HA_ACTION, _fresh_invite),
    Row("GET", paths.INVITE_REVOKE_ROUTE, TO_THE_UNIT_PAGE, _fresh_invite),
    # Reports: a week's file, and signing the ward's own
    Row("GET", paths.REPORTS, ANY_OFFICIAL),
    Row("GET", paths.REPORT_FILE_ROUTE, WARD_ONLY_PAGE, _week_file),
    Row("GET", paths.REPORT_SIGN_ROUTE, WARD_ONLY_PAGE, _signing),
    Row(
        "POST",
        paths.REPORT_SIGN_ROUTE,
        WARD_ONLY_PAGE,
        given(unit="@ward", campaign="@consultation", period="@signable", action="edit", seen=0),
        "«Change»: the form again",
    ),
    # Posters: the form, what will print, its button making the codes, the PDF
    Row("GET", paths.POSTERS, POSTER_CAMPAIGNS),
    Row("GET", paths.POSTERS, NGOC_HA_PAGE, _posters, "a cell's"),
    Row("GET", paths.POSTERS_PRINT, NGOC_HA_PAGE, _posters),
    Row("POST", paths.POSTERS_PRINT, NGOC_HA_ACTION, _print),
    Row("GET", paths.POSTERS_PDF, NGOC_HA_PAGE, _printed),
    # Comments and their groups (the ward's own campaign: its comment and two of its groups)
    Row("GET", paths.COMMENTS, ANY_OFFICIAL),
    Row("GET", paths.COMMENTS, NGOC_HA_PAGE, query(campaign="@campaign"), "dh14"),
    Row(
        "GET",
        paths.COMMENTS,
        NGOC_HA_PAGE,
        query(campaign="@consultation", unit="@ward"),
        "the city's, Ngọc Hà's share",
    ),
    Row("GET", paths.COMMENT_ROUTE, NGOC_HA_PAGE, given(receipt="@receipt")),
    Row("GET", paths.COMMENT_PHOTO_ROUTE, NGOC_HA_PAGE, given(receipt="@receipt", number=1)),
    Row("POST", paths.COMMENT_REPLY_ROUTE, NGOC_HA_ACTION, _answer),
    Row("POST", paths.COMMENT_MODERATE_ROUTE, NGOC_HA_ACTION, _moderation, "hide, then restore"),
    Row("POST", paths.COMMENT_THEME_ROUTE, NGOC_HA_ACTION, _move),
    Row("GET", paths.THEMES, ANY_OFFICIAL),
    Row("GET", paths.THEMES, NGOC_HA_PAGE, query(campaign="@campaign"), "dh14"),
    Row("GET", paths.THEME_ROUTE, NGOC_HA_PAGE, given(theme="@theme")),
    Row("POST", paths.THEME_RENAME_ROUTE, NGOC_HA_ACTION, _rename),
    Row("POST", paths.THEME_MERGE_ROUTE, NGOC_HA_ACTION, _merge),
    # Anything else under /desk, by any method
    Row("*", paths.ELSEWHERE_ROUTE, NOWHERE, given(rest="no/such/page")),
    # The campaign page, and uploads
    Row("GET", paths.CAMPAIGN, ANY_OFFICIAL),
    Row("GET", paths.CAMPAIGN_UPLOAD, TO_THE_CAMPAIGN_PAGE),
    Row(
        "POST",
        paths.CAMPAIGN_UPLOAD,
        NGOC_HA_UPLOAD,
        given(kind="org", file=Upload("units.yaml", UNITS_FILE)),
    ),
)
# Outside the guard: signing in, where the link in the address is the visitor's only
# credential (see tests/integration/test_desk_signin.py; here only a link never issued is
# tried), and any other address under /desk, the same polite 404 for everyone.
OPEN_ROUTES = frozenset(
    {("GET", paths.SIGN_IN_ROUTE), ("POST", paths.SIGN_IN_ROUTE), ("*", paths.ELSEWHERE_ROUTE)}
)
_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^{}]*)?\}")  # aiohttp's {name} or {name:regex}


def placeholders(row: Row) -> list[str]:
    return list(dict.fromkeys(found[1] for found in _PLACEHOLDER.finditer(row.route)))


GUARDED = [row for row in MATRIX if (row.method, row.route) not in OPEN_ROUTES]
GUARDED_POSTS = [row for row in GUARDED if row.method == "POST"]


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
        yield Matrix(world, await ngoc_ha_of(world))


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


async def dump(world: DeskWorld) -> dict[str, list[str]]:
    """Every row of every table (sorted, as text): what a refused request leaves as it was."""
    tables: dict[str, list[str]] = {}
    async with world.runtime.db.sessions() as session:
        connection = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            rows = await connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
            tables[table.name] = sorted(map(repr, rows.all()))
    return tables


# ---- asking ----------------------------------------------------------------------------------


@dataclass
class Asking:
    """A request of ``row`` made ready for ``who``: signed in, its objects made."""

    matrix: Matrix
    row: Row
    browser: Client
    values: dict[str, Any]

    async def send(
        self, *, token: bool = True, instead: Mapping[str, str] | None = None
    ) -> tuple[int, str]:
        """The status and the page (with the placeholders ``instead`` given as they are)."""
        values = dict(self.values)
        params = values.pop("?", None)
        placed = {
            name: quote(str(values.pop(name, "")), safe="") for name in placeholders(self.row)
        } | dict(instead or {})
        path = _PLACEHOLDER.sub(lambda found: placed[found[1]], self.row.route)
        if self.row.method in ("GET", "*"):
            answer = await self.browser.get(path, params=params, allow_redirects=False)
        else:
            form = FormData()
            for name, value in values.items():
                if isinstance(value, Upload):
                    form.add_field(name, value.data, filename=value.name)
                else:
                    form.add_field(name, str(value))
            if token:
                form.add_field("csrf", form_token(self.matrix, self.browser))
            answer = await self.browser.post(path, params=params, data=form, allow_redirects=False)
        return answer.status, (await answer.read()).decode("utf-8", "replace")


async def asking(matrix: Matrix, row: Row, who: Visitor) -> Asking:
    return Asking(matrix, row, await matrix.browser(who), await row.fill(matrix))


def form_token(matrix: Matrix, browser: Client) -> str:
    """The ``csrf`` field of this browser's desk forms, as its pages carry it: a refusal is
    then about who asks, never about the token (no session: any token)."""
    cookies = browser.session.cookie_jar.filter_cookies(browser.make_url(paths.ROOT))
    session = cookies.get(SESSION_COOKIE)
    if session is None:
        return "0" * 64
    return matrix.world.runtime.key.desk_form_token(session.value)


# ---- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("row", MATRIX, ids=str)
async def test_access(matrix: Matrix, row: Row, who: Visitor) -> None:
    request = await asking(matrix, row, who)
    # Outsiders are turned away by the guard before any page runs: what a refusal leaves is
    # checked for every POST and for officials refused a page.
    watched = row.method == "POST" or who in OFFICIALS
    before = await dump(matrix.world) if watched else None
    status, page = await request.send()
    if row.ends_session and status < 400:
        matrix.forget(who)
    assert status == row.expect[who], page[:3000]
    if row in GUARDED and status in REFUSALS:
        assert REFUSALS[status] in page, page[:3000]
    if before is not None and status >= 400:
        after = await dump(matrix.world)
        if who in ("citizen", "secretary") and status == 403:
            # The guard ends a session that is no official's (its holder could not even sign
            # out of it): that one write, and no other.
            del after["desk_session"], before["desk_session"]
        assert after == before, "a refused request changed the database"
    if row.expect is ANY_OFFICIAL and row.method == "GET":
        read = [name for name in NGOC_HA_NAMES if name in page]
        if who == "other_official":
            assert read == [], "Kim Mã's official reads Ngọc Hà's names"
        elif who == "ward_official":
            assert read, "the page shows nothing of Ngọc Hà to its own official"


@pytest.mark.parametrize("who", ["ward_official", "city_official"])
@pytest.mark.parametrize("row", GUARDED_POSTS, ids=str)
async def test_a_post_without_its_token_changes_nothing(
    matrix: Matrix, row: Row, who: Who
) -> None:
    request = await asking(matrix, row, who)
    before = await dump(matrix.world)
    status, page = await request.send(token=False)
    assert status == 403, page[:3000]
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
    listed = {(row.method, _PLACEHOLDER.sub(r"{\1}", row.route)) for row in MATRIX}
    assert registered - listed == set(), "desk routes with no row in MATRIX: write them one"
    assert listed - registered == set(), "MATRIX lists routes the desk does not have"
    assert registered >= {(m, _PLACEHOLDER.sub(r"{\1}", r)) for m, r in OPEN_ROUTES}


# What an address may hold instead of an id, a receipt or a format: always a 404 that
# changes nothing, never a 5xx.
GARBAGE = ("0", "-1", "99999999999999999999999999", "1e3", "Ngọc Hà", "%00", "..%2F1")
PLACEHOLDERS = [
    pytest.param(row, name, id=f"{row} {{{name}}}")
    for row in GUARDED
    for name in placeholders(row)
]


@pytest.mark.parametrize(("row", "name"), PLACEHOLDERS)
async def test_garbage_in_the_address_is_not_found(matrix: Matrix, row: Row, name: str) -> None:
    """Ngọc Hà's official, who may open every route on Ngọc Hà, asks with one id of the
    address replaced by garbage (the others, and the form, as the page sends them)."""
    request = await asking(matrix, row, "ward_official")
    before = await dump(matrix.world) if row.method == "POST" else None
    for value in GARBAGE:
        status, page = await request.send(instead={name: quote(value, safe="%")})
        assert status == 404, f"{value!r}: {page[:3000]}"
    if before is not None:
        assert await dump(matrix.world) == before
