"""The local simulator over real HTTP: personas join with a real invite and file a report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Runtime
from bot.demo import load_demo
from bot.web.simulator import CITIZEN_ID, CITY_OFFICIAL_ID, OFFICIAL_ID, SECRETARY_BASE
from scheduler.clock import FrozenClock
from tests.seed import seed_ward
from tests.simulator import serve_simulator


class Page:
    """What the web page does: JSON calls to the simulator API."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base, self.after = http, base, 0

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.base + path, json=body) as response:
            return response.status, await response.json()

    async def say(self, persona: int, text: str) -> list[dict[str, Any]]:
        status, _ = await self.call("POST", "/api/send", {"persona": persona, "text": text})
        assert status == 200
        return await self.news(persona)

    async def news(self, persona: int) -> list[dict[str, Any]]:
        status, body = await self.call(
            "GET", f"/api/messages?persona={persona}&after={self.after}&wait=0"
        )
        assert status == 200
        self.after = body["last"]
        return list(body["messages"])


@pytest.fixture
async def page(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[Page]:
    async def ward(session: AsyncSession, _runtime: Runtime) -> None:
        await seed_ward(session)

    async with serve_simulator(sqlite_url, clock, ward) as url, aiohttp.ClientSession() as http:
        yield Page(http, url)


@pytest.fixture
async def demo_page(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[Page]:
    """The page over the demo (``make run`` without a token): a city, two wards, 19 cells."""

    async def demo(session: AsyncSession, runtime: Runtime) -> None:
        await load_demo(session=session, key=runtime.key, now=clock.now(), ttl=timedelta(days=7))

    async with serve_simulator(sqlite_url, clock, demo) as url, aiohttp.ClientSession() as http:
        yield Page(http, url)


async def test_the_demo_offers_every_level_grouped_by_unit(demo_page: Page) -> None:
    status, body = await demo_page.call("GET", "/api/personas")
    assert status == 200
    listed = [(p["group"], p["role"], p["unit"]) for p in body["personas"]]
    assert listed[0] == ("Đảng bộ Thành phố Hà Nội", "official", "Đảng bộ Thành phố Hà Nội")
    ngocha, giangvo = "Đảng ủy phường Ngọc Hà", "Đảng ủy phường Giảng Võ"
    assert listed[1] == (ngocha, "official", ngocha)
    assert listed[2] == (ngocha, "secretary", "Chi bộ Tổ dân phố số 1")
    assert listed[14] == (giangvo, "official", giangvo)
    assert listed[15] == (giangvo, "secretary", "Chi bộ Tổ dân phố số 3")
    assert [g for g, role, _ in listed if role == "secretary"] == [ngocha] * 12 + [giangvo] * 7
    assert listed[-1] == (None, "citizen", None)
    ids = [p["id"] for p in body["personas"]]
    assert ids[:3] == [CITY_OFFICIAL_ID, OFFICIAL_ID, SECRETARY_BASE]
    assert ids[14:16] == [OFFICIAL_ID + 1, SECRETARY_BASE + 12] and len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("persona", "answer"),
    [(CITY_OFFICIAL_ID, "cán bộ"), (OFFICIAL_ID + 1, "cán bộ"), (SECRETARY_BASE + 18, "bí thư")],
)
async def test_the_new_people_of_the_demo_join(demo_page: Page, persona: int, answer: str) -> None:
    """The city's official, Giảng Võ's official and its last cell's secretary join by invite."""
    status, _ = await demo_page.call("POST", f"/api/personas/{persona}/join")
    assert status == 200
    assert answer in (await demo_page.news(persona))[-1]["text"]
    _, body = await demo_page.call("GET", "/api/personas")
    assert next(p for p in body["personas"] if p["id"] == persona)["joined"]


async def test_page_and_personas(page: Page) -> None:
    async with page.http.get(page.base + "/") as response:
        assert response.status == 200 and "gopy" in await response.text()
    status, body = await page.call("GET", "/api/personas")
    assert status == 200
    secretaries = [p for p in body["personas"] if p["role"] == "secretary"]
    assert len(secretaries) == 2 and not any(p["joined"] for p in secretaries)


async def test_secretary_joins_and_starts_a_report(page: Page) -> None:
    me = SECRETARY_BASE
    status, _ = await page.call("POST", f"/api/personas/{me}/join")
    assert status == 200
    joined = await page.news(me)
    assert joined[0]["from"] == "user" and joined[0]["text"].startswith("/start i-")
    assert "bí thư" in joined[-1]["text"]
    assert joined[-1]["keyboard"][0][0] == "📝 Báo cáo tuần"
    _, body = await page.call("GET", "/api/personas")
    assert next(p for p in body["personas"] if p["id"] == me)["joined"]

    asked = await page.say(me, "📝 Báo cáo tuần")
    choice = asked[-1]
    this_week = next(b for row in choice["buttons"] for b in row if "Tuần này" in b["text"])
    status, _ = await page.call(
        "POST",
        "/api/press",
        {"persona": me, "message_id": choice["id"], "data": this_week["data"]},
    )
    assert status == 200
    assert "Câu 1/9" in (await page.news(me))[-1]["text"]


async def press(page: Page, persona: int, messages: list[dict[str, Any]], label: str) -> None:
    for message in reversed(messages):
        for row in message["buttons"]:
            for button in row:
                if label in button["text"]:
                    body = {
                        "persona": persona,
                        "message_id": message["id"],
                        "data": button["data"],
                    }
                    status, _ = await page.call("POST", "/api/press", body)
                    assert status == 200
                    return
    raise AssertionError(f"no button {label!r}")


async def test_official_gets_a_qr_code_and_a_poster_to_open(page: Page) -> None:
    import io
    import re

    import zxingcpp
    from PIL import Image

    me = OFFICIAL_ID
    assert (await page.call("POST", f"/api/personas/{me}/join"))[0] == 200
    shown = await page.say(me, "/qr")
    await press(page, me, shown, "Báo cáo chính trị")
    await press(page, me, await page.news(me), "I. Kết quả")
    sent = [m["text"] for m in await page.news(me)]
    links = [re.search(r'href="(/api/files/\d+)"', text) for text in sent]
    qr_path, poster_path = (m[1] for m in links if m)
    async with page.http.get(page.base + qr_path) as response:
        assert response.status == 200 and response.content_type == "image/png"
        (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(await response.read())))
    # The simulator's own address: a trial shows the landing page, and says it is one.
    assert re.fullmatch(r"http://127\.0\.0\.1:8080/q/GY-[A-Z0-9]{5}", code.text)
    assert any(code.text in text and "trình mô phỏng" in text for text in sent)
    async with page.http.get(page.base + poster_path) as response:
        assert response.content_type == "application/pdf"
        assert (await response.read()).startswith(b"%PDF")

    citizen = CITIZEN_ID
    greeting = await page.say(citizen, code.text.rsplit("/", 1)[1])
    assert "Kết quả thực hiện" in greeting[-1]["text"]
    noted = await page.say(citizen, "Ý kiến gửi từ trình mô phỏng")
    await press(page, citizen, noted, "Tán thành")
    await press(page, citizen, await page.news(citizen), "Bỏ qua")
    await press(page, citizen, await page.news(citizen), "Gửi ẩn danh")
    await press(page, citizen, await page.news(citizen), "Gửi ý kiến")
    assert "YK-" in (await page.news(citizen))[-1]["text"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/files/abc",
        "/api/files/999",
        "/api/files/-1",
        "/api/files/²",
        "/api/files/" + "9" * 5_000,
    ],
)
async def test_unknown_files_are_404(page: Page, path: str) -> None:
    async with page.http.get(page.base + path) as response:
        assert response.status == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/send", "not an object", 400),
        ("POST", "/api/send", {"persona": 1001, "text": ""}, 400),
        ("POST", "/api/send", {"persona": 1001, "text": "x" * 9000}, 400),
        ("POST", "/api/send", {"persona": 42, "text": "hi"}, 404),
        ("POST", "/api/send", {"persona": True, "text": "hi"}, 404),
        ("POST", "/api/press", {"persona": 1001, "message_id": "x", "data": "a"}, 400),
        ("POST", "/api/press", {"persona": 1001, "message_id": 999, "data": "a"}, 404),
        ("POST", "/api/personas/abc/join", None, 404),
        ("POST", "/api/personas/²/join", None, 404),
        ("POST", "/api/personas/" + "9" * 5_000 + "/join", None, 404),
        ("POST", "/api/personas/" + "9" * 30 + "/join", None, 404),
        ("POST", "/api/send", {"persona": 2**70, "text": "hi"}, 404),
        ("POST", "/api/send", {"persona": -(2**63) - 1, "text": "hi"}, 404),
        ("POST", "/api/press", {"persona": 2**64, "message_id": 1, "data": "a"}, 404),
        ("POST", "/api/press", {"persona": 1001, "message_id": 2**70, "data": "a"}, 404),
        ("GET", "/api/messages?persona=" + "9" * 30, None, 404),
        ("GET", "/api/messages?persona=" + "9" * 5_000, None, 400),
        ("GET", "/api/messages?persona=1001&after=" + "9" * 5_000, None, 400),
        ("GET", "/api/messages?persona=1001&wait=" + "9" * 5_000, None, 400),
        ("GET", "/api/messages?persona=x", None, 400),
        ("GET", "/api/messages?persona=1001&wait=nan", None, 400),
    ],
)
async def test_garbage_gets_4xx(
    page: Page, method: str, path: str, body: Any, status: int
) -> None:
    got, payload = await page.call(method, path, body)
    assert got == status and "error" in payload
