"""The desk's posters: documents and sections × units in one PDF, a poster a page, each the
poster ``/qr`` makes, each code opening the landing page of the right entry; codes made once;
choices the form cannot send refused with a 400, another ward's units with a 404."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlmodel import col, select

from bot.links import absolute, landing_path
from bot.web.desk import paths
from bot.web.desk import posters as desk_posters
from scheduler.clock import FrozenClock
from storage.codes import entry_from_text
from storage.entries import resolve_entry
from storage.models import EntryPoint, Unit, UnitLevel
from tests import posters
from tests.desk_chat import DeskAndChat, serve_desk_and_chat
from tests.desk_world import Client, DeskWorld, csrf_of

BASE = "http://gopy.example"
LANDING = re.compile(re.escape(BASE) + r"/q/(GY-[0-9A-Z]{5})")
PDF_PATH = re.compile(r"/desk/posters/pdf\?")


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskAndChat]:
    async with serve_desk_and_chat(database_url, clock) as served:
        yield served


def choice(world: DeskWorld, **picks: Any) -> list[tuple[str, str]]:
    """The form's query: ``t`` and ``u`` lists, and single values."""
    pairs = [("campaign", str(picks.pop("campaign", world.seed.campaign.id)))]
    for name in ("t", "u", "l"):
        pairs += [(name, str(value)) for value in picks.pop(name, [])]
    pairs += [(name, str(value)) for name, value in picks.items()]
    return pairs


async def print_pdf(browser: Client, query: list[tuple[str, str]]) -> tuple[bytes, str]:
    """Choose, see what will print, press «Tạo tệp PDF», follow to the document."""
    page = await browser.get(paths.POSTERS_PRINT, params=query)
    assert page.status == 200, await page.text()
    html = await page.text()
    chosen = re.search(r'name="choice" value="([^"]*)"', html)
    assert chosen is not None
    made = await browser.post(
        paths.POSTERS_PRINT,
        data={"csrf": csrf_of(html), "choice": chosen[1].replace("&amp;", "&")},
        allow_redirects=False,
    )
    assert made.status == 303, await made.text()
    location = made.headers["Location"]
    assert PDF_PATH.match(location)
    answer = await browser.get(location)
    assert answer.status == 200, await answer.text()
    assert answer.content_type == "application/pdf"
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="ap-phich-')
    return await answer.read(), html


async def entry_of(world: DeskWorld, code: str) -> tuple[str, int | None]:
    """What a printed code opens: its target and the unit it counts comments for."""
    async with world.runtime.db.sessions() as session:
        typed = entry_from_text(code)
        assert typed is not None
        entry = await resolve_entry(session=session, code=typed)
    assert entry is not None
    return entry.target.key, entry.unit.id if entry.unit else None


async def test_one_pdf_a_poster_a_page_each_opening_its_code(world: DeskAndChat) -> None:
    desk = world.desk
    seed = desk.seed
    browser = await desk.browser("ward_official")
    campaigns = await browser.get(paths.POSTERS)
    assert campaigns.status == 200
    listed = await campaigns.text()
    assert "Góp ý dự thảo văn kiện Đại hội XIV" in listed and "Luật Thủ đô" in listed
    form = await browser.get(paths.POSTERS, params={"campaign": str(seed.campaign.id)})
    html = await form.text()
    assert form.status == 200
    assert "Dự thảo Báo cáo chính trị" in html and "I. Kết quả thực hiện" in html
    assert "Chi bộ Tổ dân phố số 1" in html and "Chi bộ Tổ dân phố số 2" in html
    assert 'name="wide" value="1" checked' in html, (
        "the ward's campaign: its code is the campaign's"
    )

    first, second = seed.sections[0], seed.sections[1]
    cells = [c.id for c in seed.cells]
    query = choice(desk, t=[f"s{first.id}", f"s{second.id}"], u=cells, wide=1, report=1, size="a4")
    pdf, summary = await print_pdf(browser, query)
    assert "7 áp phích, khổ A4" in summary
    pages = posters.pages(pdf)
    assert len(pages) == 7
    assert posters.page_size(pdf) == pytest.approx(posters.A4, abs=0.01)

    # Campaign-wide first, then each cell: a page per section, each code its own entry.
    expected = [(section, owner) for owner in [None, *cells] for section in (first, second)]
    seen_codes = set()
    for (codes, text), (section, owner) in zip(pages, expected, strict=False):
        found = LANDING.fullmatch(codes[0])
        assert found is not None, codes
        code = found[1]
        assert code in text, "the code to type is printed too"
        assert codes[0] == absolute(BASE, landing_path(entry_from_text(code) or ""))
        key, unit = await entry_of(desk, code)
        assert key == f"c{seed.campaign.id}.d{section.document_id}.s{section.id}"
        assert unit == owner
        seen_codes.add(code)
        footer = (
            "Đảng ủy phường Ngọc Hà"
            if owner is None
            else f"Tổ dân phố số {cells.index(owner) + 1}"
        )
        assert footer in text
    assert len(seen_codes) == 6
    report_codes, report_text = pages[6]
    assert report_codes == ["https://t.me/gopy_test_bot?start=report"]
    assert "/report" in report_text


async def test_a_poster_is_the_one_qr_sends_in_chat(world: DeskAndChat) -> None:
    desk = world.desk
    section = desk.seed.sections[0]
    chat = world.chat("ward_official")
    await chat.say("/qr")
    await chat.press("Góp ý dự thảo văn kiện Đại hội XIV")
    await chat.press("Dự thảo Báo cáo chính trị")
    await chat.press("I. Kết quả thực hiện")
    ((name, in_chat, _caption),) = world.documents("ward_official")
    assert name.startswith("poster-gy-") and name.endswith(".pdf")

    browser = await desk.browser("ward_official")
    on_desk, _summary = await print_pdf(browser, choice(desk, t=[f"s{section.id}"], wide=1))
    # The same entry, the same words, the same drawing: the same bytes.
    assert on_desk == in_chat
    async with desk.runtime.db.sessions() as session:
        entries = (await session.execute(select(EntryPoint))).scalars().all()
    assert len(entries) == 1


async def test_printing_again_makes_no_new_code(world: DeskAndChat) -> None:
    desk = world.desk
    browser = await desk.browser("ward_official")
    query = choice(desk, t=["c", f"d{desk.seed.documents[1].id}"], u=[desk.seed.cells[0].id])
    first, _ = await print_pdf(browser, query)
    again, _ = await print_pdf(browser, query)
    assert first == again
    async with desk.runtime.db.sessions() as session:
        entries = (await session.execute(select(EntryPoint))).scalars().all()
    assert len(entries) == 2
    # A kept address of the PDF opens it again, with no write.
    pdf = await browser.get(paths.POSTERS_PDF, params=query)
    assert await pdf.read() == first


async def test_a_pdf_address_before_its_codes_exist_goes_to_the_button(
    world: DeskAndChat,
) -> None:
    desk = world.desk
    browser = await desk.browser("ward_official")
    query = choice(desk, t=["c"], wide=1)
    answer = await browser.get(paths.POSTERS_PDF, params=query, allow_redirects=False)
    assert answer.status == 303
    assert answer.headers["Location"].startswith(paths.POSTERS_PRINT + "?")
    assert dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["t"] == "c"
    async with desk.runtime.db.sessions() as session:
        assert (await session.execute(select(EntryPoint))).first() is None


async def test_a_ward_prints_its_own_codes_in_the_citys_consultation(
    world: DeskAndChat,
) -> None:
    desk = world.desk
    ward = desk.seed.ward.id
    browser = await desk.browser("ward_official")
    html = await (
        await browser.get(paths.POSTERS, params={"campaign": str(desk.consultation.id)})
    ).text()
    assert 'name="wide"' not in html, "a ward reads its share: no campaign-wide code"
    assert f'name="u" value="{ward}" checked' in html
    query = choice(desk, campaign=desk.consultation.id, t=["c"], u=[ward])
    pdf, _ = await print_pdf(browser, query)
    ((codes, text),) = posters.pages(pdf)
    found = LANDING.fullmatch(codes[0])
    assert found is not None
    assert await entry_of(desk, found[1]) == (f"c{desk.consultation.id}", ward)
    assert "Đảng ủy phường Ngọc Hà" in text
    wide = await browser.get(
        paths.POSTERS_PRINT, params=choice(desk, campaign=desk.consultation.id, t=["c"], wide=1)
    )
    assert wide.status == 404


async def test_too_many_posters_are_refused_politely(world: DeskAndChat) -> None:
    desk = world.desk
    async with desk.runtime.db.sessions() as session:
        session.add_all(
            Unit(
                code=f"NGOCHA-X{n:03}",
                name=f"Chi bộ {n}",
                level=UnitLevel.CELL,
                parent_id=desk.seed.ward.id,
            )
            for n in range(160)
        )
        await session.commit()
    browser = await desk.browser("ward_official")
    section = desk.seed.sections[0]
    query = choice(desk, t=["c", f"s{section.id}"], l=["cell"])
    answer = await browser.get(paths.POSTERS_PRINT, params=query)
    assert answer.status == 400
    assert "324 áp phích" in await answer.text() and "300" in await answer.text()
    async with desk.runtime.db.sessions() as session:
        assert (await session.execute(select(EntryPoint))).first() is None


@pytest.mark.parametrize(
    "changes",
    [
        {"t": ["zz"]},
        {"t": ["s99999999999"]},
        {"t": ["s424242"]},
        {"t": ["d424242"]},
        {"u": ["abc"]},
        {"u": ["-3"]},
        {"l": ["village"]},
        {"size": "b4"},
        {"wide": "2"},
        {"campaign": "1e9"},
        {"campaign": "99999999999999"},
        {"report": "yes"},
        {},  # nothing chosen
    ],
)
async def test_garbage_choices_are_a_400(world: DeskAndChat, changes: dict[str, Any]) -> None:
    desk = world.desk
    browser = await desk.browser("ward_official")
    picks: dict[str, Any] = {"t": [], "u": [desk.seed.cells[0].id]} if changes else {}
    picks.update(changes)
    query = choice(desk, **picks)
    for path in (paths.POSTERS_PRINT, paths.POSTERS_PDF):
        answer = await browser.get(path, params=query)
        assert answer.status == 400, (path, query, answer.status)
    made = await browser.post(
        paths.POSTERS_PRINT,
        data={"csrf": await _token(browser), "choice": "&".join(f"{k}={v}" for k, v in query)},
    )
    assert made.status == 400
    async with desk.runtime.db.sessions() as session:
        assert (await session.execute(select(EntryPoint))).first() is None


@pytest.mark.parametrize("field", ["", "%%%", "campaign=1&campaign=2", "t=c&" * 70_000])
async def test_a_broken_print_button_is_a_400(world: DeskAndChat, field: str) -> None:
    browser = await world.desk.browser("ward_official")
    made = await browser.post(
        paths.POSTERS_PRINT, data={"csrf": await _token(browser), "choice": field}
    )
    assert made.status in (400, 413)


async def test_nothing_of_another_ward(world: DeskAndChat) -> None:
    desk = world.desk
    kim_ma = await desk.browser("other_official")
    cell = desk.seed.cells[0].id
    for path in (paths.POSTERS, paths.POSTERS_PRINT, paths.POSTERS_PDF):
        answer = await kim_ma.get(path, params=choice(desk, t=["c"], u=[cell]))
        assert answer.status == 404, path
    # In the city's consultation Kim Mã prints Kim Mã's codes, never Ngọc Hà's cells'.
    city = choice(desk, campaign=desk.consultation.id, t=["c"], u=[cell])
    assert (await kim_ma.get(paths.POSTERS_PRINT, params=city)).status == 404
    made = await kim_ma.post(
        paths.POSTERS_PRINT,
        data={"csrf": await _token(kim_ma), "choice": "&".join(f"{k}={v}" for k, v in city)},
    )
    assert made.status == 404
    own = choice(desk, campaign=desk.consultation.id, t=["c"], u=[desk.other_ward.id])
    pdf, _ = await print_pdf(kim_ma, own)
    assert len(posters.pages(pdf)) == 1
    async with desk.runtime.db.sessions() as session:
        units = (await session.execute(select(col(EntryPoint.unit_id)))).scalars().all()
    assert list(units) == [desk.other_ward.id]


async def _token(browser: Client) -> str:
    return csrf_of(await (await browser.get(paths.POSTERS)).text())


async def test_the_pdf_is_drawn_holding_no_database_connection(
    world: DeskAndChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding: a file of 300 posters takes seconds to draw (12 s on the review's
    machine), all the while the page's session kept its connection and an open transaction:
    a few officials printing at once emptied the pool the chat's updates wait on."""
    desk = world.desk
    files = desk.dp["files"]
    draw = files.posters_pdf
    pool = desk.runtime.db.engine.sync_engine.pool
    busy: list[int] = []

    def watched(*args: Any, **kwargs: Any) -> bytes:
        busy.append(pool.checkedout())  # type: ignore[attr-defined]
        return bytes(draw(*args, **kwargs))

    monkeypatch.setattr(files, "posters_pdf", watched)
    browser = await desk.browser("ward_official")
    section = desk.seed.sections[0]
    pdf, _html = await print_pdf(browser, choice(desk, t=[f"s{section.id}"], wide=1))
    assert len(posters.pages(pdf)) == 1
    assert busy == [0]


async def test_a_choice_past_the_limit_is_refused_before_its_posters_are_laid_out(
    world: DeskAndChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding: every poster of a choice was laid out before its count was checked —
    a city's 9,000 cells × every section made 900,000 of them, two seconds of the event
    loop (and the chat's webhooks) for a 400, again on the form's own page."""
    desk = world.desk
    async with desk.runtime.db.sessions() as session:
        session.add_all(
            Unit(
                code=f"NGOCHA-Y{n:04}",
                name=f"Chi bộ {n}",
                level=UnitLevel.CELL,
                parent_id=desk.seed.ward.id,
            )
            for n in range(1000)
        )
        await session.commit()
    laid_out: list[object] = []
    page = desk_posters.Page

    def counted(*args: Any) -> desk_posters.Page:
        laid_out.append(args)
        return page(*args)

    monkeypatch.setattr(desk_posters, "Page", counted)
    browser = await desk.browser("ward_official")
    sections = [f"s{s.id}" for s in desk.seed.sections]
    query = choice(desk, t=["c", *sections], l=["cell"], wide=1)
    refused = await browser.get(paths.POSTERS_PRINT, params=query)
    assert refused.status == 400
    assert f"{1003 * (1 + len(sections))} áp phích" in await refused.text()
    form = await browser.get(paths.POSTERS, params=query)
    assert form.status == 200
    assert laid_out == []
    # Within the limit they are laid out as before.
    small = choice(desk, t=sections[:1], u=[desk.seed.cells[0].id])
    assert (await browser.get(paths.POSTERS_PRINT, params=small)).status == 200
    assert len(laid_out) == 1
