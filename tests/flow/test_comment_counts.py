"""/comments and the comment exports count per place: the city's official reads a line per
ward, stance and sender; a ward's official reads their ward's campaign and their ward's share
of the city's, per cell; the XLSX names each comment's unit, channel, stance and sender and
sums them per unit."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from handlers.callbacks import ExportComments
from storage.comments import Details
from storage.entries import Target
from storage.models import (
    AuthorCategory,
    Campaign,
    CommentMedium,
    Deadline,
    RoleKind,
    Stance,
    Unit,
    UnitLevel,
)
from tests.chat import texts
from tests.conftest import BotApp
from tests.flow.test_comments import store_comment
from tests.outreach import join_as

CITY, WARD = 7200, 7201


async def city_campaign(app: BotApp) -> Campaign:
    """Kim Mã beside Ngọc Hà; the city's campaign with two comments from Ngọc Hà's cells
    (one a letter), one from Kim Mã's and one whose place is not known."""
    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
        assert city is not None and city.id is not None
        kimma = Unit(code="KIMMA", name="Đảng ủy phường Kim Mã", level=UnitLevel.WARD)
        kimma.parent_id = city.id
        session.add(kimma)
        await session.flush()
        cell = Unit(code="KIMMA-CB01", name="Chi bộ Kim Mã 1", level=UnitLevel.CELL)
        cell.parent_id = kimma.id
        campaign = Campaign(
            code="tp",
            title="Góp ý của Thành phố",
            unit_id=city.id,
            form_id=app.seed.campaign.form_id,
            starts_at=app.seed.campaign.starts_at,
            ends_at=app.seed.campaign.ends_at,
        )
        session.add_all([cell, campaign])
        await session.flush()
        assert campaign.id is not None
        session.add(
            Deadline(campaign_id=campaign.id, level=UnitLevel.CELL, weekday=2, time="17:00")
        )
        cells = app.seed.cells
        placed = [
            (cells[0], Stance.AGREE, AuthorCategory.PARTY_MEMBER, CommentMedium.CHAT),
            (cells[1], Stance.DISAGREE, None, CommentMedium.LETTER),
            (cell, Stance.AGREE, None, CommentMedium.CHAT),
            (None, None, None, CommentMedium.CHAT),
        ]
        for number, (unit, stance, category, medium) in enumerate(placed):
            details = Details(
                unit_id=unit.id if unit is not None else None,
                stance=stance,
                category=category,
                medium=medium,
            )
            text = f"Ý kiến của thành phố số {number}"
            await store_comment(session, app, Target(campaign), text, details)
        await session.commit()
        await session.refresh(city)
    await join_as(app, CITY, city, RoleKind.OFFICIAL, "Cán bộ Thành phố")
    await join_as(app, WARD, app.seed.ward, RoleKind.OFFICIAL, "Cán bộ Ngọc Hà")
    return campaign


async def test_the_city_reads_a_line_per_ward_with_stance_and_sender(app: BotApp) -> None:
    await city_campaign(app)
    overview = texts(await app.chat(CITY).say("/comments"))
    city = overview.split("Góp ý của Thành phố")[1]
    assert "4 ý kiến" in city
    assert "📍 Đảng ủy phường Kim Mã: 1" in city
    assert "📍 Đảng ủy phường Ngọc Hà: 2" in city
    assert "Về quan điểm: tán thành 2, không tán thành 1." in city
    assert "Theo đối tượng góp ý: đảng viên 1." in city
    assert "Hình thức tiếp nhận: qua tin nhắn 3, thư tay 1." in city


async def test_a_ward_official_reads_their_wards_share_of_the_citys_campaign(app: BotApp) -> None:
    await city_campaign(app)
    overview = texts(await app.chat(WARD).say("/comments"))
    city, own = overview.split("Góp ý của Thành phố", 1)[1], overview.split("Đại hội XIV")[1]
    assert "2 ý kiến" in city and "Về quan điểm: tán thành 1, không tán thành 1." in city
    assert "📍 Chi bộ Tổ dân phố số 1: 1" in city and "📍 Chi bộ Tổ dân phố số 2: 1" in city
    assert "thành phố số 0" in city and "thành phố số 1" in city
    # Kim Mã's comment and the one whose place is not known are not the ward's.
    assert "Kim Mã" not in overview
    assert "thành phố số 2" not in city and "thành phố số 3" not in city
    assert "0 ý kiến" in own and "Về quan điểm" not in own


async def test_the_export_names_unit_channel_stance_and_sender_and_sums_them(
    app: BotApp,
) -> None:
    campaign = await city_campaign(app)
    assert campaign.id is not None
    await app.chat(CITY).press_data(ExportComments(campaign_id=campaign.id, fmt="xlsx").pack())
    sent = [c for c in app.api.calls if c.method == "sendDocument"][-1]
    book = load_workbook(io.BytesIO(sent.upload.data))
    comments, summary = book.worksheets
    rows = [list(r) for r in comments.iter_rows(values_only=True)]
    header = rows[0]
    assert header[-5:] == ["Đơn vị", "Hình thức", "Quan điểm", "Đối tượng", "Nhóm"]
    found = {r[4]: r[-5:-1] for r in rows[1:] if r[0]}
    assert found["Ý kiến của thành phố số 0"] == [
        "Chi bộ Tổ dân phố số 1",
        "qua tin nhắn",
        "tán thành",
        "đảng viên",
    ]
    assert found["Ý kiến của thành phố số 1"][1:3] == ["thư tay", "không tán thành"]
    assert found["Ý kiến của thành phố số 3"][0] == "Đảng bộ Thành phố Hà Nội"
    assert summary.title == "Ý kiến theo đơn vị"
    table = {r[0]: r[1:] for r in summary.iter_rows(values_only=True)}
    assert table["Đảng ủy phường Ngọc Hà"][:4] == (2, 1, 1, 0)
    assert table["Đảng ủy phường Kim Mã"][:2] == (1, 1)
    assert table["Gửi trực tiếp về đơn vị"][0] == 1
    assert table["Tổng cộng"][:4] == (4, 2, 1, 0)
