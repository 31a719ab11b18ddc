"""A small ward for tests: two cells, one campaign with the default form, Wednesday 17:00,
and two draft documents to comment on (one with sections and a full-text link)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.forms import default_form
from storage.invites import create_invites
from storage.keys import ServerKey
from storage.models import (
    Campaign,
    Deadline,
    Document,
    InviteMode,
    ReportForm,
    RoleKind,
    Section,
    Unit,
    UnitLevel,
)
from tests.chat import at

# The server secret of test apps (``GOPY_SECRET_KEY``), and its keyed hashes.
TEST_SECRET = "test-secret-for-gopy-keyed-hashes-0123456789"
TEST_KEY = ServerKey(TEST_SECRET.encode())


@dataclass
class Seed:
    ward: Unit
    cells: list[Unit]
    campaign: Campaign
    documents: list[Document]
    sections: list[Section]


async def seed_ward(session: AsyncSession) -> Seed:
    city = Unit(code="HN", name="Đảng bộ Thành phố Hà Nội", level=UnitLevel.CITY)
    session.add(city)
    await session.flush()
    ward = Unit(
        code="NGOCHA",
        name="Đảng ủy phường Ngọc Hà",
        level=UnitLevel.WARD,
        parent_id=city.id,
        place="Ngọc Hà",
    )
    session.add(ward)
    await session.flush()
    cells = [
        Unit(
            code=f"NGOCHA-CB0{i}",
            name=f"Chi bộ Tổ dân phố số {i}",
            level=UnitLevel.CELL,
            parent_id=ward.id,
        )
        for i in (1, 2)
    ]
    session.add_all(cells)
    form = ReportForm(name="default", fields=default_form().dump())
    session.add(form)
    await session.flush()
    assert ward.id is not None and form.id is not None
    campaign = Campaign(
        code="dh14",
        title="Góp ý dự thảo văn kiện Đại hội XIV",
        unit_id=ward.id,
        form_id=form.id,
        starts_at=at("2025-10-15 00:00"),
        ends_at=at("2025-12-31 17:00"),
    )
    session.add(campaign)
    await session.flush()
    assert campaign.id is not None
    session.add(Deadline(campaign_id=campaign.id, level=UnitLevel.CELL, weekday=2, time="17:00"))
    documents = [
        Document(
            campaign_id=campaign.id,
            code="bctt",
            title="Dự thảo Báo cáo chính trị",
            url="https://example.org/du-thao/bao-cao-chinh-tri.pdf",
            position=0,
        ),
        Document(campaign_id=campaign.id, code="dl", title="Dự thảo Điều lệ Đảng", position=1),
    ]
    session.add_all(documents)
    await session.flush()
    assert documents[0].id is not None
    sections = [
        Section(
            document_id=documents[0].id,
            number="I",
            heading="Kết quả thực hiện Nghị quyết Đại hội XIII",
            summary="Đánh giá thành tựu nổi bật nhiệm kỳ 2021–2025.",
            position=0,
        ),
        Section(
            document_id=documents[0].id,
            number="II",
            heading="Bối cảnh, mục tiêu và định hướng phát triển",
            position=1,
        ),
    ]
    session.add_all(sections)
    await session.flush()
    return Seed(ward, cells, campaign, documents, sections)


async def invite(
    session: AsyncSession,
    unit: Unit,
    *,
    role: RoleKind = RoleKind.SECRETARY,
    mode: InviteMode = InviteMode.ADD,
    now=None,
    key: ServerKey = TEST_KEY,
) -> str:
    from datetime import UTC, datetime

    (code,) = await create_invites(
        session=session,
        unit=unit,
        role=role,
        key=key,
        now=now or datetime(2025, 11, 1, tzinfo=UTC),
        mode=mode,
    )
    await session.commit()
    return code


async def city_consultation_of(
    session: AsyncSession, seed: Seed, places: tuple[str, ...]
) -> tuple[Unit, dict[str, Unit], Campaign]:
    """The seed's city, its wards (Ngọc Hà and one per place) and its own consultation on the
    Capital Law (no document yet), flushed: a city asking its wards, as in the letters."""
    city = await session.get(Unit, seed.ward.parent_id)
    ngoc_ha = await session.get(Unit, seed.ward.id)
    assert city is not None and city.id is not None and ngoc_ha is not None
    wards = {"Ngọc Hà": ngoc_ha}
    for n, place in enumerate(places):
        ward = Unit(
            code=f"W{n}",
            name=f"Đảng ủy phường {place}",
            level=UnitLevel.WARD,
            parent_id=city.id,
            place=place,
        )
        session.add(ward)
        wards[place] = ward
    campaign = Campaign(
        code="hn",
        title="Góp ý dự thảo Luật Thủ đô",
        unit_id=city.id,
        form_id=seed.campaign.form_id,
        starts_at=at("2025-10-15 00:00"),
        ends_at=at("2025-12-31 17:00"),
    )
    session.add(campaign)
    await session.flush()
    assert campaign.id is not None
    return city, wards, campaign
