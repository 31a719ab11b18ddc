"""The demo data set: Hà Nội city, the wards Ngọc Hà (12 cells) and Giảng Võ (7 cells), the
city's dh14 campaign open today with a deadline per level, fresh invites for every level."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.demo import DemoData, load_demo
from storage.campaigns import campaigns_for_unit, deadline_for, deadlines_of, documents_of
from storage.drafts import file_data, files_of
from storage.models import Campaign, Deadline, DocumentFile, Invite, RoleKind, Unit, UnitLevel
from tests.seed import TEST_KEY

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
TTL = timedelta(days=7)
UNITS = 22  # the city, two wards, 12 + 7 cells
INVITES = 22  # one per cell, per ward and for the city


async def count(session: AsyncSession, model: type) -> int:
    result = await session.execute(select(func.count()).select_from(model))
    return int(result.scalar_one())


async def invite_of(session: AsyncSession, code: str) -> Invite:
    rows = await session.execute(
        select(Invite).where(Invite.code_hash == TEST_KEY.invite_hash(code))
    )
    return rows.scalar_one()


async def test_demo_loads_a_city_two_wards_and_their_cells(session: AsyncSession) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()

    assert (demo.city.code, demo.city.level, demo.city.parent_id) == ("HN", UnitLevel.CITY, None)
    assert demo.city.place == "Hà Nội"
    assert [w.unit.code for w in demo.wards] == ["NGOCHA", "GIANGVO"]
    assert all(w.unit.level is UnitLevel.WARD for w in demo.wards)
    assert all(w.unit.parent_id == demo.city.id for w in demo.wards)
    ngocha, giangvo = demo.wards
    assert (ngocha.unit.place, giangvo.unit.place) == ("Ngọc Hà", "Giảng Võ")
    # Ngọc Hà is as it was before the demo grew to a city: same codes, same order.
    assert demo.ward is ngocha.unit and demo.cells is ngocha.cells
    assert [c.code for c in ngocha.cells] == [f"NGOCHA-CB{i:02d}" for i in range(1, 13)]
    assert [c.code for c in giangvo.cells] == [f"GIANGVO-CB{i:02d}" for i in range(1, 8)]
    assert giangvo.cells[0].name == "Chi bộ Tổ dân phố số 3"
    for ward in demo.wards:
        assert all(c.parent_id == ward.unit.id and c.level is UnitLevel.CELL for c in ward.cells)
    assert await count(session, Unit) == UNITS


async def test_the_campaign_is_the_citys_with_a_deadline_per_level(
    session: AsyncSession,
) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()

    assert demo.campaign.code == "dh14"
    assert demo.campaign.title == "Góp ý dự thảo văn kiện Đại hội XIV"
    assert demo.campaign.unit_id == demo.city.id
    docs = await documents_of(session=session, campaign=demo.campaign)
    assert len(docs) >= 3
    assert all(2 <= len(sections) <= 4 for _, sections in docs)
    wanted = {  # Monday = 0: cells Wednesday 17:00, wards Thursday 11:30, the city Friday 17:00
        UnitLevel.CELL: (2, "17:00"),
        UnitLevel.WARD: (3, "11:30"),
        UnitLevel.CITY: (4, "17:00"),
    }
    for level, (weekday, hour) in wanted.items():
        deadline = await deadline_for(session=session, campaign=demo.campaign, level=level)
        assert deadline is not None and (deadline.weekday, deadline.time) == (weekday, hour)
    assert len(await deadlines_of(session=session, campaign=demo.campaign)) == 3


async def test_invites_for_every_cell_both_ward_officials_and_the_city(
    session: AsyncSession,
) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()

    for ward in demo.wards:
        assert [u.code for u, _ in ward.secretary_invites] == [c.code for c in ward.cells]
    codes = [
        demo.city_invite,
        *(w.official_invite for w in demo.wards),
        *(code for w in demo.wards for _, code in w.secretary_invites),
    ]
    assert len(set(codes)) == INVITES and await count(session, Invite) == INVITES
    city = await invite_of(session, demo.city_invite)
    assert (city.role, city.unit_id) == (RoleKind.OFFICIAL, demo.city.id)
    for ward in demo.wards:
        official = await invite_of(session, ward.official_invite)
        assert (official.role, official.unit_id) == (RoleKind.OFFICIAL, ward.unit.id)
        for cell, code in ward.secretary_invites:
            secretary = await invite_of(session, code)
            assert (secretary.role, secretary.unit_id) == (RoleKind.SECRETARY, cell.id)
    assert city.expires_at == NOW + TTL


async def test_invitations_are_grouped_from_the_city_down(session: AsyncSession) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)

    groups = demo.invitations()
    assert [unit.code for unit, _ in groups] == ["HN", "NGOCHA", "GIANGVO"]
    (city,) = groups[0][1]
    assert (city.unit, city.role, city.code) == (demo.city, RoleKind.OFFICIAL, demo.city_invite)
    for (unit, invitations), ward in zip(groups[1:], demo.wards, strict=True):
        official, *cells = invitations
        assert unit is ward.unit and official.role is RoleKind.OFFICIAL
        assert (official.unit, official.code) == (ward.unit, ward.official_invite)
        assert [(i.unit, i.code) for i in cells] == ward.secretary_invites
        assert all(i.role is RoleKind.SECRETARY for i in cells)


async def test_demo_campaign_is_open_now_from_a_local_midnight(session: AsyncSession) -> None:
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    starts = demo.campaign.starts_at.astimezone(zone)
    assert starts.date() == datetime(2025, 10, 20).date()
    assert (starts.hour, starts.minute) == (0, 0)
    assert demo.campaign.ends_at == NOW + timedelta(days=60)
    for unit in (demo.cells[0], demo.wards[1].cells[-1], demo.wards[1].unit, demo.city):
        open_now = await campaigns_for_unit(session=session, unit=unit, now=NOW)
        assert [c.code for c in open_now] == ["dh14"], unit.code


def ids(demo: DemoData) -> list[int | None]:
    return [demo.city.id] + [u.id for w in demo.wards for u in (w.unit, *w.cells)]


async def test_demo_loads_twice(session: AsyncSession) -> None:
    first = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()
    later = NOW + timedelta(days=3)
    second = await load_demo(session=session, key=TEST_KEY, now=later, ttl=TTL)
    await session.commit()

    assert second.campaign.id == first.campaign.id
    assert ids(second) == ids(first) and len(ids(first)) == UNITS
    assert await count(session, Unit) == UNITS
    assert await count(session, Campaign) == 1
    assert await count(session, Deadline) == 3
    assert await count(session, Invite) == 2 * INVITES
    assert second.city_invite != first.city_invite
    assert second.campaign.ends_at == later + timedelta(days=60)
    docs = await documents_of(session=session, campaign=second.campaign)
    assert len(docs) >= 3


async def test_wards_and_the_city_file_final_reports_after_the_end(session: AsyncSession) -> None:
    """The final reports move with the campaign: the wards' three days after its end at 11:30,
    the city's the day after at 17:00 (as the file has them after 10/11/2025 17:00)."""
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    end = demo.campaign.ends_at.astimezone(zone)
    dues = {
        d.level: d.final_due for d in await deadlines_of(session=session, campaign=demo.campaign)
    }
    assert dues[UnitLevel.CELL] is None
    ward, city = dues[UnitLevel.WARD], dues[UnitLevel.CITY]
    assert ward is not None and city is not None
    ward, city = ward.astimezone(zone), city.astimezone(zone)
    assert (ward.date() - end.date()).days == 3 and (ward.hour, ward.minute) == (11, 30)
    assert (city.date() - end.date()).days == 4 and (city.hour, city.minute) == (17, 0)
    assert end <= ward < city <= end + timedelta(days=7)


async def test_ngocha_and_the_city_write_their_own_letters(session: AsyncSession) -> None:
    """The seeds' letterheads: «ĐẢNG ỦY PHƯỜNG NGỌC HÀ … -BC/ĐU», «THÀNH ỦY HÀ NỘI / BAN TUYÊN
    GIÁO VÀ DÂN VẬN … -BC/BTGDVTU»; both wards send their reports to the board's office."""
    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()
    ngocha, giangvo = (w.unit for w in demo.wards)
    assert ngocha.letterhead is not None and demo.city.letterhead is not None
    assert (ngocha.letterhead["issuer"], ngocha.letterhead["sign"]) == (
        "Đảng ủy phường Ngọc Hà",
        "ĐU",
    )
    assert ngocha.letterhead["signer"] == {
        "mode": "T/M",
        "body": "Ban Thường vụ",
        "title": "Phó Bí thư",
    }
    city = demo.city.letterhead
    assert (city["parent"], city["issuer"], city["sign"], city["place"]) == (
        "Thành ủy Hà Nội",
        "Ban Tuyên giáo và Dân vận",
        "BTGDVTU",
        "Hà Nội",
    )
    assert city["recipients"][0] == {
        "name": "Ban Tuyên giáo và Dân vận Trung ương",
        "purpose": "để báo cáo",
    }
    assert city["signer"]["mode"] == "K/T" and "name" not in city["signer"]
    assert giangvo.letterhead is None  # the defaults
    assert ngocha.report_email == giangvo.report_email == "phongtt.btgdvtu@example.org"
    assert demo.city.report_email is None  # the top reports to no one

    again = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    assert again.ward.letterhead == ngocha.letterhead


async def test_every_section_has_its_text_and_every_draft_its_full_text_as_a_pdf(
    session: AsyncSession,
) -> None:
    import pypdfium2

    demo = await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()
    docs = await documents_of(session=session, campaign=demo.campaign)
    assert all(s.text for _doc, sections in docs for s in sections)
    for _doc, sections in docs:
        for section in sections:
            assert 80 <= len(section.text) <= 800, "short, as a section of a draft"
            assert unicodedata.is_normalized("NFC", section.text)
    files = await files_of(session=session, document_ids=[d.id for d, _ in docs if d.id])
    assert len(files) == len(docs)
    bctt, sections = docs[0]
    assert bctt.id is not None
    stored = await file_data(session=session, document_id=bctt.id)
    assert stored is not None
    facts, data = stored
    assert (facts.name, facts.content_type) == (f"{bctt.title}.pdf", "application/pdf")
    assert data.startswith(b"%PDF-") and 10_000 < len(data) < 150_000
    # The words are real text in the PDF, diacritics and all (DejaVu Sans is embedded).
    pdf = pypdfium2.PdfDocument(data)
    try:
        words = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    flat = " ".join(words.split())
    assert bctt.title in flat
    assert " ".join(sections[0].text.split()[:12]) in flat


async def test_a_demo_loaded_again_keeps_its_drafts_as_they_were(session: AsyncSession) -> None:
    await load_demo(session=session, key=TEST_KEY, now=NOW, ttl=TTL)
    await session.commit()
    before = {(f.id, f.sha256, f.stored_at) for f in await all_files(session)}
    await load_demo(session=session, key=TEST_KEY, now=NOW + timedelta(days=3), ttl=TTL)
    await session.commit()
    session.expunge_all()
    assert {(f.id, f.sha256, f.stored_at) for f in await all_files(session)} == before


async def all_files(session: AsyncSession) -> list[DocumentFile]:
    return list((await session.execute(select(DocumentFile))).scalars().all())
