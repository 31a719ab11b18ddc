"""The desk's campaign page: what a ward official reads of their campaign, and what an upload
of an org or campaign file may change — line-numbered refusals, nothing kept on a problem."""

from __future__ import annotations

import asyncio
import textwrap
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import FormData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col

from bot.web.desk import paths
from scheduler.clock import FrozenClock
from storage.models import Campaign, EntryPoint, Unit, UnitLevel
from storage.units import get_unit
from tests.desk_world import Client, DeskWorld, csrf_of, serve_desk


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[DeskWorld]:
    async with serve_desk(database_url, clock) as served:
        yield served


def yaml(text: str) -> bytes:
    """``text`` dedented, its first line line 1."""
    return textwrap.dedent(text).lstrip("\n").encode()


async def upload(
    client: Client,
    kind: str,
    data: bytes,
    *,
    filename: str = "upload.yaml",
    token: str | None = None,
) -> Any:
    """Send a file from the campaign page's form, as a browser would; no redirect followed."""
    if token is None:
        token = csrf_of(await (await client.get(paths.CAMPAIGN)).text())
    form = FormData()
    form.add_field("csrf", token)
    form.add_field("kind", kind)
    form.add_field("file", data, filename=filename, content_type="application/x-yaml")
    return await client.post(paths.CAMPAIGN_UPLOAD, data=form, allow_redirects=False)


async def units_snapshot(world: DeskWorld) -> list[tuple[Any, ...]]:
    async with world.runtime.db.sessions() as session:
        rows = await session.execute(
            select(
                col(Unit.code),
                col(Unit.name),
                col(Unit.level),
                col(Unit.parent_id),
                col(Unit.place),
            ).order_by(col(Unit.code))
        )
        return [tuple(row) for row in rows.all()]


async def campaigns_snapshot(world: DeskWorld) -> list[tuple[Any, ...]]:
    async with world.runtime.db.sessions() as session:
        rows = await session.execute(
            select(col(Campaign.code), col(Campaign.title), col(Campaign.unit_id)).order_by(
                col(Campaign.code)
            )
        )
        return [tuple(row) for row in rows.all()]


# --- reading -----------------------------------------------------------------------------


async def test_the_ward_official_reads_the_seed_campaign(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    page = await browser.get(paths.CAMPAIGN, params={"campaign": str(world.seed.campaign.id)})
    assert page.status == 200
    html = await page.text()
    assert "Góp ý dự thảo văn kiện Đại hội XIV" in html
    assert "dh14" in html
    # The cells' deadline in words, and the dates in local time with their year.
    assert "17:00 thứ Tư hằng tuần" in html
    assert "00:00 thứ Tư, 15/10/2025" in html and "17:00 thứ Tư, 31/12/2025" in html
    assert "đang diễn ra" in html
    # The default form's questions, their kinds and whether they must be answered.
    assert "Công tác lãnh đạo, chỉ đạo" in html
    assert "Số tin, bài đã đăng" in html
    assert "Hình thức tuyên truyền" in html and "Loa phát thanh" in html
    assert "bắt buộc" in html
    # Documents and sections, with the full text's address.
    assert "Dự thảo Báo cáo chính trị" in html and "Dự thảo Điều lệ Đảng" in html
    assert "Kết quả thực hiện Nghị quyết Đại hội XIII" in html
    assert "https://example.org/du-thao/bao-cao-chinh-tri.pdf" in html
    # The ward and its two cells take part.
    assert "NGOCHA-CB01" in html and "NGOCHA-CB02" in html
    assert "Đảng ủy phường Kim Mã" not in html


async def test_the_campaign_page_is_in_english_when_asked(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    page = await browser.get(
        paths.CAMPAIGN, params={"campaign": str(world.seed.campaign.id), "lang": "en"}
    )
    html = await page.text()
    assert "17:00 every Wednesday" in html
    assert "Leadership and direction" in html


async def test_another_wards_official_gets_404(world: DeskWorld) -> None:
    browser = await world.browser("other_official")
    page = await browser.get(paths.CAMPAIGN, params={"campaign": str(world.seed.campaign.id)})
    assert page.status == 404
    html = await page.text()
    assert "Góp ý dự thảo văn kiện Đại hội XIV" not in html
    # Their own page lists the city's consultation, never the other ward's campaign.
    own = await (await browser.get(paths.CAMPAIGN)).text()
    assert "Góp ý dự thảo Luật Thủ đô" in own and "dh14" not in own


@pytest.mark.parametrize("value", ["abc", "0", "-1", "99999999999999999999", "1e3", "٣", ""])
async def test_a_bad_campaign_id_is_404(world: DeskWorld, value: str) -> None:
    browser = await world.browser("ward_official")
    page = await browser.get(paths.CAMPAIGN, params={"campaign": value})
    assert page.status == 404


async def test_the_city_official_reads_the_wards_campaign_and_its_reach(
    world: DeskWorld,
) -> None:
    browser = await world.browser("city_official")
    page = await browser.get(paths.CAMPAIGN, params={"campaign": str(world.seed.campaign.id)})
    assert page.status == 200
    html = await page.text()
    assert "NGOCHA-CB02" in html
    # The ward's campaign: Kim Mã does not take part in it.
    assert "Đảng ủy phường Kim Mã" not in html
    city = await (
        await browser.get(paths.CAMPAIGN, params={"campaign": str(world.consultation.id)})
    ).text()
    assert "Đảng ủy phường Kim Mã" in city and "NGOCHA-CB01" in city


async def test_a_citys_tree_is_listed_down_to_its_wards_when_cells_are_many(
    world: DeskWorld,
) -> None:
    from storage.campaign_reach import TREE_LIMIT

    async with world.runtime.db.sessions() as session:
        session.add_all(
            Unit(
                code=f"W0-{n:04d}",
                name=f"Chi bộ {n}",
                level=UnitLevel.CELL,
                parent_id=world.other_ward.id,
            )
            for n in range(TREE_LIMIT - 1)  # Kim Mã and its cells: the limit
        )
        await session.commit()
    browser = await world.browser("city_official")
    page = await browser.get(paths.CAMPAIGN, params={"campaign": str(world.consultation.id)})
    html = await page.text()
    assert "chi bộ: <strong>401</strong>" in html  # 399 of Kim Mã and 2 of Ngọc Hà
    assert "và 399 đơn vị trực thuộc" in html and "và 2 đơn vị trực thuộc" in html
    assert "W0-0001" not in html and "NGOCHA-CB01" not in html
    # Kim Mã's official reads their 400 cells one by one.
    own = await (await world.browser("other_official")).get(
        paths.CAMPAIGN, params={"campaign": str(world.consultation.id)}
    )
    assert "W0-0398" in await own.text()


async def test_a_ward_reads_its_share_of_the_citys_consultation(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    page = await browser.get(paths.CAMPAIGN, params={"campaign": str(world.consultation.id)})
    assert page.status == 200
    html = await page.text()
    assert "Góp ý dự thảo Luật Thủ đô" in html and "NGOCHA-CB01" in html
    assert "Đảng ủy phường Kim Mã" not in html


async def test_a_kept_draft_is_linked_through_a_poster_code(world: DeskWorld) -> None:
    from storage.drafts import store_file

    seed = world.seed
    async with world.runtime.db.sessions() as session:
        assert seed.documents[1].id is not None and seed.campaign.id is not None
        await store_file(
            session=session,
            document_id=seed.documents[1].id,
            name="Dieu le.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.4 draft",
            now=world.clock.now(),
        )
        await session.commit()
    browser = await world.browser("ward_official")
    params = {"campaign": str(seed.campaign.id)}
    html = await (await browser.get(paths.CAMPAIGN, params=params)).text()
    assert "PDF, 1 kB" in html and "/q/GY-" not in html
    async with world.runtime.db.sessions() as session:
        session.add(
            EntryPoint(
                code="7K3QM",
                target=f"c{seed.campaign.id}",
                campaign_id=seed.campaign.id,
                created_at=world.clock.now(),
            )
        )
        await session.commit()
    html = await (await browser.get(paths.CAMPAIGN, params=params)).text()
    assert "/q/GY-7K3QM/draft/dl" in html
    assert "Mã QR đã tạo trong phạm vi của bạn: 1" in html
    served = await browser.get("/q/GY-7K3QM/draft/dl")
    assert served.status == 200 and await served.read() == b"%PDF-1.4 draft"


# --- uploading units ---------------------------------------------------------------------

A_CELL_UNDER_NGOC_HA = yaml(
    """
    units:
      - code: NGOCHA
        name: Đảng ủy phường Ngọc Hà
        level: ward
        place: Ngọc Hà
        children:
          - code: NGOCHA-CB03
            name: Chi bộ Khu dân cư Đội Cấn
            level: cell
    """
)


async def test_the_ward_official_adds_a_cell_under_ngoc_ha(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    answer = await upload(browser, "org", A_CELL_UNDER_NGOC_HA)
    assert answer.status == 303, await answer.text()
    page = await browser.get(answer.headers["Location"])
    html = await page.text()
    assert "Đã tạo 1 đơn vị, cập nhật 0, giữ nguyên 1." in html
    async with world.runtime.db.sessions() as session:
        cell = await get_unit(session=session, code="NGOCHA-CB03")
        assert cell is not None and cell.parent_id == world.seed.ward.id
    # The same file again changes nothing.
    again = await upload(browser, "org", A_CELL_UNDER_NGOC_HA)
    assert again.status == 303


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        (  # renaming the city
            """
            units:
              - code: HN
                name: Thành phố mới
                level: city
            """,
            2,
            "code: HN",
        ),
        (  # a cell under Kim Mã
            """
            units:
              - code: NGOCHA-CB09
                name: Chi bộ mới
                level: cell
                parent: NGOCHA
              - code: W0-CB01
                name: Chi bộ của Kim Mã
                level: cell
                parent: W0
            """,
            9,
            "parent: W0",
        ),
        (  # renaming Kim Mã, nested under the city, unchanged
            """
            units:
              - code: HN
                name: Đảng bộ Thành phố Hà Nội
                level: city
                children:
                  - code: W0
                    name: Kim Mã đổi tên
                    level: ward
            """,
            2,
            "code: HN",
        ),
        (  # renaming their own ward
            """
            units:
              - code: NGOCHA
                name: Phường Ngọc Hà mới
                level: ward
            """,
            2,
            "code: NGOCHA",
        ),
    ],
)
async def test_an_org_upload_beyond_the_ward_is_refused_with_its_line(
    world: DeskWorld, text: str, line: int, shown: str
) -> None:
    before = await units_snapshot(world)
    browser = await world.browser("ward_official")
    answer = await upload(browser, "org", yaml(text), filename="org.yaml")
    assert answer.status == 400
    html = await answer.text()
    assert f"dòng {line}" in html
    assert shown in html  # the file's own line, shown on the page
    assert await units_snapshot(world) == before


async def test_an_existing_unit_of_kim_ma_cannot_be_moved_into_ngoc_ha(
    world: DeskWorld,
) -> None:
    async with world.runtime.db.sessions() as session:
        session.add(
            Unit(
                code="W0-CB01",
                name="Chi bộ số 1",
                level=UnitLevel.CELL,
                parent_id=world.other_ward.id,
            )
        )
        await session.commit()
    before = await units_snapshot(world)
    browser = await world.browser("ward_official")
    moved = yaml(
        """
        units:
          - {code: NGOCHA-CB03, name: Chi bộ mới, level: cell, parent: NGOCHA}
          - {code: W0-CB01, name: Chi bộ số 1, level: cell, parent: NGOCHA}
        """
    )
    answer = await upload(browser, "org", moved)
    assert answer.status == 400
    html = await answer.text()
    assert "dòng 3" in html and "không thuộc các đơn vị của bạn" in html
    assert await units_snapshot(world) == before


async def test_the_city_official_adds_a_ward_but_no_new_city(world: DeskWorld) -> None:
    browser = await world.browser("city_official")
    ward = yaml(
        """
        units:
          - code: HN
            name: Đảng bộ Thành phố Hà Nội
            level: city
            children:
              - {code: W9, name: Đảng ủy phường Giảng Võ, level: ward}
        """
    )
    assert (await upload(browser, "org", ward)).status == 303
    async with world.runtime.db.sessions() as session:
        added = await get_unit(session=session, code="W9")
        assert added is not None and added.parent_id == world.city.id
    before = await units_snapshot(world)
    city = yaml("units:\n  - {code: HCM, name: Thành phố Hồ Chí Minh, level: city}\n")
    answer = await upload(browser, "org", city)
    assert answer.status == 400
    assert "dòng 2" in await answer.text()
    assert await units_snapshot(world) == before


# --- uploading a campaign ----------------------------------------------------------------

A_CAMPAIGN = """
    code: {code}
    title: Lấy ý kiến về quy hoạch phường
    unit: {unit}
    starts: 2025-11-01
    ends: 2025-12-20 17:00
    deadlines:
      cell: {{weekday: thứ Năm, time: "17:00"}}
    documents:
      - code: qh
        title: Dự thảo quy hoạch
        url: https://example.org/quy-hoach.pdf
        sections:
          - {{number: 1, heading: Mục tiêu}}
"""


async def test_a_ward_official_imports_its_own_campaign(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    data = yaml(A_CAMPAIGN.format(code="qh2025", unit="NGOCHA"))
    answer = await upload(browser, "campaign", data)
    assert answer.status == 303, await answer.text()
    html = await (await browser.get(answer.headers["Location"])).text()
    assert "Đã tạo đợt qh2025" in html
    assert "17:00 thứ Năm hằng tuần" in html and "Dự thảo quy hoạch" in html
    # A forged sentence in the address is not shown.
    forged = answer.headers["Location"].replace("qh2025", "qh2026")
    # (The language link carries the address as it is, with its refused sentence: not shown.)
    shown = (await (await browser.get(forged)).text()).split("<main>", 1)[1]
    assert "qh2026" not in shown


async def test_a_campaign_error_shows_its_line(world: DeskWorld) -> None:
    before = await campaigns_snapshot(world)
    browser = await world.browser("ward_official")
    text = A_CAMPAIGN.format(code="qh2025", unit="NGOCHA").replace("thứ Năm", "thứ Mười")
    answer = await upload(browser, "campaign", yaml(text), filename="quy-hoach.yaml")
    assert answer.status == 400
    html = await answer.text()
    assert "dòng 7" in html and "quy-hoach.yaml" in html
    assert "thứ Mười" in html  # the line itself
    assert "ends: 2025-12-20 17:00" in html  # and the ones around it
    assert await campaigns_snapshot(world) == before


async def test_a_campaign_for_kim_ma_is_refused_to_ngoc_ha(world: DeskWorld) -> None:
    before = await campaigns_snapshot(world)
    browser = await world.browser("ward_official")
    answer = await upload(browser, "campaign", yaml(A_CAMPAIGN.format(code="km", unit="W0")))
    assert answer.status == 400
    html = await answer.text()
    assert "dòng 3" in html and "unit: W0" in html
    assert await campaigns_snapshot(world) == before


async def test_another_wards_campaign_code_cannot_be_taken_over(world: DeskWorld) -> None:
    before = await campaigns_snapshot(world)
    browser = await world.browser("other_official")
    answer = await upload(browser, "campaign", yaml(A_CAMPAIGN.format(code="dh14", unit="W0")))
    assert answer.status == 400
    html = await answer.text()
    assert "dòng 1" in html and "code: dh14" in html
    assert await campaigns_snapshot(world) == before


async def test_a_file_beside_the_campaign_is_refused_on_the_web(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    text = A_CAMPAIGN.format(code="qh2025", unit="NGOCHA").replace(
        "url: https://example.org/quy-hoach.pdf", "file: quy-hoach.pdf"
    )
    answer = await upload(browser, "campaign", yaml(text))
    assert answer.status == 400
    html = await answer.text()
    assert "dòng 11" in html and "gopy campaign import" in html


async def test_a_campaign_reimported_from_the_web_keeps_its_full_text(world: DeskWorld) -> None:
    """The file imported on the server names ``file:``: the web keeps what gopy holds."""
    from storage.drafts import files_of, store_file

    seed = world.seed
    async with world.runtime.db.sessions() as session:
        assert seed.documents[0].id is not None
        kept = await store_file(
            session=session,
            document_id=seed.documents[0].id,
            name="Bao cao chinh tri.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.4 bctt",
            now=world.clock.now(),
        )
        await session.commit()
    text = yaml(
        """
        code: dh14
        title: Góp ý dự thảo văn kiện Đại hội XIV (sửa)
        unit: NGOCHA
        starts: 2025-10-15
        ends: 2025-12-31 17:00
        deadlines:
          cell: {weekday: wednesday, time: "17:00"}
        documents:
          - code: bctt
            title: Dự thảo Báo cáo chính trị
            file: du-thao/bao-cao-chinh-tri.pdf
            sections:
              - {number: I, heading: Kết quả thực hiện Nghị quyết Đại hội XIII}
              - {number: II, heading: "Bối cảnh, mục tiêu và định hướng phát triển"}
          - code: dl
            title: Dự thảo Điều lệ Đảng
            file: du-thao/dieu-le.pdf
        """
    )
    browser = await world.browser("ward_official")
    refused = await upload(browser, "campaign", text)
    assert refused.status == 400
    assert "dòng 17" in await refused.text()  # gopy holds no full text of "dl"
    kept_only = text.replace(b"    file: du-thao/dieu-le.pdf\n", b"")
    answer = await upload(browser, "campaign", kept_only)
    assert answer.status == 303, await answer.text()
    html = await (await browser.get(answer.headers["Location"])).text()
    assert "Đã cập nhật đợt dh14" in html and "(sửa)" in html
    async with world.runtime.db.sessions() as session:
        files = await files_of(session=session, document_ids=[seed.documents[0].id])
    assert files[seed.documents[0].id] == kept


async def test_the_page_is_for_officials(world: DeskWorld) -> None:
    for who in ("citizen", "secretary"):
        browser = await world.browser(who)
        assert (await browser.get(paths.CAMPAIGN)).status == 403
    assert (await (await world.anonymous()).get(paths.CAMPAIGN)).status == 401


# --- what the guard does for every upload ------------------------------------------------


async def test_an_upload_without_the_token_is_refused(world: DeskWorld) -> None:
    before = await units_snapshot(world)
    browser = await world.browser("ward_official")
    answer = await upload(browser, "org", A_CELL_UNDER_NGOC_HA, token="forged")
    assert answer.status == 403
    assert await units_snapshot(world) == before


async def test_a_file_over_2_mb_is_413(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    answer = await upload(browser, "org", b"#" * (2 << 20))
    assert answer.status == 413


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8"),
        (b"units: [\n", "dòng"),
        (b"- a\n- b\n", "dòng 1"),
        (b"", ""),
    ],
)
async def test_garbage_is_a_polite_400(world: DeskWorld, data: bytes, said: str) -> None:
    browser = await world.browser("ward_official")
    answer = await upload(browser, "org", data)
    assert answer.status == 400
    assert said in await answer.text()


async def test_no_file_or_no_kind_is_a_polite_400(world: DeskWorld) -> None:
    browser = await world.browser("ward_official")
    assert (await upload(browser, "units", A_CELL_UNDER_NGOC_HA)).status == 400
    token = csrf_of(await (await browser.get(paths.CAMPAIGN)).text())
    answer = await browser.post(
        paths.CAMPAIGN_UPLOAD, data={"csrf": token, "kind": "org"}, allow_redirects=False
    )
    assert answer.status == 400


async def count_units(world: DeskWorld) -> int:
    async with world.runtime.db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Unit))).scalar_one())


# --- any bytes at all --------------------------------------------------------------------

VALID_FILES = [
    ("org", A_CELL_UNDER_NGOC_HA),
    ("campaign", yaml(A_CAMPAIGN.format(code="qh2025", unit="NGOCHA"))),
    ("campaign", yaml(A_CAMPAIGN.format(code="dh14", unit="NGOCHA"))),
]
# What an edit can put in a YAML file: structure, escapes, numbers, levels, odd text.
PIECES = (
    st.sampled_from(
        [
            b":",
            b"- ",
            b"\n",
            b"  ",
            b"{",
            b"}",
            b"[",
            b"]",
            b'"',
            b"'",
            b"&a",
            b"*a",
            b"!!python/object",
            b"\\0",
            b'"\\0"',
            b'"\\ud800"',
            b"\t",
            b"\xff",
            b"\xc3",
            b"0",
            b"-1",
            b"99999999999999999999",
            b"district",
            b"province",
            b"city",
            b"cell",
            b"ward",
            b"HN",
            b"W0",
            b"NGOCHA",
            b"parent: HN",
            b"parent: W0",
            b"file: x.pdf",
            b"documents: x.md",
            b"form: []",
            b"reminders: " + b"1h," * 30,
            b"\xef\xbb\xbf",
            b"%YAML 1.1\n",
            b"---\n",
            b"...\n",
            "Ngọc Hà".encode(),
            b"x" * 300,
        ]
    )
    | st.binary(max_size=20)
    | st.text(max_size=20).map(lambda text: text.encode("utf-8", "surrogatepass"))
)


# Values a key may be given, in the way people (or escapes) write them.
VALUES = st.sampled_from(
    [
        b"district",
        b"province",
        b"cell",
        b"HN",
        b"W0",
        b"NGOCHA-CB01",
        b'"a\\0b"',
        b'"\\ud800"',
        b"[" + b"1h," * 30 + b"]",
        b"x" * 300,
        b"2025-13-01",
        b"31/02/2025",
        b"thu 9",
        b"25:00",
        b"null",
        b"true",
        b"-1",
        b"~",
        b"{}",
        b"[]",
        b"99999999999999999999",
        b"https://example.org/" + b"a" * 1100,
        b"Asia/Nowhere",
        b"21:00-07:00",
    ]
)


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid file with a few pieces put in, cut out or cut short; or bytes from nowhere."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(KINDS_SENT)), draw(st.binary(max_size=400))
    kind, data = draw(st.sampled_from(VALID_FILES))
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):  # a value changed: the key stays, what follows is new
            lines = data.split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            key, colon, _value = lines[index].partition(b": ")
            lines[index] = key + colon + draw(VALUES | PIECES)
            data = b"\n".join(lines)
        else:  # anything put in anywhere
            at = draw(st.integers(0, len(data)))
            cut = draw(st.integers(0, 12))
            data = data[:at] + draw(PIECES) + data[at + cut :]
    return kind, data


KINDS_SENT = ["org", "campaign"]


async def state_of(world: DeskWorld) -> list[Any]:
    """Every row an import writes, to see that a refused upload wrote none."""
    from storage.models import Deadline, Document, DocumentFile, ReportForm, Section

    found: list[Any] = []
    async with world.runtime.db.sessions() as session:
        for model in (Unit, Campaign, Deadline, Document, Section, ReportForm, DocumentFile):
            rows = await session.execute(select(model).order_by(col(model.id)))
            found.append([row.model_dump() for row in rows.scalars().all()])
    return found


async def test_any_bytes_are_a_page_never_a_5xx(world: DeskWorld) -> None:
    browser = await world.browser("city_official")
    token = csrf_of(await (await browser.get(paths.CAMPAIGN)).text())
    loop = asyncio.get_running_loop()
    statuses: Counter[int] = Counter()

    async def once(kind: str, data: bytes) -> None:
        before = await state_of(world)
        answer = await upload(browser, kind, data, token=token)
        await answer.read()
        statuses[answer.status] += 1
        assert answer.status in (303, 400), (answer.status, data)
        if answer.status == 400:
            assert await state_of(world) == before, data

    @given(case=edited())
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    def check(case: tuple[str, bytes]) -> None:
        # The server runs in the test's event loop; Hypothesis drives it from this thread.
        asyncio.run_coroutine_threadsafe(once(*case), loop).result(timeout=60)

    await asyncio.to_thread(check)
    assert statuses[400] > 0


async def test_the_language_toggle_of_a_refusal_lands_on_the_campaign_page(
    world: DeskWorld,
) -> None:
    browser = await world.browser("ward_official")
    toggled = await browser.get(
        paths.CAMPAIGN_UPLOAD, params={"lang": "en"}, allow_redirects=False
    )
    assert toggled.status == 303
    assert toggled.headers["Location"] == paths.CAMPAIGN + "?lang=en"


async def test_a_large_file_does_not_stop_the_server_while_it_is_read(world: DeskWorld) -> None:
    """A city's org file near the 2 MB limit takes seconds to parse (13 s here, all of them
    with the event loop standing still): the bot, the delivery loop and every other page go
    on meanwhile, the parse running beside the loop. What is left on the loop (the schema's
    check of 24,000 units) is well under a second."""
    entries = "".join(
        f"  - code: NGOCHA-X{n}\n    name: Chi bộ số {n}\n    level: hamlet\n"
        for n in range(24_000)
    )
    data = ("units:\n" + entries).encode()
    assert 1 << 20 < len(data) < 2 << 20
    browser = await world.browser("ward_official")
    token = csrf_of(await (await browser.get(paths.CAMPAIGN)).text())
    loop = asyncio.get_running_loop()
    longest = 0.0
    sent = asyncio.create_task(upload(browser, "org", data, token=token))
    while not sent.done():
        before = loop.time()
        await asyncio.sleep(0.02)
        longest = max(longest, loop.time() - before)
    answer = sent.result()
    assert answer.status == 400  # no level "hamlet": nothing kept
    assert "dòng 4" in await answer.text()
    assert longest < 3.0, f"the event loop stood still for {longest:.1f} s"
