"""The desk's board: the seed ward's two cells week by week as the clock moves and reports
are filed, each official seeing their own campaigns only, polite refusals for addresses the
board never makes, and «Nhắc các đơn vị chưa báo cáo» doing exactly what /remind does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from scheduler.reporting import Assignment, target
from storage.models import Person, Unit
from storage.reports import file_report
from tests.chat import at
from tests.desk_world import Client, DeskWorld, Who, serve_desk


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
    async with world.runtime.sessions() as session:
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
    async with world.runtime.sessions() as session:
        assert (await session.execute(select(Period))).scalars().all() == []
