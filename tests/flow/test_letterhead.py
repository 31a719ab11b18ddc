"""A ward official sets how the ward's letters are headed and signed (/letterhead): issuer,
sign, place, recipients, signer and the e-mail of the office above; bad input and /cancel keep
what was stored; only the ward's officials may."""

from __future__ import annotations

import io

from docx import Document as open_docx

from storage.letterheads import Letterhead, Recipient, Signer, letterhead_of
from storage.models import RoleKind, Unit
from tests.chat import Talk, texts
from tests.conftest import BotApp
from tests.flow.test_export import documents
from tests.outreach import file_for, join_as
from tests.seed import invite
from tests.zalo_chat import ZaloApp

HA, BINH, CITY = 7400, 7401, 7402


async def join(app: BotApp | ZaloApp, chat: Talk, unit: Unit, role: RoleKind) -> None:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, unit, role=role)
    await chat.say(f"/start i-{code}")


async def stored(app: BotApp | ZaloApp) -> tuple[Letterhead, str | None]:
    async with app.runtime.db.sessions() as session:
        ward = await session.get(Unit, app.seed.ward.id)
        assert ward is not None
        return await letterhead_of(session=session, unit=ward), ward.report_email


async def test_an_official_writes_the_ward_letterhead(any_app: BotApp | ZaloApp) -> None:
    app = any_app
    ha = app.chat(HA, "Phạm Thu Hà")
    await join(app, ha, app.seed.ward, RoleKind.OFFICIAL)

    shown = texts(await ha.say("/letterhead"))
    assert "Công văn của Đảng ủy phường Ngọc Hà sẽ in như sau:" in shown
    for line in (
        "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        "ĐẢNG ỦY PHƯỜNG NGỌC HÀ",
        "Số …-BC/ĐU",
        "- Đảng bộ Thành phố Hà Nội,",
        "- Lưu Văn phòng Đảng ủy.",
        "T/M ĐẢNG ỦY",
        "BÍ THƯ",
        "gửi e-mail tới: chưa có",
    ):
        assert line in shown, line

    asked = texts(await ha.press("Cơ quan ban hành"))
    assert "Hiện tại:\nĐảng bộ Thành phố Hà Nội\nĐảng ủy phường Ngọc Hà" in asked
    empty = texts(await ha.say(" \n "))
    assert "không được để trống" in empty
    saved = texts(await ha.say("Đảng ủy phường Ngọc Hà\nBan Xây dựng Đảng"))
    assert "Đã lưu." in saved and "BAN XÂY DỰNG ĐẢNG" in saved

    await ha.press("Ký hiệu số")
    assert "không có dấu cách" in texts(await ha.say("BXD Đ"))
    assert "Số …-BC/BXDĐ" in texts(await ha.say("BXDĐ"))

    await ha.press("Nơi nhận")
    saved = texts(
        await ha.say(
            "- Ban TGDV TU (để báo cáo),\nThường trực Đảng ủy (để báo cáo)\n"
            "Như trên, (để phối hợp thực hiện)\nLưu BXDĐ."
        )
    )
    assert (
        "- Ban TGDV TU (để báo cáo),\n- Thường trực Đảng ủy (để báo cáo),\n"
        "- Như trên (để phối hợp thực hiện),\n- Lưu BXDĐ." in saved
    )

    await ha.press("Người ký")
    wrong = texts(await ha.say("PHÓ TRƯỞNG BAN"))
    assert "khối chữ ký như khi in" in wrong
    saved = texts(await ha.say("K/T Trưởng Ban\nPhó Trưởng Ban\nVũ Hồng Thanh"))
    assert "K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN\nVũ Hồng Thanh" in saved

    await ha.press("E-mail cấp trên")
    assert "không phải địa chỉ e-mail" in texts(await ha.say("phongtt"))
    assert "gửi e-mail tới: phongttbtgtu@gmail.com" in texts(
        await ha.say("phongttbtgtu@gmail.com")
    )

    # /cancel keeps what was stored.
    await ha.press("Địa danh")
    assert "giữ nguyên" in texts(await ha.say("/cancel"))
    assert "Xin lỗi" in texts(await ha.say("Hà Nội")), "no longer typing the place"
    # Another command stops the typing and is answered as usual.
    await ha.press("Địa danh")
    assert "/letterhead xem và sửa" in texts(await ha.say("/help"))
    assert "Xin lỗi" in texts(await ha.say("Hà Nội"))

    letterhead, email = await stored(app)
    assert email == "phongttbtgtu@gmail.com"
    assert letterhead == Letterhead(
        parent="Đảng ủy phường Ngọc Hà",
        issuer="Ban Xây dựng Đảng",
        sign="BXDĐ",
        place="Ngọc Hà",
        recipients=(
            Recipient("Ban TGDV TU", "để báo cáo"),
            Recipient("Thường trực Đảng ủy", "để báo cáo"),
            Recipient("Như trên", "để phối hợp thực hiện"),
        ),
        archive="Lưu BXDĐ",
        signer=Signer("K/T", "Trưởng Ban", "Phó Trưởng Ban", "Vũ Hồng Thanh"),
    )


async def test_only_the_units_officials_may_change_it(any_app: BotApp | ZaloApp) -> None:
    app = any_app
    binh = app.chat(BINH, "Trần Thị Bình")
    await join(app, binh, app.seed.cells[0], RoleKind.SECRETARY)
    assert "dành cho cán bộ phường" in texts(await binh.say("/letterhead"))

    # The city's official has the city's letterhead, not the ward's.
    city = app.chat(CITY, "Lê Văn Thành")
    async with app.runtime.db.sessions() as session:
        city_unit = await session.get(Unit, app.seed.ward.parent_id)
    assert city_unit is not None
    await join(app, city, city_unit, RoleKind.OFFICIAL)
    shown = texts(await city.say("/letterhead"))
    assert "Công văn của Đảng bộ Thành phố Hà Nội" in shown and "Số …-BC/TU" in shown
    await city.press("Nơi nhận")
    assert "Hiện tại:\nLưu Văn phòng Đảng ủy" in city.last_text()
    before = await stored(app)
    await city.say("Thường trực Thành ủy")
    assert await stored(app) == before, "the ward's letterhead is untouched"


async def test_a_forged_button_for_another_unit_changes_nothing(app: BotApp) -> None:
    ha = app.chat(HA, "Phạm Thu Hà")
    await join(app, ha, app.seed.ward, RoleKind.OFFICIAL)
    other = app.seed.ward.parent_id
    said = texts(await ha.press_data(f"lh:{other}:issuer"))
    assert "không còn hiệu lực" in said
    before = await stored(app)
    await ha.say("Ban Tuyên giáo")
    assert await stored(app) == before


async def test_a_sticker_while_typing_is_asked_again(app: BotApp) -> None:
    ha = app.chat(HA, "Phạm Thu Hà")
    await join(app, ha, app.seed.ward, RoleKind.OFFICIAL)
    await ha.say("/letterhead")
    await ha.press("Địa danh")
    assert "Xin gõ bằng chữ" in texts(await ha.send_sticker())
    assert "Đã lưu." in texts(await ha.say("Phường Ngọc Hà"))
    letterhead, _email = await stored(app)
    assert letterhead.place == "Phường Ngọc Hà"


async def test_the_exported_letter_uses_the_letterhead(app: BotApp) -> None:
    await join_as(app, HA, app.seed.ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    await join_as(app, BINH, app.seed.cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await file_for(app, BINH, app.seed.cells[0])
    ha = app.chat(HA, "Phạm Thu Hà")
    await ha.say("/letterhead")
    await ha.press("Người ký")
    await ha.say("T/M Ban Thường vụ\nPhó Bí thư\nNguyễn Thị Lan Hương")
    await ha.say("/export")
    await ha.press("Cả đợt")
    await ha.press("Word")
    ((_name, data, _caption),) = documents(app)
    closing = open_docx(io.BytesIO(data)).tables[-1].rows[0].cells[1]
    signer = [p.text for p in closing.paragraphs if p.text]
    assert signer == ["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Nguyễn Thị Lan Hương"]
    text = "\n".join(p.text for p in open_docx(io.BytesIO(data)).paragraphs)
    assert "gopy" not in text.lower(), "the letter never names the software"
