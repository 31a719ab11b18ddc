"""Officials get the consolidated report in chat: /export, the week, the format, a file."""

from __future__ import annotations

import io

from docx import Document as open_docx
from openpyxl import load_workbook

from storage.models import Campaign, Comment, Deadline, Person, RoleKind, Unit, UnitLevel
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.outreach import file_for, harness, join_as

HA, BINH, CITIZEN, MINH = 7300, 7301, 7302, 7303
CITY_SECRET = "Ý kiến chỉ Thành ủy được đọc"


async def ward_official(app: BotApp) -> None:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    await join_as(app, BINH, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")


def documents(app: BotApp) -> list[tuple[str, bytes, str]]:
    return [
        (c.upload.filename, c.upload.data, c.text)
        for c in app.api.calls
        if c.method == "sendDocument"
    ]


async def test_weekly_letter_after_the_deadline(app: BotApp) -> None:
    await ward_official(app)
    await file_for(app, BINH, app.seed.cells[0])
    app.clock.set(at("2025-11-12 18:00"))
    ha = app.chat(HA)
    asked = await ha.say("/export")
    assert "Báo cáo tổng hợp của Đảng ủy phường Ngọc Hà" in texts(asked)
    assert "tuần nào" in texts(asked)
    await ha.press("Tuần từ 06/11 đến 12/11/2025")
    assert "Chọn định dạng" in ha.last_text()
    await ha.press("Word")
    ((name, data, caption),) = documents(app)
    assert name.startswith("bao-cao-ngocha-") and name.endswith(".docx")
    assert "1/2 chi bộ báo cáo đúng hạn (50%)" in caption
    text = "\n".join(p.text for p in open_docx(io.BytesIO(data)).paragraphs)
    assert "BÁO CÁO" in text and "tuần từ 06/11 đến 12/11/2025" in text
    assert "Họp chi bộ" in text, "the cell's answer is quoted"


async def test_workbook_and_the_whole_campaign(app: BotApp) -> None:
    await ward_official(app)
    await file_for(app, BINH, app.seed.cells[0])
    ha = app.chat(HA)
    await ha.say("/export")
    await ha.press("Cả đợt")
    await ha.press("Excel")
    ((name, data, caption),) = documents(app)
    assert name.endswith(".xlsx") and "Tính theo lượt báo cáo" in caption
    book = load_workbook(io.BytesIO(data))
    assert [s.title for s in book.worksheets] == ["Tổng hợp", "Nội dung báo cáo", "Ý kiến"]


async def test_the_escalation_links_to_the_letter(app: BotApp) -> None:
    await ward_official(app)
    h = harness(app)
    app.clock.set(at("2025-11-12 17:01"))
    await h.sweep_and_send()
    ha = app.chat(HA)
    assert "17:00 thứ Tư, 12/11" in ha.last_text(), "the escalation came"
    await ha.press("Báo cáo tổng hợp (DOCX)")
    ((name, _data, caption),) = documents(app)
    assert name.endswith(".docx") and "0/2 chi bộ báo cáo đúng hạn" in caption


async def test_only_officials_of_the_unit(app: BotApp) -> None:
    await ward_official(app)
    assert "dành cho cán bộ" in texts(await app.chat(CITIZEN).say("/export"))
    forged = f"er:{app.seed.ward.id}:{app.seed.campaign.id}:0:docx"
    assert "không còn hiệu lực" in texts(await app.chat(CITIZEN).press_data(forged))
    assert "không còn hiệu lực" in texts(await app.chat(BINH).press_data(forged))
    other = f"er:{app.seed.ward.id}:{app.seed.campaign.id}:999:docx"
    assert "không còn hiệu lực" in texts(await app.chat(HA).press_data(other))
    assert documents(app) == []


async def test_a_city_official_gets_the_wards_rolled_up(app: BotApp) -> None:
    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
    assert city is not None
    await join_as(app, MINH, city, RoleKind.OFFICIAL, "Hoàng Minh")
    await join_as(app, BINH, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await file_for(app, BINH, app.seed.cells[0])
    minh = app.chat(MINH)
    await minh.say("/export")
    await minh.press("Tuần từ 06/11 đến 12/11/2025")
    await minh.press("CSV")
    ((name, data, _caption),) = documents(app)
    text = data.decode("utf-8-sig")
    assert name.startswith("bao-cao-hn-") and "Phường" in text.splitlines()[0]
    assert "Đảng ủy phường Ngọc Hà,2,1,0,1" in text


async def test_a_ward_official_cannot_export_a_city_campaigns_comments(app: BotApp) -> None:
    """Fault 7: /comments refused a ward official the city's campaign, but a forged «📥»
    button of /export gave its consolidated report, comments quoted. One rule now."""
    await ward_official(app)
    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
        assert city is not None and city.id is not None
        campaign = Campaign(
            code="tp",
            title="Góp ý của Thành phố",
            unit_id=city.id,
            form_id=app.seed.campaign.form_id,
            starts_at=app.seed.campaign.starts_at,
            ends_at=app.seed.campaign.ends_at,
        )
        session.add(campaign)
        await session.flush()
        assert campaign.id is not None
        session.add(
            Deadline(campaign_id=campaign.id, level=UnitLevel.CELL, weekday=2, time="17:00")
        )
        author = Person(channel="telegram", external_id="7399", created_at=app.clock.now())
        session.add(author)
        await session.flush()
        session.add(
            Comment(
                receipt="YK-CITY22",
                campaign_id=campaign.id,
                person_id=author.id,
                text=CITY_SECRET,
                anonymous=False,
                author_name="Người Thành Phố",
                fingerprint="0" * 64,
                created_at=app.clock.now(),
            )
        )
        await session.commit()
    ha = app.chat(HA)
    assert CITY_SECRET not in texts(await ha.say("/comments")), "/comments refuses it"
    for fmt in ("", "xlsx", "docx"):
        forged = f"er:{app.seed.ward.id}:{campaign.id}:0:{fmt}"
        assert "không còn hiệu lực" in texts(await ha.press_data(forged)), fmt
    assert documents(app) == []
