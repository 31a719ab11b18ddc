"""A city reading what its wards signed: the rows are its wards, found without walking the
cells below them, with what each ward signed (or missing), and its officials as signers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import storage.consolidated
from storage.completeness import subtree
from storage.consolidated import filings_as_of
from storage.models import Campaign, Period, Person, Role, RoleKind, Unit, UnitLevel
from storage.people import get_or_create_person
from storage.reports import ensure_period, file_report
from storage.signed import SignedValues, sign_report
from tests.chat import at
from tests.seed import seed_ward

START = at("2025-11-01")
SIGNED = SignedValues(
    own={"news_count": 12, "assessment": "Đúng tiến độ."},
    children={"news_count": 30},
    totals={"news_count": 42},
    as_of=at("2025-11-13 09:00").isoformat(),
    expected=2,
    on_time=2,
    late=0,
)


@dataclass
class City:
    city: Unit
    ngoc_ha: Unit
    kim_ma: Unit
    cells: list[int]
    campaign: Campaign


async def city_of_two_wards(session: AsyncSession) -> City:
    """The seed's city, Ngọc Hà (two cells) and Kim Mã (one cell)."""
    seed = await seed_ward(session)
    city = await session.get(Unit, seed.ward.parent_id)
    assert city is not None and city.id is not None
    other = Unit(
        code="KIMMA", name="Đảng ủy phường Kim Mã", level=UnitLevel.WARD, parent_id=city.id
    )
    session.add(other)
    await session.flush()
    cell = Unit(
        code="KIMMA-CB01", name="Chi bộ Kim Mã 1", level=UnitLevel.CELL, parent_id=other.id
    )
    session.add(cell)
    await session.flush()
    cells = [c.id for c in [*seed.cells, cell] if c.id is not None]
    return City(city, seed.ward, other, cells, seed.campaign)


async def week(
    session: AsyncSession, campaign: Campaign, level: UnitLevel, deadline: datetime
) -> Period:
    return await ensure_period(
        session=session,
        campaign=campaign,
        level=level,
        starts_at=deadline - timedelta(days=7),
        deadline_at=deadline,
    )


async def holder(session: AsyncSession, name: str, kind: RoleKind, units: list[Unit]) -> Person:
    """A person holding ``kind`` in each of ``units``."""
    person = await get_or_create_person(
        session=session, channel="telegram", external_id=name, full_name=name, now=START
    )
    assert person.id is not None
    for unit in units:
        assert unit.id is not None
        session.add(Role(person_id=person.id, unit_id=unit.id, kind=kind, granted_at=START))
    return person


async def test_a_subtree_down_to_a_level_leaves_the_units_below_it_out(
    session: AsyncSession,
) -> None:
    found = await city_of_two_wards(session)
    city_id = found.city.id
    assert city_id is not None

    async def ids(down_to: UnitLevel | None) -> set[int]:
        tree = subtree(city_id, down_to=down_to)
        return set((await session.execute(select(tree.c.id))).scalars())

    wards = {city_id, found.ngoc_ha.id, found.kim_ma.id}
    everything = await ids(None)
    assert everything == {*wards, *found.cells}
    assert await ids(UnitLevel.WARD) == wards
    assert await ids(UnitLevel.CELL) == everything
    assert await ids(UnitLevel.CITY) == {city_id}


async def test_a_city_reads_each_ward_once_with_what_it_signed(session: AsyncSession) -> None:
    found = await city_of_two_wards(session)
    city, ngoc_ha = found.city, found.ngoc_ha
    assert city.id is not None and ngoc_ha.id is not None
    period = await week(session, found.campaign, UnitLevel.WARD, at("2025-11-13 11:30"))
    official = await holder(session, "Phạm Thu Hà", RoleKind.OFFICIAL, [ngoc_ha])
    filed = await sign_report(
        session=session,
        period=period,
        unit=ngoc_ha,
        values=SIGNED,
        person=official,
        now=at("2025-11-13 09:00"),
        seen=0,
    )
    assert filed is not None

    filings = await filings_as_of(
        session=session,
        root_id=city.id,
        level=UnitLevel.WARD,
        period=period,
        as_of=at("2025-11-13 09:00") + timedelta(days=1),
    )

    assert [f.name for f in filings] == ["Đảng ủy phường Kim Mã", "Đảng ủy phường Ngọc Hà"]
    missing, signed = filings
    assert missing.status == "missing" and missing.signed is None and missing.values == {}
    assert signed.status == "on_time" and signed.signed == SIGNED
    assert signed.values == {"news_count": 42, "assessment": "Đúng tiến độ."}
    assert signed.secretaries == ["Phạm Thu Hà"], "above the cells the officials sign"
    assert {f.group_id for f in filings} == {city.id}
    # Before it was signed: both wards missing.
    earlier = await filings_as_of(
        session=session,
        root_id=city.id,
        level=UnitLevel.WARD,
        period=period,
        as_of=at("2025-11-13 08:59"),
    )
    assert [f.status for f in earlier] == ["missing", "missing"]


async def test_filings_are_the_same_by_the_units_ids_or_by_the_tree(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few units are looked up by their ids (what the planner estimates well), many by
    the tree: the same filings either way, as of the same moment."""
    found = await city_of_two_wards(session)
    assert found.city.id is not None
    period = await week(session, found.campaign, UnitLevel.CELL, at("2025-11-12 17:00"))
    cells = await session.execute(select(Unit).where(col(Unit.id).in_(found.cells)))
    first, _second, third = sorted(cells.scalars(), key=lambda u: u.code)
    secretary = await holder(session, "Lê Văn An", RoleKind.SECRETARY, [first, third])
    for cell, count, moment in (
        (first, 4, "2025-11-10 09:00"),
        (first, 9, "2025-11-13 09:00"),  # amended late, after the moment read below
        (third, 7, "2025-11-12 18:00"),  # late
    ):
        await file_report(
            session=session,
            period=period,
            unit=cell,
            values={"news_count": count},
            person=secretary,
            now=at(moment),
        )

    async def read() -> list[tuple[str, str, dict[str, Any], list[str]]]:
        filings = await filings_as_of(
            session=session,
            root_id=found.city.id or 0,
            level=UnitLevel.CELL,
            period=period,
            as_of=at("2025-11-12 20:00"),
        )
        return [(f.name, f.status, f.values, f.secretaries) for f in filings]

    by_ids = await read()
    monkeypatch.setattr(storage.consolidated, "LISTED_UNITS", 0)
    assert await read() == by_ids
    assert by_ids == [
        ("Chi bộ Kim Mã 1", "on_time", {"news_count": 4}, ["Lê Văn An"]),
        ("Chi bộ Tổ dân phố số 1", "missing", {}, []),
        ("Chi bộ Tổ dân phố số 2", "late", {"news_count": 7}, ["Lê Văn An"]),
    ]
