"""Shared fixtures: SQLite files and PostgreSQL, a fake Bot API on loopback, a frozen clock."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Runtime, build_dispatcher, command_buttons
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from scheduler.clock import FrozenClock
from storage.campaigns import forget_forms
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade_sync
from tests.chat import Chat, at
from tests.databases import truncate_postgres
from tests.fakes.telegram import FakeTelegram, serve, serve_app
from tests.fakes.zalo import FakeZalo
from tests.seed import TEST_SECRET, Seed, seed_ward
from tests.zalo_chat import ZaloApp

PG_URL = os.environ.get("GOPY_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GOPY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = bool(os.environ.get("CI"))


def _unavailable(what: str, error: Exception) -> None:
    """Skip on a developer machine without the service; in CI a missing service is a failure."""
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def fresh_forms() -> Iterator[None]:
    """Each test's database numbers its forms from 1: no parsed form outlives its test."""
    forget_forms()
    yield
    forget_forms()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


def _in_thread(fn: Callable[[], object]) -> object:
    """Run blocking set-up that starts its own event loop, from inside a running one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@pytest.fixture(scope="session")
def postgres_ready() -> str:
    async def reset() -> None:
        engine = create_engine(PG_URL)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()

    try:
        _in_thread(lambda: asyncio.run(reset()))
    except Exception as error:
        _unavailable("PostgreSQL", error)
    _in_thread(lambda: upgrade_sync(PG_URL))
    return PG_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> str:
    if request.param == "sqlite":
        path = tmp_path / "gopy.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_ready")
    await truncate_postgres(url)
    return url


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on a migrated, empty database (SQLite file, and PostgreSQL)."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as db:
            yield db
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "gopy.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except Exception as error:
        await client.aclose()
        _unavailable("Redis", error)
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def clock() -> FrozenClock:
    # Monday 10/11/2025, 09:00 in Hanoi; the demo cells' deadline is Wednesday 17:00.
    return FrozenClock(at("2025-11-10 09:00"))


@pytest.fixture
async def telegram_api() -> AsyncIterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    runner, url = await serve(fake)
    yield fake, url
    await runner.cleanup()


@dataclass
class BotApp:
    """A running gopy: runtime, dispatcher and bot, pointed at the fake Bot API."""

    runtime: Runtime
    dp: Dispatcher
    bot: Bot
    api: FakeTelegram
    clock: FrozenClock
    seed: Seed

    def chat(self, user_id: int, name: str = "Nguyễn Văn An") -> Chat:
        return Chat(self.dp, self.bot, self.api, self.clock, user_id, name)


AppFactory = Callable[..., Awaitable[BotApp]]


@pytest.fixture
async def make_app(
    database_url: str, clock: FrozenClock, telegram_api: tuple[FakeTelegram, str]
) -> AsyncIterator[AppFactory]:
    """Build (and rebuild, to simulate a restart) the bot on one database."""
    fake, api_url = telegram_api
    built: list[BotApp] = []
    seeded: list[Seed] = []

    async def factory(redis: str | None = None) -> BotApp:
        settings = Settings(
            database_url=database_url,
            redis_url=redis,
            telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=api_url),
            secret_key=SecretStr(TEST_SECRET),
        )
        runtime = Runtime.create(settings, clock)
        if not seeded:
            async with runtime.db.sessions() as session:
                seeded.append(await seed_ward(session))
                await session.commit()
        app = BotApp(
            runtime,
            build_dispatcher(runtime),
            build_telegram_bot(settings),
            fake,
            clock,
            seeded[0],
        )
        built.append(app)
        return app

    yield factory
    for app in built:
        await app.dp.storage.close()
        await app.bot.session.close()
        await app.runtime.close()


@pytest.fixture
async def app(make_app: AppFactory) -> BotApp:
    return await make_app()


@pytest.fixture
async def zalo_api() -> AsyncIterator[tuple[FakeZalo, str]]:
    fake = FakeZalo()
    runner, url = await serve_app(fake.app())
    yield fake, url
    await runner.cleanup()


@pytest.fixture
async def zalo_app(
    database_url: str, clock: FrozenClock, zalo_api: tuple[FakeZalo, str]
) -> AsyncIterator[ZaloApp]:
    """gopy on Zalo (a ZaloSession against the fake Zalo Bot API), on a seeded database."""
    from bot.channels.zalo import build_zalo_bot
    from bot.config import ZaloSettings
    from bot.web.shelf import Shelf
    from tests.fakes.zalo import TOKEN

    fake, url = zalo_api
    settings = Settings(
        database_url=database_url,
        zalo=ZaloSettings(token=SecretStr(TOKEN), api_url=url),
        secret_key=SecretStr(TEST_SECRET),
    )
    runtime = Runtime.create(settings, clock)
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        await session.commit()
    dp = build_dispatcher(runtime)
    shelf = Shelf(clock, base_url="https://gopy.example")
    bot = build_zalo_bot(
        settings,
        db=runtime.db,
        clock=clock,
        commands=command_buttons(),
        shelf=shelf,
        poll_floor=0,
    )
    yield ZaloApp(runtime, dp, bot, fake, clock, seed, shelf)
    await dp.storage.close()
    await bot.session.close()
    await runtime.close()


@pytest.fixture(params=["telegram", "zalo"])
def any_app(request: pytest.FixtureRequest, database_url: str) -> BotApp | ZaloApp:
    """The same conversation test once per channel (and database: ``database_url`` is named
    here so that its parameters are known before the app is looked up by name)."""
    found: BotApp | ZaloApp = request.getfixturevalue(
        "app" if request.param == "telegram" else "zalo_app"
    )
    return found


@pytest.fixture(autouse=True)
def _no_env_leak(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests configure the app explicitly; a developer's GOPY_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("GOPY_") and not name.startswith("GOPY_TEST_"):
            monkeypatch.delenv(name)
    yield
