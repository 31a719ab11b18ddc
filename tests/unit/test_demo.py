"""The demo data set: twelve cells of Ngọc Hà, the dh14 campaign open today, fresh invites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.demo import load_demo
from storage.campaigns import campaigns_for_unit, deadline_for, documents_of
from storage.models import Campaign, Invite, RoleKind, Unit, UnitLevel
from tests.seed import TEST_KEY

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
TTL = timedelta(days=7)


async def count(session: AsyncSession, model: type) -> int:
    result = await session.execute(select(func.count()).select_from(model))
    return int(result.scalar_one())


async def test_demo_loads_the_ward_its_cells_the_campaign_and_invites(
    session: AsyncSession,
) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()

    assert demo.ward.code == "NGOCHA" and demo.ward.place == "Ngọc Hà"
    assert len(demo.cells) == 12
    assert [c.code for c in demo.cells] == [f"NGOCHA-CB{i:02d}" for i in range(1, 13)]
    assert all(c.parent_id == demo.ward.id and c.level is UnitLevel.CELL for c in demo.cells)
    assert await count(session, Unit) == 14  # the city, the ward, twelve cells

    assert demo.campaign.code == "dh14"
    assert demo.campaign.title == "Góp ý dự thảo văn kiện Đại hội XIV"
    assert demo.campaign.unit_id == demo.ward.id
    docs = await documents_of(session=session, campaign=demo.campaign)
    assert len(docs) >= 3
    assert all(2 <= len(sections) <= 4 for _, sections in docs)
    cell = await deadline_for(session=session, campaign=demo.campaign, level=UnitLevel.CELL)
    ward = await deadline_for(session=session, campaign=demo.campaign, level=UnitLevel.WARD)
    assert cell is not None and (cell.weekday, cell.time) == (2, "17:00")
    assert ward is not None and (ward.weekday, ward.time) == (3, "11:30")

    assert len(demo.secretary_invites) == 12
    assert [unit.code for unit, _ in demo.secretary_invites] == [c.code for c in demo.cells]
    assert await count(session, Invite) == 13
    codes = [code for _, code in demo.secretary_invites] + [demo.official_invite]
    assert len(set(codes)) == 13
    rows = await session.execute(
        select(Invite).where(Invite.code_hash == TEST_KEY.invite_hash(codes[-1]))
    )
    official = rows.scalar_one()
    assert official.role is RoleKind.OFFICIAL and official.unit_id == demo.ward.id
    assert official.expires_at == NOW + TTL


async def test_demo_campaign_is_open_now_from_a_local_midnight(session: AsyncSession) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    starts = demo.campaign.starts_at.astimezone(zone)
    assert starts.date() == datetime(2025, 10, 20).date()
    assert (starts.hour, starts.minute) == (0, 0)
    assert demo.campaign.ends_at == NOW + timedelta(days=60)
    open_now = await campaigns_for_unit(session=session, unit=demo.cells[0], now=NOW)
    assert [c.code for c in open_now] == ["dh14"]


async def test_demo_loads_twice(session: AsyncSession) -> None:
    first = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()
    later = NOW + timedelta(days=3)
    second = await load_demo(session=session, key=TEST_KEY, now=later, ttl=TTL)
    await session.commit()

    assert second.campaign.id == first.campaign.id
    assert second.ward.id == first.ward.id
    assert [c.id for c in second.cells] == [c.id for c in first.cells]
    assert await count(session, Unit) == 14
    assert await count(session, Campaign) == 1
    assert await count(session, Invite) == 26
    assert second.campaign.ends_at == later + timedelta(days=60)
    docs = await documents_of(session=session, campaign=second.campaign)
    assert len(docs) >= 3
