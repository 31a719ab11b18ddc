"""The composition root: the process runtime, the services built once and shared, the
Dispatcher with its storage, middlewares and routers, and the scheduler hung on its startup and
shutdown."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.files import Files
from bot.i18n import build_i18n
from bot.metrics import observe_updates
from bot.poster_links import poster_links
from bot.throttle.middleware import throttle_of
from bot.throttle.overflow import OutboxOverflow
from handlers import build_router
from handlers.callbacks import FormNav, Nav
from handlers.commands import register_menu
from handlers.middlewares import MemberLocaleMiddleware, channel_of, install
from handlers.notices import NoticeRenderer
from scheduler.clock import Clock, SystemClock
from scheduler.delivery import Delivery, Limits
from scheduler.leader import NeverLeads, leader_for
from scheduler.mail_delivery import MailDelivery
from scheduler.service import SchedulerService, Sweeper
from scheduler.sweeps import Defaults
from services.oversight import Outreach
from storage.comments import CommentLimits
from storage.database import Database
from storage.fsm import DatabaseStorage
from storage.inflight import InFlight, RedisInFlight
from storage.keys import ServerKey
from storage.web_base import WebBase

if TYPE_CHECKING:
    from bot.channels.zalo import CommandButtons

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """What lives for the whole process: settings, database, clock."""

    settings: Settings
    db: Database
    clock: Clock
    key: ServerKey

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(
            settings,
            Database.connect(settings.database_url, **pool_of(settings)),
            clock or SystemClock(),
            settings.server_key(),
        )

    async def close(self) -> None:
        await self.db.dispose()


def pool_of(settings: Settings) -> dict[str, Any]:
    """The engine's pool as configured; an in-memory SQLite database has one connection."""
    if ":memory:" in settings.database_url:
        return {}
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_pool_overflow,
        "pool_timeout": settings.database_pool_timeout,
    }


def build_fsm(runtime: Runtime) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when configured (shared by several processes), else the project database."""
    url = runtime.settings.redis_url
    if url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(
            url, key_builder=DefaultKeyBuilder(prefix="gopy", with_bot_id=True, with_destiny=True)
        )
        return storage, RedisEventIsolation(storage.redis, key_builder=storage.key_builder)
    return DatabaseStorage(runtime.db.sessions, runtime.clock.now), SimpleEventIsolation()


def in_flight_of(storage: BaseStorage) -> InFlight | None:
    """Updates being handled, seen by every process when the FSM is in Redis (the default,
    one process's memory, otherwise)."""
    from aiogram.fsm.storage.redis import RedisStorage

    return RedisInFlight(storage.redis) if isinstance(storage, RedisStorage) else None


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


@dataclass(slots=True)
class Services:
    """What the chat, the desk and the scheduler share, built once per process: the words,
    the queueing of messages (whose bells the delivery loops ring), the files."""

    i18n: I18n
    outreach: Outreach
    files: Files


def build_services(runtime: Runtime) -> Services:
    i18n = build_i18n(runtime.settings.locale)
    return Services(
        i18n=i18n,
        outreach=Outreach(NoticeRenderer(i18n), defaults_of(runtime.settings)),
        files=Files(i18n, runtime.settings.locale, poster_links(runtime.settings)),
    )


def build_dispatcher(runtime: Runtime, services: Services | None = None) -> Dispatcher:
    """The dispatcher with its storage, middlewares and routers; the handlers get the shared
    ``services`` (their own when none are given: a test's bare dispatcher)."""
    services = services or build_services(runtime)
    storage, isolation = build_fsm(runtime)
    dp = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        session_factory=runtime.db.sessions,
        clock=runtime.clock,
        default_locale=runtime.settings.locale,
        outreach=services.outreach,
        comment_limits=comment_limits_of(runtime.settings),
        media_dir=runtime.settings.comments.media_dir,
        files=services.files,
        server_key=runtime.key,
        default_timezone=runtime.settings.timezone,
        web_base=web_base_of(runtime.settings),
    )
    observe_updates(dp)  # counts and times each update, FSM lock and sessions included
    install(dp, runtime.db, runtime.clock, in_flight_of(storage))
    router = build_router()
    MemberLocaleMiddleware(services.i18n).setup(router)
    dp.include_router(router)
    register_menu(dp, services.i18n)
    return dp


def build_mail(runtime: Runtime) -> MailDelivery | None:
    """The e-mail sender, when SMTP is configured; else signed reports' e-mails wait."""
    smtp = runtime.settings.mail.smtp()
    if smtp is None:
        log.warning(
            "mail: GOPY_SMTP_URL is not set; e-mails of signed reports stay queued until it is"
        )
        return None
    log.info("mail: sending through %s:%d as %s", smtp.host, smtp.port, smtp.sender_address)
    return MailDelivery(db=runtime.db, smtp=smtp, clock=runtime.clock)


def build_scheduler(
    runtime: Runtime, services: Services, bots: Mapping[str, Bot], *, sweeps: bool = True
) -> SchedulerService:
    """Sweeps and the delivery loops, sending through ``bots`` by channel; the shared
    outreach rings their bells."""
    outreach = services.outreach
    delivery = Delivery(
        db=runtime.db, bots=bots, clock=runtime.clock, limits=limits_of(runtime.settings)
    )
    outreach.wake = delivery.wake
    for bot in bots.values():
        throttle = throttle_of(bot)
        if throttle is not None and isinstance(throttle.overflow, OutboxOverflow):
            throttle.overflow.wake = delivery.wake  # a reply moved there goes out at once
    sweeper = Sweeper(
        db=runtime.db, clock=runtime.clock, render=outreach.render, defaults=outreach.defaults
    )
    mail = build_mail(runtime)
    if mail is not None:
        outreach.wake_mail = mail.wake
    # One process of those sharing the database runs the sweeps; all of them deliver.
    # GOPY_SCHEDULER_ENABLED=false: this process only delivers (a reply moved to the outbox
    # goes out from here at once, not at another process's next poll).
    leader = leader_for(runtime.db.engine) if sweeps else NeverLeads()
    return SchedulerService(sweeper, delivery, mail, leader)


def start_with(dp: Dispatcher, service: SchedulerService) -> None:
    """The scheduler starts on the dispatcher's startup and stops on its shutdown."""

    async def start() -> None:
        try:
            await service.start()
        except BaseException:
            # A start cut short (Ctrl+C meanwhile) still stops what began: a sweep must not
            # outlive the database engine, and aiogram's polling emits no shutdown then.
            await service.stop()
            raise

    dp.startup.register(start)
    dp.shutdown.register(service.stop)


@dataclass(slots=True)
class Gopy:
    """One process assembled: its runtime, the shared services, the dispatcher and, when
    this process schedules, the scheduler (started and stopped with the dispatcher)."""

    runtime: Runtime
    services: Services
    dp: Dispatcher
    scheduler: SchedulerService | None

    async def close(self) -> None:
        await self.dp.storage.close()


def assemble(
    runtime: Runtime, bots: Sequence[Bot], *, scheduling: bool, sweeps: bool = True
) -> Gopy:
    """The composition root: every service once, handed to the dispatcher (its workflow
    data) and to the scheduler, which runs here when ``scheduling`` — its sweeps only when
    ``sweeps`` (and this process wins the lead), its delivery loops in any case."""
    services = build_services(runtime)
    dp = build_dispatcher(runtime, services)
    scheduler = None
    if scheduling:
        scheduler = build_scheduler(
            runtime, services, {channel_of(bot): bot for bot in bots}, sweeps=sweeps
        )
        start_with(dp, scheduler)
    return Gopy(runtime, services, dp, scheduler)
