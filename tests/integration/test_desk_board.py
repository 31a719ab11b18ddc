"""The desk's board: the seed ward's two cells week by week as the clock moves and reports
are filed, each official seeing their own campaigns only, polite refusals for addresses the
board never makes, and «Nhắc các đơn vị chưa báo cáo» doing exactly what /remind does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from yarl import URL

from bot.i18n import build_i18n
from bot.web.desk import paths
from handlers.officials import remind_text
from scheduler.clock import FrozenClock
from scheduler.oversight import Outreach, remind_missing, status_views
from scheduler.reporting import Assignment, target
from storage.models import Deadline, Outbox, Person, Purpose, Unit, UnitLevel
from storage.people import load_member
from storage.reports import file_report
from tests.chat import at
from tests.desk_world import Client, DeskWorld, Who, post_form, serve_desk


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock) as served:
        yield served


# --- reading the page as a person would -----------------------------------------------------


@dataclass
class Seen:
    """The board as shown: its week columns, each unit's marks (class and word), the totals."""

    html: str
    weeks: list[str]
    marks: dict[str, list[str]]  # unit name → the class of each week's cell
    words: dict[str, list[str]]  # unit name → what each cell says (symbol and word)
    links: dict[str, str]  # unit name → where it leads
    totals: dict[str, list[str]]  # row heading → a figure per week

    def row(self, name: str) -> list[str]:
        return self.marks[name]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.table = ""
        self.weeks: list[str] = []
        self.rows: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.totals: dict[str, list[str]] = {}
        self._cell: list[str] | None = None
        self._class = ""
        self._head = False
        self._href = ""
        self._row: list[tuple[str, str]] = []
        self._name = ""
        self._link: list[str] | None = None
        self._total = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "table":
            self.table = attr.get("class") or ""
        elif tag == "tr":
            self._row, self._name, self._href, self._total = [], "", "", ""
        elif tag in ("th", "td"):
            self._cell, self._class = [], attr.get("class") or ""
            self._head = tag == "th"
        elif tag == "a" and self._cell is not None and self.table == "grid":
            self._href, self._link = attr.get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self._name = "".join(self._link)
            self._link = None
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self._cell = None
            if self.table == "grid" and self._head and "wk" in self._class:
                self.weeks.append(text)
            elif self.table == "grid" and self._class.startswith("m "):
                self._row.append((self._class.split()[1], text))
            elif self.table == "totals" and self._head and not self._total:
                self._total = text
            elif self.table == "totals" and self._total:
                self.totals.setdefault(self._total, []).append(text)
        elif tag == "tr" and self._name:
            self.rows.append((self._name, self._href, self._row))
        elif tag == "table":
            self.table = ""


async def board(client: Client, **query: str | int) -> Seen:
    response = await client.get(paths.BOARD, params={k: str(v) for k, v in query.items()})
    html = await response.text()
    assert response.status == 200, html[:2000]
    reader = _Reader()
    reader.feed(html)
    return Seen(
        html,
        reader.weeks,
        {name: [c for c, _ in cells] for name, _, cells in reader.rows},
        {name: [w for _, w in cells] for name, _, cells in reader.rows},
        {name: href for name, href, _ in reader.rows},
        reader.totals,
    )


async def look(world: DeskWorld, who: Who = "ward_official", **query: str | int) -> Seen:
    """The board as ``who`` opens it now, from a fresh link (the clock jumps days: a session
    ends after 8 idle hours)."""
    return await board(await world.browser(who), **query)


CELL_1, CELL_2 = "Chi bộ Tổ dân phố số 1", "Chi bộ Tổ dân phố số 2"


async def file_now(world: DeskWorld, cell: int, *, late: bool = False) -> None:
    """The cell's secretary files as /report does: this week's report, or (``late``) the
    missed week before it."""
    async with world.runtime.db.sessions() as session:
        unit = await session.get(Unit, world.seed.cells[cell].id)
        person = await session.get(Person, world.people["secretary"].id)
        assert unit is not None and person is not None
        now = world.clock.now()
        found = await target(
            session=session, assignment=Assignment(unit, world.seed.campaign), now=now
        )
        assert found is not None
        period = found.missed if late else found.period
        assert period is not None
        await file_report(
            session=session,
            period=period,
            unit=unit,
            values={"leadership": "Họp chi bộ", "news_count": 1},
            person=person,
            now=now,
        )
        await session.commit()


# --- the board week by week ----------------------------------------------------------------


async def test_the_ward_sees_its_cells_week_by_week(world: DeskWorld) -> None:
    # Monday 10/11: four weeks have passed with nothing filed; this week is due Wednesday.
    monday = await look(world)
    assert monday.weeks == ["15/10", "22/10", "29/10", "05/11", "12/11"]
    assert monday.row(CELL_1) == ["missing"] * 4 + ["not_due"]
    assert monday.row(CELL_2) == ["missing"] * 4 + ["not_due"]
    assert monday.words[CELL_1][0] == "✗ chưa báo cáo"
    assert monday.words[CELL_1][-1] == "… chưa đến hạn"
    assert monday.links[CELL_1] == paths.unit_path(world.seed.cells[0].id or 0)
    unfiled = await look(world, missing=1)  # no week stored yet: nobody has filed
    assert set(unfiled.marks) == {CELL_1, CELL_2}
    assert "Trực thuộc" not in unfiled.html  # both report to Ngọc Hà: no column for it

    # Cell 1 files on Tuesday: on time, while cell 2's week is not due yet.
    world.clock.set(at("2025-11-11 20:00"))
    await file_now(world, 0)
    tuesday = await look(world)
    assert tuesday.row(CELL_1)[-1] == "on_time"
    assert tuesday.words[CELL_1][-1] == "✓ đúng hạn"
    assert tuesday.row(CELL_2)[-1] == "not_due"
    assert tuesday.totals["✓ đúng hạn"] == ["0", "0", "0", "0", "1"]
    assert tuesday.totals["Đã báo cáo"][-1] == "50%"

    # Past Wednesday 17:00, cell 2 is missing; a new week has begun.
    world.clock.set(at("2025-11-12 17:00"))
    assert (await look(world)).row(CELL_2)[-1] == "not_due"  # the deadline minute itself
    world.clock.set(at("2025-11-13 08:00"))
    thursday = await look(world)
    assert thursday.weeks[-2:] == ["12/11", "19/11"]
    assert thursday.row(CELL_2)[-2:] == ["missing", "not_due"]

    # Cell 2 files last week's report on Thursday: late, for that week, for good.
    await file_now(world, 1, late=True)
    after = await look(world)
    assert after.row(CELL_1)[-2:] == ["on_time", "not_due"]
    assert after.row(CELL_2)[-2:] == ["late", "not_due"]
    assert after.words[CELL_2][-2] == "! trễ hạn"
    assert after.totals["! trễ hạn"][-2:] == ["1", "0"]
    assert after.totals["Đã báo cáo"][-2:] == ["100%", "0%"]
    assert (
        "12/11/2025, hạn 17:00 thứ Tư, 12/11: 1 đúng hạn, 1 trễ hạn, 0 chưa báo cáo (100%)"
        in after.html
    )


async def test_a_get_stores_no_week(world: DeskWorld) -> None:
    from storage.models import Period

    browser = await world.browser("ward_official")
    await board(browser)
    async with world.runtime.db.sessions() as session:
        assert (await session.execute(select(Period))).scalars().all() == []


# --- whose board it is ----------------------------------------------------------------------


async def test_an_official_of_another_ward_cannot_open_ngoc_has_campaign(
    world: DeskWorld,
) -> None:
    browser = await world.browser("other_official")
    dh14 = world.seed.campaign.id

    refused = await browser.get(paths.BOARD, params={"campaign": str(dh14)})
    assert refused.status == 404
    assert "thuộc các đơn vị bạn phụ trách" in await refused.text()
    own = await board(browser)  # the city's consultation asks nothing of Kim Mã's cells
    assert "Hiện không có đợt nào đang nhận báo cáo" in own.html
    assert own.marks == {}
    pressed = await post_form(browser, paths.REMIND, {"campaign": str(dh14)}, page=paths.BOARD)
    assert pressed.status == 404
    async with world.runtime.db.sessions() as session:
        assert (await session.execute(select(Outbox))).scalars().all() == []


async def test_the_city_sees_its_wards_and_a_ward_only_its_own_cells(world: DeskWorld) -> None:
    hn = world.consultation.id
    assert hn is not None
    async with world.runtime.db.sessions() as session:
        session.add(Deadline(campaign_id=hn, level=UnitLevel.WARD, weekday=3, time="11:30"))
        session.add(Deadline(campaign_id=hn, level=UnitLevel.CELL, weekday=2, time="17:00"))
        await session.commit()
    kim_ma, ngoc_ha = "Đảng ủy phường Kim Mã", "Đảng ủy phường Ngọc Hà"

    city = await look(world, "city_official")
    assert set(city.marks) == {kim_ma, ngoc_ha}  # its own campaign first, its wards first
    assert city.links[kim_ma] == paths.unit_path(world.other_ward.id or 0)
    assert city.row(ngoc_ha)[-1] == "not_due"  # due Thursday 13/11
    assert city.weeks[-1] == "13/11"
    assert "Luật Thủ đô" in city.html and "Đại hội XIV" in city.html  # the campaign chooser
    cells = await look(world, "city_official", campaign=hn, level="cell")
    assert set(cells.marks) == {CELL_1, CELL_2}  # Kim Mã has no cells yet
    async with world.runtime.db.sessions() as session:
        session.add(
            Unit(code="KIMMA-CB01", name="Chi bộ Kim Mã 1", level=UnitLevel.CELL,
                 parent_id=world.other_ward.id)
        )  # fmt: skip
        await session.commit()
    cells = await look(world, "city_official", campaign=hn, level="cell")
    assert set(cells.marks) == {CELL_1, CELL_2, "Chi bộ Kim Mã 1"}
    assert '<th scope="col">Trực thuộc</th>' in cells.html and f"<td>{kim_ma}</td>" in cells.html
    ward_run = await look(world, "city_official", campaign=world.seed.campaign.id or 0)
    assert set(ward_run.marks) == {CELL_1, CELL_2}

    ward = await world.browser("ward_official")
    mine = await board(ward, campaign=hn)
    assert set(mine.marks) == {CELL_1, CELL_2}  # the city's campaign, the ward's cells only
    for level in ("ward", "city"):  # not levels below a ward
        assert (await ward.get(paths.BOARD, params={"campaign": hn, "level": level})).status == 404


# --- many cells: pages, a filter, a search; the totals cover them all ------------------------


async def test_pages_filter_and_search_while_totals_count_every_cell(world: DeskWorld) -> None:
    ward_id = world.seed.ward.id
    async with world.runtime.db.sessions() as session:
        session.add_all(
            Unit(code=f"NGOCHA-K{n:03d}", name=f"Chi bộ Khu phố {n}", level=UnitLevel.CELL,
                 parent_id=ward_id)
            for n in range(1, 249)
        )  # fmt: skip
        await session.commit()
    world.clock.set(at("2025-11-11 10:00"))
    await file_now(world, 0)  # one of the 250 filed this week
    browser = await world.browser("ward_official")

    first = await board(browser)
    assert len(first.marks) == 100
    assert "100/250 chi bộ · trang 1/3" not in first.html  # every unit matches: 250 of 250
    assert "250/250 chi bộ · trang 1/3" in first.html
    assert first.totals["✓ đúng hạn"][-1] == "1" and first.totals["Đã báo cáo"][-1] == "0%"
    last = await board(browser, page=3)
    assert len(last.marks) == 50
    assert (await browser.get(paths.BOARD, params={"page": "4"})).status == 404

    missing = await board(browser, missing=1)
    assert "249/250 chi bộ" in missing.html and CELL_1 not in missing.marks
    assert missing.totals == first.totals  # the totals and the chart cover every cell

    found = await board(browser, q="khu PHO 24")  # no accents, any case
    assert set(found.marks) == {
        "Chi bộ Khu phố 24",
        *(f"Chi bộ Khu phố {n}" for n in range(240, 249)),
    }
    by_code = await board(browser, q="ngocha-cb01")
    assert set(by_code.marks) == {CELL_1}
    nothing = await board(browser, q="Quảng Ninh", missing=1)
    assert nothing.marks == {} and "Không có đơn vị nào phù hợp." in nothing.html


# --- addresses the board never makes -------------------------------------------------------


async def test_query_values_the_board_never_makes(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    statuses = {
        "campaign=abc": 400,
        "campaign=-1": 400,
        "campaign=99999": 404,
        "campaign=9999999999999999999999": 400,
        "level=galaxy": 400,
        "level=ward": 404,
        "page=0": 400,
        "page=2": 404,
        "page=1e3": 400,
        "missing=yes": 400,
        "q=" + "x" * 101: 400,
        "reminded=1-cell-1-1-1": 400,
        "reminded=1-cell-1-1-1-99999999999999": 400,
        "lang=en&utm_source=zalo": 200,
    }
    for query, expected in statuses.items():
        response = await browser.get(URL(f"{paths.BOARD}?{query}", encoded=True))
        assert response.status == expected, query
        assert "<h1>" in await response.text()
    # Well formed, but about Kim Mã's units: nothing is said about them.
    forged = await board(browser, reminded=f"{world.other_ward.id}-cell-9-9-0-0")
    assert 'id="flash"' not in forged.html


QUERY_KEYS = st.sampled_from(["campaign", "level", "page", "missing", "q", "reminded", "x"])
QUERY_VALUES = st.one_of(
    st.text(max_size=40).map(lambda s: quote(s, safe="")),
    st.binary(max_size=20).map(lambda b: quote_from_bytes(b, safe="")),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["%", "%zz", "%C3", "1", "cell", "none", "1-cell-0-0-0-0", "%00", "+"]),
)


@given(query=st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=5))
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
async def test_no_query_is_a_server_error(world: DeskWorld, query: list[tuple[str, str]]) -> None:
    browser = await _signed_in(world)
    raw = "&".join(f"{key}={value}" for key, value in query)
    response = await browser.get(URL(f"{paths.BOARD}?{raw}", encoded=True))
    assert response.status in (200, 400, 404), raw
    await response.read()


_BROWSERS: dict[int, Client] = {}


async def _signed_in(world: DeskWorld) -> Client:
    """One browser per world across Hypothesis's examples (the clock does not move)."""
    if id(world) not in _BROWSERS:
        _BROWSERS.clear()
        _BROWSERS[id(world)] = await world.browser("ward_official")
    return _BROWSERS[id(world)]


# --- «Nhắc các đơn vị chưa báo cáo» --------------------------------------------------------


_FLASH = re.compile(r'<div class="note ok flash" role="status" id="flash">\n<p>(.*?)</p>', re.S)


async def what_the_chat_queues(world: DeskWorld) -> tuple[list[tuple[object, ...]], str]:
    """/remind in chat at this moment, rolled back: the outbox rows it queues, and its answer."""
    outreach: Outreach = world.dp["outreach"]
    i18n = build_i18n("vi")
    async with world.runtime.db.sessions() as session:
        person = await session.get(Person, world.people["ward_official"].id)
        assert person is not None
        member = await load_member(session=session, person=person)
        now = world.clock.now()
        (result,) = await remind_missing(
            session=session,
            member=member,
            now=now,
            render=outreach.render,
            defaults=outreach.defaults,
        )
        rows = await outbox(session)
        with i18n.context(), i18n.use_locale("vi"):
            answer = remind_text(result, now)
        await session.rollback()
    return rows, answer


async def outbox(session: AsyncSession) -> list[tuple[object, ...]]:
    found = await session.execute(select(Outbox).order_by(col(Outbox.key)))
    return [
        (r.key, r.purpose, r.person_id, r.chat_id, r.text, r.markup, r.unit_id, r.period_id,
         r.not_before, r.expires_at, r.quiet_hours, r.timezone)
        for r in found.scalars()
    ]  # fmt: skip


async def press_remind(world: DeskWorld, browser: Client) -> str:
    """Press the button on the board, follow the redirect, and read the note it shows."""
    pressed = await post_form(
        browser, paths.REMIND, {"campaign": str(world.seed.campaign.id)}, page=paths.BOARD
    )
    assert pressed.status == 303
    location = pressed.headers["Location"]
    assert location.startswith(paths.BOARD + "?")
    shown = await browser.get(location)
    assert shown.status == 200
    found = _FLASH.search(await shown.text())
    assert found is not None
    return found[1]


async def test_remind_queues_what_remind_in_chat_queues_and_says_what_it_says(
    world: DeskWorld,
) -> None:
    async with world.runtime.db.sessions() as session:
        # The official asked /status in chat this morning: the week is stored, as it would be.
        person = await session.get(Person, world.people["ward_official"].id)
        assert person is not None
        member = await load_member(session=session, person=person)
        await status_views(session=session, member=member, now=world.clock.now())
        await session.commit()
    chat_rows, chat_answer = await what_the_chat_queues(world)
    rung: list[str] = []
    world.dp["outreach"].wake = lambda: rung.append("ring")
    browser = await world.browser("ward_official")

    said = await press_remind(world, browser)

    async with world.runtime.db.sessions() as session:
        assert await outbox(session) == chat_rows
    assert len(chat_rows) == 1 and chat_rows[0][3] == str(world.people["secretary"].external_id)
    assert chat_rows[0][1] is Purpose.MANUAL
    assert said == chat_answer.replace("\n", "<br>")
    assert "2 chi bộ chưa báo cáo (hạn 17:00 thứ Tư, 12/11)" in said
    assert "Đã gửi nhắc: 1." in said
    assert "Chưa có bí thư tham gia: Chi bộ Tổ dân phố số 2." in said
    assert rung == ["ring"]

    # A second press: the secretary was reminded this week; nothing more goes, no bell.
    again = await press_remind(world, browser)
    assert "1 người đã được nhắc trong tuần này nên không gửi lại." in again
    assert "Đã gửi nhắc" not in again
    async with world.runtime.db.sessions() as session:
        assert len(await outbox(session)) == 1
    assert rung == ["ring"]


async def test_remind_in_quiet_hours_says_when_it_goes(world: DeskWorld) -> None:
    world.clock.set(at("2025-11-11 22:30"))
    said = await press_remind(world, await world.browser("ward_official"))
    assert "Đang giờ nghỉ: tin nhắc sẽ được gửi lúc 07:00 thứ Tư, 12/11." in said
    async with world.runtime.db.sessions() as session:
        (row,) = (await session.execute(select(Outbox))).scalars().all()
    assert row.not_before == at("2025-11-12 07:00")


async def test_after_the_last_deadline_nobody_is_reminded(world: DeskWorld) -> None:
    world.clock.set(at("2026-01-02 09:00"))  # the campaign ended on 31/12 17:00
    browser = await world.browser("ward_official")
    seen = await board(browser)
    assert "Nhắc các đơn vị chưa báo cáo" not in seen.html  # no button
    assert seen.weeks[-1] == "31/12" and seen.row(CELL_1)[-1] == "missing"
    said = await press_remind(world, browser)  # a form kept open from before
    assert "không nhắc thêm ai nữa" in said
    async with world.runtime.db.sessions() as session:
        assert (await session.execute(select(Outbox))).scalars().all() == []


async def test_remind_refuses_a_forged_campaign(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    for value, expected in (("", 400), ("abc", 400), ("99999", 404)):
        pressed = await post_form(browser, paths.REMIND, {"campaign": value}, page=paths.BOARD)
        assert pressed.status == expected, value
    dh14 = str(world.seed.campaign.id)
    for level, back in (("cell", "&level=cell"), ("ward", ""), ("🙂", "")):
        fields = {"campaign": dh14, "level": level}
        pressed = await post_form(browser, paths.REMIND, fields, page=paths.BOARD)
        assert pressed.status == 303
        assert pressed.headers["Location"].startswith(f"{paths.BOARD}?campaign={dh14}{back}&")
