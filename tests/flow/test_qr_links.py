"""``/qr`` on Telegram and on Zalo: with a public address the code opens gopy's landing page on
both; without one it opens Telegram on Telegram, and on Zalo (no deep links) there is no code,
the poster shows the code to type; the official is told how to get the landing page. Each
poster is read back from its PDF: its codes decoded, its text searched."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.app import build_dispatcher
from storage.drafts import store_file
from storage.models import Campaign, RoleKind, Unit, UnitLevel
from tests import posters
from tests.chat import Chat, texts
from tests.conftest import BotApp
from tests.seed import invite
from tests.zalo_chat import ZaloApp, ZaloChat

PUBLIC = "https://gopy.example.vn"
SEED_DRAFT = "https://example.org/du-thao/bao-cao-chinh-tri.pdf"  # the seed's bctt url
OFFICIAL = 7400
CODE = re.compile(r"Mã để nhắn: (GY-[A-Z0-9]{5})")
SHELF_LINK = re.compile(r"/f/([0-9]+\.[0-9]+\.[0-9a-f]+)/")

App = BotApp | ZaloApp


def with_public_address(app: App) -> App:
    """The same gopy restarted with GOPY_PUBLIC_URL set (the composition root reads it)."""
    settings = app.runtime.settings.model_copy(update={"public_url": PUBLIC})
    runtime = replace(app.runtime, settings=settings)
    return replace(app, runtime=runtime, dp=build_dispatcher(runtime))


async def official(app: App) -> Chat | ZaloChat:
    async with app.runtime.db.sessions() as session:
        code = await invite(session, app.seed.ward, role=RoleKind.OFFICIAL)
    chat = app.chat(OFFICIAL, "Phạm Thu Hà")
    await chat.say(f"/start i-{code}")
    return chat


def files(app: App, chat: Chat | ZaloChat) -> list[tuple[str, bytes]]:
    """What the official received, in order: uploads on Telegram, shelf links on Zalo (a
    photo by its URL, a document as a link in the text)."""
    if isinstance(app, ZaloApp):
        found = []
        for call in chat.sent():
            where = f"{call.params.get('photo') or ''} {call.text}"
            for token in SHELF_LINK.findall(where):
                kept = app.shelf.get(token)
                assert kept is not None
                found.append((kept.name, kept.data))
        return found
    assert isinstance(chat, Chat)
    return [
        (c.upload.filename or "", c.upload.data)
        for c in chat.sent()
        if c.method in ("sendPhoto", "sendDocument")
    ]


async def qr_of_section_one(chat: Chat | ZaloChat) -> str:
    """``/qr`` for section I of the political report; what the bot said."""
    await chat.say("/qr")
    await chat.press("Báo cáo chính trị")
    return texts(await chat.press("I. Kết quả"))


async def test_with_a_public_address_the_code_opens_the_landing_page(any_app: App) -> None:
    app = with_public_address(any_app)
    chat = await official(app)

    said = await qr_of_section_one(chat)

    (code,) = CODE.findall(said)
    landing = f"{PUBLIC}/q/{code}"
    assert landing in said and "GOPY_PUBLIC_URL" not in said
    (qr_name, qr), (poster_name, pdf) = files(app, chat)
    assert qr_name.endswith(".png") and poster_name.endswith(".pdf")
    assert posters.decode_png(qr) == [landing]
    assert posters.codes(pdf) == [landing, f"{landing}/draft"]
    assert posters.page_size(pdf) == pytest.approx(posters.A5, abs=0.01)
    text = posters.text(pdf)
    assert code in text and f"gopy.example.vn/q/{code}" in text
    assert "Đảng ủy phường Ngọc Hà" in text


async def test_on_telegram_without_a_public_address_the_code_opens_telegram(
    app: BotApp,
) -> None:
    chat = await official(app)

    said = await qr_of_section_one(chat)

    (code,) = CODE.findall(said)
    link = f"https://t.me/gopy_test_bot?start=gy-{code.removeprefix('GY-')}"
    assert link in said
    assert "chỉ mở Telegram" in said and "GOPY_PUBLIC_URL" in said, "how to get the page"
    (_, qr), (_, pdf) = files(app, chat)
    assert posters.decode_png(qr) == [link]
    assert posters.codes(pdf) == [link, SEED_DRAFT]
    assert "@gopy_test_bot trên Telegram" in posters.text(pdf)


async def test_on_zalo_without_a_public_address_the_poster_shows_the_code_to_type(
    zalo_app: ZaloApp,
) -> None:
    chat = await official(zalo_app)

    said = await qr_of_section_one(chat)

    (code,) = CODE.findall(said)
    assert "t.me" not in said, "Zalo's name is no Telegram bot"
    assert "Chưa có mã QR" in said and "GOPY_PUBLIC_URL" in said
    assert not any(c.method == "sendPhoto" for c in chat.sent()), "no code to send"
    ((name, pdf),) = files(zalo_app, chat)
    assert name.endswith(".pdf")
    assert posters.codes(pdf) == [SEED_DRAFT], "only the draft's own address"
    text = posters.text(pdf)
    assert code in text and "Nhắn mã để góp ý" in text and "bot.gopy trên Zalo" in text

    # The code typed on Zalo opens the same section.
    citizen = zalo_app.chat(7401)
    greeting = texts(await citizen.say(code))
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in greeting


async def test_a_draft_kept_by_gopy_gets_the_second_code(any_app: App) -> None:
    """The Điều lệ has no address of its own: a second code only once gopy keeps its text."""
    app = with_public_address(any_app)
    chat = await official(app)

    await chat.say("/qr")
    said = texts(await chat.press("Điều lệ"))
    (code,) = CODE.findall(said)
    landing = f"{PUBLIC}/q/{code}"
    assert posters.codes(files(app, chat)[-1][1]) == [landing]

    document = app.seed.documents[1]
    assert document.id is not None
    async with app.runtime.db.sessions() as session:
        await store_file(
            session=session,
            document_id=document.id,
            name="dieu-le.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.4 the draft",
            now=datetime(2025, 11, 1, tzinfo=UTC),
        )
        await session.commit()
    await chat.say("/qr")
    assert CODE.findall(texts(await chat.press("Điều lệ"))) == [code], "the same code"
    pdf = files(app, chat)[-1][1]
    assert posters.codes(pdf) == [landing, f"{landing}/draft"]
    assert "Đọc toàn văn dự thảo" in posters.text(pdf)


async def test_the_quick_report_poster_on_zalo_says_what_to_send(zalo_app: ZaloApp) -> None:
    chat = await official(zalo_app)
    await chat.say("/qr")

    said = texts(await chat.press("Áp phích báo cáo nhanh"))

    assert "/report" in said and "t.me" not in said
    assert "Chưa có mã QR" in said
    ((_, pdf),) = files(zalo_app, chat)
    assert posters.codes(pdf) == []
    text = posters.text(pdf)
    assert "/report" in text and "bot.gopy trên Zalo" in text


async def test_a_campaign_without_drafts_gets_its_poster_and_the_report_button(
    app: BotApp,
) -> None:
    """Nothing to choose from: the campaign-wide poster at once, then the quick report's
    button on its own (no list carried it)."""
    seed = app.seed
    async with app.runtime.db.sessions() as session:
        ward = Unit(code="KIMMA", name="Đảng ủy phường Kim Mã", level=UnitLevel.WARD)
        session.add(ward)
        await session.flush()
        assert ward.id is not None
        session.add(
            Campaign(
                code="km",
                title="Góp ý dự thảo của phường Kim Mã",
                unit_id=ward.id,
                form_id=seed.campaign.form_id,
                starts_at=seed.campaign.starts_at,
                ends_at=seed.campaign.ends_at,
            )
        )
        await session.commit()
        code = await invite(session, ward, role=RoleKind.OFFICIAL)
    chat = app.chat(7402, "Lê Văn Tâm")
    await chat.say(f"/start i-{code}")

    said = [c for c in await chat.say("/qr") if c.method != "getMe"]

    assert [c.method for c in said] == ["sendPhoto", "sendDocument", "sendMessage"]
    poster = posters.text(said[1].upload.data)
    assert "Góp ý dự thảo của phường Kim Mã" in poster and "Đảng ủy phường Kim Mã" in poster
    assert "áp phích báo cáo nhanh" in said[2].text
    report = [c for c in await chat.press("Áp phích báo cáo nhanh") if c.method == "sendPhoto"]
    assert posters.decode_png(report[0].upload.data) == ["https://t.me/gopy_test_bot?start=report"]
