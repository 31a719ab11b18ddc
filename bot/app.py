"""Assembly: the process runtime and the Dispatcher with its storage, middlewares, routers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.files import Files
from bot.i18n import build_i18n
from bot.metrics import observe_updates
from bot.poster_links import poster_links
from handlers import build_router
from handlers.callbacks import FormNav, Nav
from handlers.commands import register_menu
from handlers.middlewares import MemberLocaleMiddleware, install
from handlers.notices import NoticeRenderer
from scheduler.clock import Clock, SystemClock
from scheduler.delivery import Limits
from scheduler.oversight import Outreach
from scheduler.sweeps import Defaults
from storage.comments import CommentLimits
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.fsm import DatabaseStorage
from storage.keys import ServerKey
from storage.web_base import WebBase

if TYPE_CHECKING:
    from bot.channels.zalo import CommandButtons


@dataclass(slots=True)
class Runtime:
    """What lives for the whole process: settings, database, clock."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Clock
    key: ServerKey
    # SQLite takes one writer at a time: writers of this process queue here rather than in
    # SQLite's busy handler (see handlers.middlewares.Commit). None on PostgreSQL.
    write_lock: asyncio.Lock | None = None

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        engine = create_engine(settings.database_url)
        lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        return cls(
            settings,
            engine,
            create_session_factory(engine),
            clock or SystemClock(),
            settings.server_key(),
            lock,
        )

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


def defaults_of(settings: Settings) -> Defaults:
    return Defaults(
        reminders=settings.scheduler.reminders,
        quiet_hours=settings.scheduler.quiet_hours,
        digest=settings.scheduler.digest,
    )


def limits_of(settings: Settings) -> Limits:
    outbox = settings.outbox
    return Limits(
        rate=outbox.rate,
        per_chat_seconds=outbox.per_chat_seconds,
        max_attempts=outbox.max_attempts,
        concurrency=outbox.concurrency,
        lease=outbox.lease,
    )


def comment_limits_of(settings: Settings) -> CommentLimits:
    comments = settings.comments
    return CommentLimits(
        per_hour=comments.per_hour,
        duplicate_window=timedelta(minutes=comments.duplicate_minutes),
    )


def web_base_of(settings: Settings) -> WebBase:
    """Where links sent in chat (the desk's) point: the public address, else this computer."""
    public = settings.public_base
    return WebBase(public or settings.local_base, public is not None)


def command_buttons() -> CommandButtons:
    """The buttons that are also commands, for a channel that shows them as such (Zalo, where
    a typed number under a count question must be the count): the report form's Back, Skip
    and Cancel, which handlers.report also takes as /back, /skip and /cancel."""
    return {
        FormNav(action=Nav.BACK).pack(): "/back",
        FormNav(action=Nav.SKIP).pack(): "/skip",
        FormNav(action=Nav.CANCEL).pack(): "/cancel",
    }


def build_dispatcher(runtime: Runtime) -> Dispatcher:
    storage, isolation = build_fsm(runtime)
    i18n = build_i18n(runtime.settings.locale)
    dp = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        session_factory=runtime.sessions,
        clock=runtime.clock,
        default_locale=runtime.settings.locale,
        outreach=Outreach(NoticeRenderer(i18n), defaults_of(runtime.settings)),
        comment_limits=comment_limits_of(runtime.settings),
        media_dir=runtime.settings.comments.media_dir,
        files=Files(i18n, runtime.settings.locale, poster_links(runtime.settings)),
        server_key=runtime.key,
        default_timezone=runtime.settings.timezone,
        web_base=web_base_of(runtime.settings),
    )
    observe_updates(dp)  # counts and times each update, FSM lock and sessions included
    install(dp, runtime.sessions, runtime.clock, runtime.write_lock)
    router = build_router()
    MemberLocaleMiddleware(i18n).setup(router)
    dp.include_router(router)
    register_menu(dp, i18n)
    return dp
