"""A poster's web pages served for tests: the seed ward's campaign, and a city's consultation
with posters of a section (printed by a cell), of a ward, and campaign-wide."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import Runtime
from bot.config import CommentSettings, Settings, TelegramSettings, ZaloSettings
from bot.i18n import build_i18n
from bot.web.app import build_web_app
from bot.web.landing import landing_routes
from scheduler.clock import FrozenClock
from storage.drafts import store_file
from storage.entries import Target, entry_for
from storage.models import Campaign, Document, Section, Unit
from tests.seed import TEST_SECRET, Seed, city_consultation_of, seed_ward

ZALO_URL = "https://zalo.me/gopy-test"
SECTION_TEXT = "1. Năm năm qua, đất nước đạt nhiều thành tựu.\n2. Kinh tế tăng trưởng khá."
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Codes:
    """Entry codes of the posters the tests open."""

    section: str  # the seed's Báo cáo chính trị, section I, printed by cell 1
    ward: str  # the city's Luật Thủ đô, printed by the ward Ba Đình
    city: str  # the city's whole consultation, campaign-wide (no unit)


@dataclass
class City:
    unit: Unit
    campaign: Campaign
    documents: list[Document]
    wards: dict[str, Unit]


@dataclass
class Pages:
    client: TestClient[web.Request, web.Application]
    runtime: Runtime
    clock: FrozenClock
    seed: Seed
    city: City
    codes: Codes
    username: list[str | None] = field(default_factory=lambda: ["gopy_test_bot"])

    async def csrf(self, code: str) -> str:
        """Open the landing page (the browser gets its cookie) and read the form's token."""
        response = await self.client.get(f"/q/GY-{code}")
        assert response.status == 200, await response.text()
        found = _CSRF.search(await response.text())
        assert found is not None
        return found[1]

    async def send(
        self,
        code: str,
        text: str,
        *,
        csrf: str | None = None,
        photos: Sequence[tuple[str, bytes]] = (),
        headers: Mapping[str, str] | None = None,
        **fields: str,
    ) -> tuple[int, str, str]:
        """Post the form as a browser does; the status, the Location header and the page."""
        form = FormData()
        form.add_field("csrf", csrf if csrf is not None else await self.csrf(code))
        form.add_field("website", fields.pop("website", ""))
        form.add_field("text", text)
        for content_type, data in photos or [("application/octet-stream", b"")]:
            form.add_field(
                "photos", data, filename="photo.jpg" if data else "", content_type=content_type
            )
        for name, value in fields.items():
            form.add_field(name, value)
        response = await self.client.post(
            f"/q/GY-{code}", data=form, headers=headers, allow_redirects=False
        )
        return response.status, response.headers.get("Location", ""), await response.text()


async def city_consultation(runtime: Runtime, seed: Seed, clock: FrozenClock) -> City:
    """The seed's city asks its wards about two drafts; one of them is kept by gopy."""
    async with runtime.db.sessions() as session:
        city, wards, campaign = await city_consultation_of(session, seed, ("Ba Đình", "Hoàn Kiếm"))
        assert campaign.id is not None
        documents = [
            Document(campaign_id=campaign.id, code="ltd", title="Dự thảo Luật Thủ đô"),
            Document(campaign_id=campaign.id, code="tt", title="Tờ trình dự án Luật", position=1),
        ]
        session.add_all(documents)
        await session.flush()
        assert documents[0].id is not None
        await store_file(
            session=session,
            document_id=documents[0].id,
            name="luat-thu-do.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.4\n%gopy\n",
            now=clock.now(),
        )
        await session.commit()
        for unit in (city, campaign, *documents, *wards.values()):
            await session.refresh(unit)
    return City(city, campaign, documents, wards)


async def poster_codes(runtime: Runtime, seed: Seed, city: City, clock: FrozenClock) -> Codes:
    async with runtime.db.sessions() as session:
        section = await session.get(Section, seed.sections[0].id)
        assert section is not None
        section.text = SECTION_TEXT
        await session.flush()
        entries = [
            await entry_for(
                session=session,
                target=Target(seed.campaign, seed.documents[0], section),
                now=clock.now(),
                unit=seed.cells[0],
            ),
            await entry_for(
                session=session,
                target=Target(city.campaign, city.documents[0]),
                now=clock.now(),
                unit=city.wards["Ba Đình"],
            ),
            await entry_for(session=session, target=Target(city.campaign), now=clock.now()),
        ]
        await session.commit()
    return Codes(*(entry.code for entry in entries))


def pages_settings(database_url: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": SecretStr(TEST_SECRET),
        "public_url": "http://gopy.example",
        "zalo": ZaloSettings(bot_url=ZALO_URL),
        "telegram": TelegramSettings(),
        "comments": CommentSettings(web_photo_bytes=1 << 16),
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def serve_pages(
    database_url: str, clock: FrozenClock, **changes: object
) -> AsyncIterator[Pages]:
    """The landing routes of a seeded database behind the aiohttp test client."""
    settings = pages_settings(database_url, **changes)
    runtime = Runtime.create(settings, clock)
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        await session.commit()
    city = await city_consultation(runtime, seed, clock)
    codes = await poster_codes(runtime, seed, city, clock)
    username: list[str | None] = ["gopy_test_bot"]

    async def telegram_username() -> str | None:
        return username[0]

    routes = landing_routes(
        db=runtime.db,
        clock=clock,
        settings=settings,
        key=runtime.key,
        i18n=build_i18n(settings.locale),
        telegram_username=telegram_username,
    )
    client = TestClient(TestServer(build_web_app(routes)))
    await client.start_server()
    try:
        yield Pages(client, runtime, clock, seed, city, codes, username)
    finally:
        await client.close()
        await runtime.close()
