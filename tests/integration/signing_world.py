"""A city, one ward and its cells in a campaign where cells report by Wednesday 17:00 and the
ward by Thursday 11:30: the world the signing tests (lifecycle, races) sign in."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.consolidated import Consolidated
from services.signing import SignedFormat
from storage.forms import default_form
from storage.models import Campaign, Deadline, Person, ReportForm, Unit, UnitLevel
from storage.people import get_or_create_person
from tests.chat import at


@dataclass
class World:
    city: Unit
    ward: Unit
    cells: list[Unit]
    campaign: Campaign
    person: Person


async def build_world(session: AsyncSession, cells: int) -> World:
    """The units, the campaign and its two deadlines, an official; flushed, not committed."""
    units: dict[str, Unit] = {}
    for code, level, parent in (
        ("HN", UnitLevel.CITY, None),
        ("NH", UnitLevel.WARD, "HN"),
        *((f"C{k}", UnitLevel.CELL, "NH") for k in range(cells)),
    ):
        unit = Unit(
            code=code,
            name=f"Đơn vị {code}",
            level=level,
            parent_id=units[parent].id if parent else None,
        )
        session.add(unit)
        await session.flush()
        units[code] = unit
    form = ReportForm(name="default", fields=default_form().dump())
    session.add(form)
    await session.flush()
    assert form.id is not None and units["HN"].id is not None
    campaign = Campaign(
        code="dh14",
        title="Góp ý dự thảo văn kiện Đại hội XIV",
        unit_id=units["HN"].id,
        form_id=form.id,
        starts_at=at("2025-11-05 17:00"),
        ends_at=at("2025-12-31 17:00"),
    )
    session.add(campaign)
    await session.flush()
    assert campaign.id is not None
    for level, weekday, time in ((UnitLevel.CELL, 2, "17:00"), (UnitLevel.WARD, 3, "11:30")):
        session.add(Deadline(campaign_id=campaign.id, level=level, weekday=weekday, time=time))
    person = await get_or_create_person(
        session=session,
        channel="telegram",
        external_id="1",
        full_name="Nguyễn Thị Bình",
        now=at("2025-11-10 08:00"),
    )
    await session.flush()
    return World(
        units["HN"], units["NH"], [units[f"C{k}"] for k in range(cells)], campaign, person
    )


async def render(report: Consolidated, fmt: SignedFormat) -> bytes:
    """The files as these tests make them: what was signed, the same bytes for the same report
    (the real letters are checked in test_chain_consolidation; here only that they stay)."""
    shown = {"totals": report.totals, "own": report.own, "as_of": report.as_of.isoformat()}
    return json.dumps({"fmt": fmt, **shown}, sort_keys=True).encode()
