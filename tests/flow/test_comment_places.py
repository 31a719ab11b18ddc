"""Where a citizen's comment counts: the ward whose poster they scanned, or the ward they name
when the code is campaign-wide (a city's consultation on television)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from storage.entries import Target, entry_for
from storage.models import Campaign, Document, RoleKind, Unit
from tests.chat import Talk, skip_questions, texts
from tests.conftest import BotApp
from tests.flow.test_comments import OPINION, comments
from tests.outreach import join_as
from tests.seed import city_consultation_of
from tests.zalo_chat import ZaloApp

WARDS = ("Ba Đình", "Ngọc Khánh", "Hoàn Kiếm")


@dataclass
class City:
    """The seed's city running its own consultation, with Ngọc Hà and three more wards."""

    unit: Unit
    campaign: Campaign
    document: Document
    wards: dict[str, Unit]


async def city_consultation(app: BotApp | ZaloApp, extra: tuple[str, ...] = WARDS) -> City:
    seed = app.seed
    async with app.runtime.db.sessions() as session:
        city, wards, campaign = await city_consultation_of(session, seed, extra)
        assert campaign.id is not None
        document = Document(campaign_id=campaign.id, code="ltd", title="Dự thảo Luật Thủ đô")
        session.add(document)
        await session.commit()
        for unit in (city, campaign, document, *wards.values()):
            await session.refresh(unit)
    return City(city, campaign, document, wards)


async def code_of(app: BotApp | ZaloApp, city: City, ward: str | None = None) -> str:
    """The poster code of the city's draft, printed by ``ward`` (None: campaign-wide)."""
    async with app.runtime.db.sessions() as session:
        entry = await entry_for(
            session=session,
            target=Target(city.campaign, city.document),
            now=app.clock.now(),
            unit=city.wards[ward] if ward else None,
        )
        await session.commit()
    return entry.code


async def write(chat: Talk, code: str, text: str = OPINION) -> None:
    await chat.say(f"/start gy-{code}")
    await chat.say(text)


async def test_a_wards_poster_counts_for_that_ward_and_not_another(app: BotApp) -> None:
    city = await city_consultation(app)
    ngoc_ha, ba_dinh = await code_of(app, city, "Ngọc Hà"), await code_of(app, city, "Ba Đình")
    assert ngoc_ha != ba_dinh != await code_of(app, city)

    first = app.chat(7301)
    await write(first, ngoc_ha)
    said = texts(await skip_questions(first))
    assert "phường/xã nào" not in said and "gửi ý kiến theo cách nào" in said
    summary = texts(await first.press("Gửi ẩn danh"))
    assert "Nơi ở: Ngọc Hà" in summary
    await first.press("Gửi ý kiến")

    second = app.chat(7302)
    await write(second, ba_dinh, "Đề nghị bổ sung quy định về không gian xanh.")
    await skip_questions(second)
    await second.press("Gửi ẩn danh")
    await second.press("Gửi ý kiến")

    from_ngoc_ha, from_ba_dinh = await comments(app)
    assert from_ngoc_ha.unit_id == city.wards["Ngọc Hà"].id
    assert from_ba_dinh.unit_id == city.wards["Ba Đình"].id
    assert from_ngoc_ha.campaign_id == from_ba_dinh.campaign_id == city.campaign.id


async def test_a_campaign_wide_code_asks_the_ward_typed_without_accents(
    any_app: BotApp | ZaloApp,
) -> None:
    """On Zalo the wards are a numbered menu; typing a name works on both."""
    app = any_app
    city = await city_consultation(app)
    chat: Talk = app.chat(7303, "Phạm Thu Hà")
    await write(chat, await code_of(app, city))
    await chat.press("Tán thành")
    asked = texts(await chat.press("Nhân dân"))
    assert "Bạn ở phường/xã nào?" in asked
    for ward in ("Ba Đình", "Hoàn Kiếm", "Ngọc Hà", "Ngọc Khánh", "Không rõ"):
        chat.button(ward)

    kept = texts(await chat.say("/mycomments"))
    assert "nội dung vẫn được giữ" in kept and "phường/xã nào" in kept, "a command: asked again"
    missing = texts(await chat.say("Tây Hồ"))
    assert "Chưa tìm thấy phường/xã nào tên «Tây Hồ»" in missing
    several = texts(await chat.say("NGOC"))
    assert "Có vài nơi khớp với «NGOC»" in several
    chat.button("Ngọc Khánh")
    chosen = texts(await chat.say("ngoc ha"))
    assert "gửi ý kiến theo cách nào" in chosen
    summary = texts(await chat.press("Gửi ẩn danh"))
    assert "Ý kiến chung: Tán thành" in summary and "Nơi ở: Ngọc Hà" in summary
    await chat.press("Gửi ý kiến")

    (comment,) = await comments(app)
    assert comment.unit_id == city.wards["Ngọc Hà"].id


async def test_a_tapped_ward_or_not_known(app: BotApp) -> None:
    city = await city_consultation(app)
    code = await code_of(app, city)

    tapping = app.chat(7304)
    await write(tapping, code)
    await tapping.press("Bỏ qua")
    await tapping.press("Bỏ qua")
    assert "gõ tên phường/xã" in texts(await tapping.send_sticker()), "a sticker: asked again"
    await tapping.press("Hoàn Kiếm")
    await tapping.press("Gửi ẩn danh")
    await tapping.press("Gửi ý kiến")

    unsure = app.chat(7305)
    await write(unsure, code, "Ý kiến của người không nói nơi ở.")
    await unsure.press("Bỏ qua")
    await unsure.press("Bỏ qua")
    await unsure.press("Không rõ")
    summary = texts(await unsure.press("Gửi ẩn danh"))
    assert "Nơi ở" not in summary
    await unsure.press("Gửi ý kiến")

    tapped, unknown = await comments(app)
    assert tapped.unit_id == city.wards["Hoàn Kiếm"].id
    assert unknown.unit_id == city.unit.id, "not known: the campaign's own unit"
    assert unknown.stance is None and unknown.category is None


async def test_many_wards_are_typed_not_listed(app: BotApp) -> None:
    many = tuple(f"Phường số {n}" for n in range(1, 12))
    city = await city_consultation(app, many)
    chat = app.chat(7306)
    await write(chat, await code_of(app, city))
    await chat.press("Bỏ qua")
    asked = await chat.press("Bỏ qua")
    assert "gõ tên phường/xã, ví dụ" in texts(asked)
    (question,) = [c for c in asked if c.buttons]
    assert [b["text"] for b in question.buttons] == ["Không rõ", "Hủy"], "no 12 buttons"
    assert "gõ đầy đủ tên hơn" in texts(await chat.say("phuong so")), "11 matches: type more"
    several = await chat.say("so 1")
    (choices,) = [c for c in several if c.buttons]
    assert [b["text"] for b in choices.buttons][:3] == [
        "Phường số 1",
        "Phường số 10",
        "Phường số 11",
    ]
    await chat.press("Phường số 10")
    await chat.press("Gửi ẩn danh")
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.unit_id == city.wards["Phường số 10"].id


async def test_another_wards_poster_mid_comment_takes_the_comment_there(app: BotApp) -> None:
    """The same draft's poster of another ward: the comment carries on, counted where the
    poster was; a campaign-wide code after a ward's asks the ward again."""
    city = await city_consultation(app)
    chat = app.chat(7307)
    await write(chat, await code_of(app, city, "Ngọc Hà"))
    resumed = texts(await chat.say(f"/start gy-{await code_of(app, city, 'Ba Đình')}"))
    assert "Đã ghi nhận" in resumed, "the same draft: no question, the words are kept"
    await skip_questions(chat)
    assert "Nơi ở: Ba Đình" in texts(await chat.press("Gửi ẩn danh"))
    asked = texts(await chat.say(f"/start gy-{await code_of(app, city)}"))
    assert "Bạn ở phường/xã nào?" in asked, "a campaign-wide code: where, then?"
    await chat.press("Ngọc Khánh")
    assert "Nơi ở: Ngọc Khánh" in texts(await chat.press("Gửi ẩn danh"))
    await chat.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.unit_id == city.wards["Ngọc Khánh"].id and comment.text == OPINION


async def test_a_ward_officials_qr_for_the_citys_consultation_is_the_wards(app: BotApp) -> None:
    city = await city_consultation(app)
    await join_as(app, 7308, city.wards["Ngọc Hà"], RoleKind.OFFICIAL, "Phạm Thu Hà")
    official = app.chat(7308)
    await official.say("/qr")
    await official.press("Luật Thủ đô")
    await official.press("Dự thảo Luật Thủ đô")
    photo = [c for c in app.api.calls if c.method == "sendPhoto"][-1]
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.upload.data)))
    payload = decoded.text.split("start=")[1]
    assert payload != f"gy-{await code_of(app, city)}", "not the campaign-wide code"
    assert payload == f"gy-{await code_of(app, city, 'Ngọc Hà')}", "the ward's own"

    citizen = app.chat(7309)
    await write(citizen, payload.removeprefix("gy-"))
    assert "phường/xã nào" not in texts(await skip_questions(citizen))
    await citizen.press("Gửi ẩn danh")
    await citizen.press("Gửi ý kiến")
    (comment,) = await comments(app)
    assert comment.unit_id == city.wards["Ngọc Hà"].id
