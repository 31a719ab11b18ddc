"""Assembly: the process runtime and the Dispatcher with its storage, middlewares, routers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.i18n import build_i18n
from handlers import build_router
from handlers.commands import register_menu
from handlers.middlewares import MemberLocaleMiddleware, install
from scheduler.clock import Clock, SystemClock
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.fsm import DatabaseStorage


@dataclass(slots=True)
class Runtime:
    """What lives for the whole process: settings, database, clock."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Clock

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        engine = create_engine(settings.database_url)
        return cls(settings, engine, create_session_factory(engine), clock or SystemClock())

    async def close(self) -> None:
        await self.engine.dispose()


def build_fsm(runtime: Runtime) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when configured (shared by several processes), else the project database."""
    url = runtime.settings.redis_url
    if url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(
            url, key_builder=DefaultKeyBuilder(prefix="gopy", with_bot_id=True, with_destiny=True)
        )
        return storage, RedisEventIsolation(storage.redis, key_builder=storage.key_builder)
    return DatabaseStorage(runtime.sessions, runtime.clock.now), SimpleEventIsolation()


def build_dispatcher(runtime: Runtime) -> Dispatcher:
    storage, isolation = build_fsm(runtime)
    dp = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        session_factory=runtime.sessions,
        clock=runtime.clock,
        default_locale=runtime.settings.locale,
    )
    sqlite = runtime.engine.dialect.name == "sqlite"
    install(dp, runtime.sessions, runtime.clock, asyncio.Lock() if sqlite else None)
    router = build_router()
    i18n = build_i18n(runtime.settings.locale)
    MemberLocaleMiddleware(i18n).setup(router)
    dp.include_router(router)
    register_menu(dp, i18n)
    return dp
