"""The officials' desk served for tests: the seed ward (Ngọc Hà, two cells) beside another
ward of the same city (Kim Mã), the city's own consultation, and five people — a citizen, a
cell secretary, an official of Kim Mã, an official of Ngọc Hà and an official of the city.

The routes are the runner's own (``bot.runner.page_routes``: poster pages and desk), on a
real aiohttp server, with the dispatcher's services (outbox, files). Each person signs in
through a real single-use link in their own browser (``TestClient`` with its own cookies).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from aiogram import Dispatcher
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import Runtime, assemble
from bot.config import Settings, TelegramSettings
from bot.runner import page_routes
from bot.web.app import build_web_app
from bot.web.desk.paths import sign_in_path
from scheduler.clock import FrozenClock
from storage.desk_access import issue_link
from storage.models import Campaign, Person, Role, RoleKind, Unit
from tests.seed import TEST_SECRET, Seed, city_consultation_of, seed_ward

Who = Literal["citizen", "secretary", "other_official", "ward_official", "city_official"]
PEOPLE: tuple[Who, ...] = (
    "citizen",
    "secretary",
    "other_official",
    "ward_official",
    "city_official",
)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')

Client = TestClient[web.Request, web.Application]


@dataclass
class DeskWorld:
    server: TestServer
    runtime: Runtime
    dp: Dispatcher
    clock: FrozenClock
    seed: Seed
    city: Unit
    other_ward: Unit  # Kim Mã
    consultation: Campaign  # the city's own
    people: dict[Who, Person]
    clients: list[Client] = field(default_factory=list)

    async def anonymous(self) -> Client:
        """A browser with no session."""
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return client

    async def link(self, who: Who) -> str:
        """A fresh single-use link's path for ``who``, as ``/web`` issues it."""
        async with self.runtime.db.sessions() as session:
            token = await issue_link(
                session=session,
                key=self.runtime.key,
                person=self.people[who],
                now=self.clock.now(),
            )
            await session.commit()
        return sign_in_path(token)

    async def browser(self, who: Who) -> Client:
        """A browser signed in as ``who``: the link opened, its button pressed."""
        client = await self.anonymous()
        path = await self.link(who)
        page = await client.get(path)
        assert page.status == 200, await page.text()
        answer = await client.post(
            path, data={"csrf": csrf_of(await page.text())}, allow_redirects=False
        )
        assert answer.status == 303, await answer.text()
        return client


def csrf_of(html: str) -> str:
    """The anti-forgery token of the first form of a page."""
    found = _CSRF.search(html)
    assert found is not None, html[:2000]
    return found[1]


async def post_form(
    client: Client, path: str, fields: Mapping[str, Any] | None = None, *, page: str | None = None
) -> Any:
    """Post a desk form as its page would: the token read from ``page`` (default: ``path``
    itself opened first), no redirect followed."""
    html = await (await client.get(page or path)).text()
    data = {"csrf": csrf_of(html), **(fields or {})}
    return await client.post(path, data=data, allow_redirects=False)


def desk_settings(database_url: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": SecretStr(TEST_SECRET),
        "public_url": "http://gopy.example",
        "telegram": TelegramSettings(),
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


async def _people(runtime: Runtime, seed: Seed, city: Unit, other: Unit) -> dict[Who, Person]:
    roles: dict[Who, tuple[Unit, RoleKind] | None] = {
        "citizen": None,
        "secretary": (seed.cells[0], RoleKind.SECRETARY),
        "other_official": (other, RoleKind.OFFICIAL),
        "ward_official": (seed.ward, RoleKind.OFFICIAL),
        "city_official": (city, RoleKind.OFFICIAL),
    }
    names: dict[Who, str] = {
        "citizen": "Trần Thị Dân",
        "secretary": "Lê Văn Bí",
        "other_official": "Phạm Kim Mã",
        "ward_official": "Nguyễn Thị Hà",
        "city_official": "Đỗ Văn Thành",
    }
    people: dict[Who, Person] = {}
    async with runtime.db.sessions() as session:
        for n, (who, held) in enumerate(roles.items()):
            person = Person(
                channel="telegram",
                external_id=str(9100 + n),
                full_name=names[who],
                created_at=seed.campaign.starts_at,
            )
            session.add(person)
            await session.flush()
            assert person.id is not None
            if held is not None:
                unit, kind = held
                assert unit.id is not None
                session.add(
                    Role(
                        person_id=person.id,
                        unit_id=unit.id,
                        kind=kind,
                        granted_at=seed.campaign.starts_at,
                    )
                )
            people[who] = person
        await session.commit()
        for person in people.values():
            await session.refresh(person)
    return people


@asynccontextmanager
async def serve_desk(
    database_url: str, clock: FrozenClock, **changes: object
) -> AsyncIterator[DeskWorld]:
    """The desk of a seeded database on a real server; every browser closed after."""
    settings = desk_settings(database_url, **changes)
    runtime = Runtime.create(settings, clock)
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        city, wards, consultation = await city_consultation_of(session, seed, ("Kim Mã",))
        await session.commit()
        for unit in (city, wards["Kim Mã"], consultation):
            await session.refresh(unit)
    people = await _people(runtime, seed, city, wards["Kim Mã"])
    gopy = assemble(runtime, [], scheduling=False)
    dp = gopy.dp
    server = TestServer(build_web_app(page_routes(gopy, [])))
    await server.start_server()
    world = DeskWorld(
        server, runtime, dp, clock, seed, city, wards["Kim Mã"], consultation, people
    )
    try:
        yield world
    finally:
        for client in world.clients:
            await client.close()
        await server.close()
        await dp.storage.close()
        await runtime.close()
