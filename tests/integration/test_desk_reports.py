"""The desk's reports page: the unit's weeks and their files, the very files ``/export`` sends
in chat, downloaded as attachments; nothing of another ward's."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from sqlmodel import select

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from scheduler.consolidated import Consolidated, consolidate, week_period
from storage.models import Campaign, Comment, Period, Unit
from tests.chat import at
from tests.desk_chat import DeskAndChat, file_cell, serve_desk_and_chat
from tests.desk_world import Client, post_form

WEEK = "Tuần từ 06/11 đến 12/11/2025"
QUOTED = "Đề nghị làm rõ hơn vai trò của chi bộ khu dân cư."


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskAndChat]:
    async with serve_desk_and_chat(database_url, clock) as served:
        yield served


def docx_text(data: bytes) -> str:
    document = open_docx(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def workbook_values(data: bytes) -> list[list[list[object]]]:
    book = load_workbook(io.BytesIO(data))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def row_links(html: str, label: str) -> list[str]:
    """The file links of the table row headed ``label``."""
    (row,) = [r for r in html.split("<tr>") if f">{label}</th>" in r]
    return [unquote(href) for href in re.findall(r'href="([^"]+)"', row)]


def file_links(html: str) -> dict[str, str]:
    """The page's file links, by address."""
    return {unquote(href): href for href in re.findall(r'href="([^"]+\.(?:docx|xlsx|csv))"', html)}


async def download(client: Client, path: str) -> tuple[bytes, str]:
    answer = await client.get(path)
    assert answer.status == 200, await answer.text()
    assert answer.headers["Cache-Control"] == "private, no-store"
    disposition = answer.headers["Content-Disposition"]
    found = re.fullmatch(
        r"attachment; filename=\"([A-Za-z0-9._-]+)\"; filename\*=UTF-8''(\S+)", disposition
    )
    assert found is not None, disposition
    assert unquote(found[2]) == found[1], "an ASCII name is the same both ways"
    return await answer.read(), found[1]


async def export_in_chat(world: DeskAndChat, week: str, fmt: str) -> tuple[str, bytes]:
    """What ``/export`` sends the ward's official for ``week`` in ``fmt``."""
    chat = world.chat("ward_official")
    before = len(world.documents("ward_official"))
    await chat.say("/export")
    await chat.press(week)
    await chat.press({"docx": "Word", "xlsx": "Excel", "csv": "CSV"}[fmt])
    sent = world.documents("ward_official")[before:]
    assert len(sent) == 1
    name, data, _caption = sent[0]
    return name, data


async def test_a_week_downloads_as_export_sends_it(world: DeskAndChat) -> None:
    desk = world.desk
    await file_cell(desk)
    desk.clock.set(at("2025-11-12 18:00"))
    browser = await desk.browser("ward_official")
    page = await browser.get(paths.REPORTS)
    assert page.status == 200
    html = await page.text()
    assert "Đảng ủy phường Ngọc Hà" in html and "Góp ý dự thảo văn kiện Đại hội XIV" in html
    assert WEEK in html and "17:00 thứ Tư, 12/11" in html
    ward, campaign = desk.seed.ward.id, desk.seed.campaign.id
    assert ward is not None and campaign is not None
    links = file_links(html)
    for fmt in ("docx", "xlsx", "csv"):
        assert paths.report_file_path(ward, campaign, paths.WHOLE, fmt) in links

    # Newest first, as in chat: the week begun at 17:00, then the one that closed then.
    assert html.index("Tuần từ 13/11 đến 19/11/2025") < html.index(WEEK)
    week = row_links(html, WEEK)
    assert [a.rsplit(".", 1)[1] for a in week] == ["docx", "xlsx", "csv"]
    for address in week:
        fmt = address.rsplit(".", 1)[1]
        on_desk, name = await download(browser, address)
        chat_name, in_chat = await export_in_chat(world, WEEK, fmt)
        assert name == chat_name == "bao-cao-ngocha-20251112-1800." + fmt
        if fmt == "docx":
            text = docx_text(on_desk)
            assert text == docx_text(in_chat)
            assert "tuần từ 06/11 đến 12/11/2025" in text and "Họp chi bộ triển khai" in text
        elif fmt == "xlsx":
            assert workbook_values(on_desk) == workbook_values(in_chat)
        else:
            text = on_desk.decode("utf-8-sig")
            assert text == in_chat.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0][0] == "Chi bộ" and "Chi bộ Tổ dân phố số 1" in [r[0] for r in rows]


async def test_the_whole_campaign_is_the_chats_too(world: DeskAndChat) -> None:
    """With citizens' comments quoted: what the files read is read before the unit of work
    that made them ends."""
    desk = world.desk
    await file_cell(desk)
    assert desk.seed.campaign.id is not None
    async with desk.runtime.db.sessions() as session:
        session.add(
            Comment(
                receipt="YK-DESK22",
                campaign_id=desk.seed.campaign.id,
                document_id=desk.seed.documents[0].id,
                section_id=desk.seed.sections[0].id,
                person_id=desk.people["citizen"].id,
                text=QUOTED,
                anonymous=True,
                unit_id=desk.seed.cells[0].id,
                fingerprint="0" * 64,
                created_at=desk.clock.now(),
            )
        )
        await session.commit()
    browser = await desk.browser("ward_official")
    ward, campaign = desk.seed.ward.id, desk.seed.campaign.id
    assert ward is not None and campaign is not None
    answer = await browser.get(paths.report_file_path(ward, campaign, paths.WHOLE, "xlsx"))
    assert answer.status == 200
    assert answer.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    _name, in_chat = await export_in_chat(world, "Cả đợt", "xlsx")
    book = workbook_values(await answer.read())
    assert book == workbook_values(in_chat)
    assert any(QUOTED in row for sheet in book for row in sheet)
    letter = await browser.get(paths.report_file_path(ward, campaign, paths.WHOLE, "docx"))
    _name, in_chat = await export_in_chat(world, "Cả đợt", "docx")
    text = docx_text(await letter.read())
    assert text == docx_text(in_chat) and QUOTED in text


async def test_nothing_of_another_ward(world: DeskAndChat) -> None:
    desk = world.desk
    await file_cell(desk)
    ward, campaign = desk.seed.ward.id, desk.seed.campaign.id
    assert ward is not None and campaign is not None
    mine = await desk.browser("ward_official")
    html = await (await mine.get(paths.REPORTS)).text()
    addresses = list(file_links(html))
    assert addresses
    kim_ma = await desk.browser("other_official")
    page = await kim_ma.get(paths.REPORTS)
    assert page.status == 200
    assert "Ngọc Hà" not in await page.text()
    for address in addresses:
        assert (await kim_ma.get(address)).status == 404, address
    # The city reads the campaign as the city (its own consolidation), not as the ward.
    city = await desk.browser("city_official")
    assert (await city.get(addresses[0])).status == 404
    city_html = await (await city.get(paths.REPORTS)).text()
    assert "Đảng bộ Thành phố Hà Nội" in city_html
    assert city_html.count(".docx") >= 2


@pytest.mark.parametrize(
    "address",
    [
        "/desk/reports/abc/1/all.docx",
        "/desk/reports/1/1/all.pdf",
        "/desk/reports/99999999999999999999/1/all.docx",
        "/desk/reports/{ward}/{campaign}/-1.docx",
        "/desk/reports/{ward}/{campaign}/99999999999.docx",
        "/desk/reports/{ward}/{campaign}/2147483647.csv",
        "/desk/reports/{ward}/{campaign}/final.docx",
        "/desk/reports/{ward}/{campaign}/%E2%80%8B1.docx",
        "/desk/reports/{ward}/0/all.docx",
    ],
)
async def test_garbage_addresses_are_not_found(world: DeskAndChat, address: str) -> None:
    desk = world.desk
    browser = await desk.browser("ward_official")
    path = address.format(ward=desk.seed.ward.id, campaign=desk.seed.campaign.id)
    answer = await browser.get(path)
    assert answer.status == 404, (path, await answer.text())
    assert "không thuộc các đơn vị của đồng chí" in await answer.text() or answer.status == 404


async def test_a_week_to_come_has_no_file(world: DeskAndChat) -> None:
    """Only the weeks begun, as listed: a period stored for a later week is not served."""
    desk = world.desk
    async with desk.runtime.db.sessions() as session:
        unit = await session.get(Unit, desk.seed.ward.id)
        campaign = await session.get(Campaign, desk.seed.campaign.id)
        assert unit is not None and campaign is not None
        later = await week_period(
            session=session, unit=unit, campaign=campaign, day=at("2025-12-01 00:00").date()
        )
        await session.commit()
    browser = await desk.browser("ward_official")
    assert later.id is not None and unit.id is not None and campaign.id is not None
    answer = await browser.get(paths.report_file_path(unit.id, campaign.id, later.id, "docx"))
    assert answer.status == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_download_consolidates_outside_the_writers_lock(
    world: DeskAndChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding: a download consolidated the report (seconds for a ward of a city with
    its comments, per tests/bench/consolidated.py) inside the writers' unit of work, so on
    SQLite every chat update's commit and every desk form waited behind it. The periods are stored
    in the writer's unit of work; the report is read after it."""
    desk = world.desk
    await file_cell(desk)
    desk.clock.set(at("2025-11-12 18:00"))
    db = desk.runtime.db
    assert db.dialect == "sqlite"
    held: list[bool] = []

    async def watched(**kwargs: Any) -> Consolidated:
        held.append(db.writing_now)
        return await consolidate(**kwargs)

    monkeypatch.setattr("scheduler.report_export.consolidate", watched)
    browser = await desk.browser("ward_official")
    ward, campaign = desk.seed.ward.id, desk.seed.campaign.id
    assert ward is not None and campaign is not None
    # The whole campaign first, before any page listed (stored) its weeks.
    whole, _name = await download(browser, paths.report_file_path(ward, campaign, "all", "csv"))
    assert "Chi bộ Tổ dân phố số 1" in whole.decode("utf-8-sig")
    async with desk.runtime.db.sessions() as session:
        stored = (await session.execute(select(Period))).scalars().all()
    assert len(stored) == 6, "the six weeks begun are stored, as /export stores them"
    week = row_links(await (await browser.get(paths.REPORTS)).text(), WEEK)[0]
    data, _name = await download(browser, week)
    assert "Họp chi bộ triển khai" in docx_text(data)
    assert held == [False, False]
    # And a form of the desk goes through meanwhile: nothing of the download is held.
    pressed = await post_form(browser, paths.REMIND, {"campaign": str(campaign)}, page=paths.BOARD)
    assert pressed.status == 303
