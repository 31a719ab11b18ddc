"""Running the bot: the local simulator, or Telegram and/or Zalo by long polling or webhook.

With both tokens one process serves both channels: one Dispatcher, two Bots, one outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from rich.console import Console
from sqlalchemy import func, select

from bot.app import Runtime, build_dispatcher, command_buttons, limits_of
from bot.channels.telegram import bot_properties, build_telegram_bot
from bot.cli_i18n import _
from bot.config import Settings
from bot.i18n import build_i18n
from bot.links import mount_point
from bot.throttle.build import build_throttle, close_throttle
from bot.throttle.middleware import Throttle, throttle_of
from bot.throttle.overflow import OutboxOverflow
from bot.web.app import build_web_app
from bot.web.shelf import Shelf
from handlers.middlewares import channel_of
from scheduler.delivery import Delivery
from scheduler.mail_delivery import MailDelivery
from scheduler.oversight import Outreach
from scheduler.service import SchedulerService, Sweeper
from storage.migrate import upgrade
from storage.models import Unit
from storage.updates import KEEP_FOR, forget_older_than

if TYPE_CHECKING:
    from bot.web.site import TelegramUsername

log = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 5.0
# A landing page waits at most this long for the Telegram bot's username (getMe), then goes
# without its Telegram button: aiogram's own limit is a minute, long past a reader's patience.
ASK_TELEGRAM_SECONDS = 2.0
console = Console()


async def run(settings: Settings) -> None:
    await upgrade(settings.database_url, key=settings.server_key())
    runtime = Runtime.create(settings)
    async with runtime.sessions() as session:
        # Telegram re-delivers for a day at most; older dedupe keys are dead weight.
        await forget_older_than(session=session, moment=runtime.clock.now() - KEEP_FOR)
        await session.commit()
    dp = build_dispatcher(runtime)
    try:
        if settings.simulator:
            await _run_simulator(runtime, dp)
        elif settings.webhook.url:
            await _run_webhook(runtime, dp)
        else:
            await _run_polling(runtime, dp)
    finally:
        await dp.storage.close()
        await runtime.close()


def build_scheduler(runtime: Runtime, dp: Dispatcher, bots: dict[str, Bot]) -> SchedulerService:
    """Sweeps and the delivery loop for this process, sending through ``bots`` by channel."""
    outreach: Outreach = dp["outreach"]
    delivery = Delivery(
        sessions=runtime.sessions,
        bots=bots,
        clock=runtime.clock,
        limits=limits_of(runtime.settings),
        write_lock=runtime.write_lock,
    )
    outreach.wake = delivery.wake
    for bot in bots.values():
        throttle = throttle_of(bot)
        if throttle is not None and isinstance(throttle.overflow, OutboxOverflow):
            throttle.overflow.wake = delivery.wake  # a reply moved there goes out at once
    sweeper = Sweeper(
        sessions=runtime.sessions,
        clock=runtime.clock,
        render=outreach.render,
        defaults=outreach.defaults,
        write_lock=runtime.write_lock,
    )
    mail = build_mail(runtime)
    if mail is not None:
        outreach.wake_mail = mail.wake
    return SchedulerService(sweeper, delivery, mail)


def build_mail(runtime: Runtime) -> MailDelivery | None:
    """The e-mail sender, when SMTP is configured; else signed reports' e-mails wait."""
    smtp = runtime.settings.mail.smtp()
    if smtp is None:
        log.warning(
            "mail: GOPY_SMTP_URL is not set; e-mails of signed reports stay queued until it is"
        )
        return None
    log.info("mail: sending through %s:%d as %s", smtp.host, smtp.port, smtp.sender_address)
    return MailDelivery(
        sessions=runtime.sessions, smtp=smtp, clock=runtime.clock, write_lock=runtime.write_lock
    )


@asynccontextmanager
async def scheduling(
    runtime: Runtime, dp: Dispatcher, bots: dict[str, Bot]
) -> AsyncIterator[None]:
    """Run the scheduler beside the bot unless another process does (GOPY_SCHEDULER_ENABLED)."""
    if not runtime.settings.scheduler.enabled:
        yield
        return
    service = build_scheduler(runtime, dp, bots)
    try:
        # Inside the try: a bot stopped while the scheduler starts must still stop it, or a
        # sweep outlives the database engine and hangs on its closed connection.
        await service.start()
        yield
    finally:
        await service.stop()


async def run_scheduler(settings: Settings) -> None:
    """``gopy scheduler``: sweeps and delivery without taking updates."""
    await upgrade(settings.database_url, key=settings.server_key())
    runtime = Runtime.create(settings)
    dp = build_dispatcher(runtime)
    bots = build_bots(runtime, _shelf(runtime))
    service = build_scheduler(runtime, dp, {channel_of(bot): bot for bot in bots})
    try:
        await service.start()
        console.print(_("{name} is running (Ctrl+C to stop).", name="[bold]gopy scheduler[/bold]"))
        await _forever()
    finally:
        await service.stop()
        for bot in bots:
            await close_bot(bot)
        await dp.storage.close()
        await runtime.close()


def build_bots(runtime: Runtime, shelf: Shelf) -> list[Bot]:
    """The messengers with a token: Zalo first, Telegram last. aiogram hands the startup hooks
    the last bot, and the command menu is worth publishing on Telegram only."""
    from bot.channels.zalo import build_zalo_bot

    settings = runtime.settings
    bots: list[Bot] = []
    if settings.zalo.token is not None:
        bots.append(
            build_zalo_bot(
                settings,
                sessions=runtime.sessions,
                clock=runtime.clock,
                commands=command_buttons(),
                shelf=shelf,
                i18n=build_i18n(settings.locale),
                write_lock=runtime.write_lock,
                throttle=_throttle(runtime, "zalo"),
            )
        )
    if settings.telegram.token is not None:
        bots.append(build_telegram_bot(settings, _throttle(runtime, "telegram")))
    return bots


def _throttle(runtime: Runtime, channel: str) -> Throttle:
    """The bot's limiter, which every reply and the outbox share."""
    return build_throttle(
        runtime.settings,
        channel,
        sessions=runtime.sessions,
        clock=runtime.clock,
        write_lock=runtime.write_lock,
    )


async def close_bot(bot: Bot) -> None:
    await bot.session.close()
    await close_throttle(bot)


def _shelf(runtime: Runtime) -> Shelf:
    """Files for Zalo (which cannot send any) as links to this web app, at its public address
    (GOPY_PUBLIC_URL, else GOPY_WEBHOOK_URL). Without one the links point at the local one:
    good for a trial only."""
    settings = runtime.settings
    return Shelf(runtime.clock, base_url=settings.public_base or settings.local_base)


def telegram_username(settings: Settings, bots: list[Bot]) -> TelegramUsername:
    """The Telegram bot's username for deep links: GOPY_TELEGRAM_BOT_USERNAME, else the
    running bot's getMe (asked once, then kept by aiogram), else None (no Telegram bot)."""
    configured = (settings.telegram.bot_username or "").lstrip("@") or None
    telegram = next((bot for bot in bots if channel_of(bot) == "telegram"), None)

    async def username() -> str | None:
        if configured or telegram is None:
            return configured
        try:
            # aiogram keeps the answer once it has one: only the first pages ever wait.
            async with asyncio.timeout(ASK_TELEGRAM_SECONDS):
                return (await telegram.me()).username
        except (TelegramAPIError, TimeoutError):  # unreachable for now: a page without it
            log.warning("web: getMe failed; the landing pages show no Telegram button for now")
            return None

    return username


def page_routes(runtime: Runtime, dp: Dispatcher, bots: list[Bot]) -> list[web.RouteDef]:
    """The web pages people open from a poster (landing page, web comment, receipt, the full
    draft) and the officials' desk."""
    from bot.web.desk import Desk, desk_routes
    from bot.web.drafts import draft_routes
    from bot.web.landing import landing_routes
    from bot.web.pages import Pages
    from bot.web.site import Site

    settings = runtime.settings
    i18n = build_i18n(settings.locale)
    mount = mount_point(settings.public_base)
    username = telegram_username(settings, bots)
    site = Site(
        sessions=runtime.sessions,
        clock=runtime.clock,
        settings=settings,
        key=runtime.key,
        pages=Pages(i18n),
        telegram_username=username,
        write_lock=runtime.write_lock,
    )
    # The desk queues and renders as the chat does: the dispatcher's own services.
    desk = Desk(site, outreach=dp["outreach"], files=dp["files"])
    return [
        *draft_routes(runtime.sessions, i18n, mount=mount),
        *landing_routes(
            sessions=runtime.sessions,
            clock=runtime.clock,
            settings=settings,
            key=runtime.key,
            i18n=i18n,
            telegram_username=username,
            write_lock=runtime.write_lock,
        ),
        *desk_routes(desk),
    ]


def _zalo_secret(settings: Settings) -> str:
    from bot.web.zalo import MAX_SECRET, MIN_SECRET

    secret = settings.webhook.secret
    plain = secret.get_secret_value() if secret is not None else ""
    if not MIN_SECRET <= len(plain) <= MAX_SECRET:
        raise SystemExit(_("GOPY_WEBHOOK_SECRET must be 8 to 256 characters for Zalo."))
    return plain


async def _serve(app: web.Application, settings: Settings) -> web.AppRunner:
    # No access log: a webhook path is derived from its secret, and the simulator long-polls.
    # Stopping waits this long for requests in flight: a webhook is answered in well under a
    # second, while an open simulator page long-polls for 25 s and would hold Ctrl-C that long.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    return runner


async def _forever() -> None:
    await asyncio.Event().wait()


async def _run_simulator(runtime: Runtime, dp: Dispatcher) -> None:
    from bot.channels.local import Hub, LocalSession
    from bot.demo import load_demo
    from bot.web.simulator import Simulator, chats_folder, routes

    async with runtime.sessions() as session:
        units = (await session.execute(select(func.count()).select_from(Unit))).scalar_one()
        if not units:
            await load_demo(
                session=session, key=runtime.key, now=runtime.clock.now(), ttl=timedelta(days=14)
            )
            await session.commit()
            console.print(f"[green]{_('Demo data loaded (gopy demo).')}[/green]")
    hub = Hub(runtime.clock, store=chats_folder(runtime.settings.database_url))
    bot = Bot("0:local", session=LocalSession(hub), default=bot_properties())
    pages = page_routes(runtime, dp, [])
    runner = await _serve(
        build_web_app([*routes(Simulator(dp, bot, hub, runtime.sessions)), *pages]),
        runtime.settings,
    )
    url = f"http://{runtime.settings.web_host}:{runtime.settings.web_port}/"
    console.print(
        _(
            "{name} open {url} in a browser (Ctrl+C to stop).",
            name="[bold]gopy simulator:[/bold]",
            url=f"[link={url}]{url}[/link]",
        )
    )
    try:
        await dp.emit_startup(bot=bot)
        async with scheduling(runtime, dp, {channel_of(bot): bot}):
            await _forever()
    finally:
        await dp.emit_shutdown(bot=bot)
        await runner.cleanup()


async def _run_polling(runtime: Runtime, dp: Dispatcher) -> None:
    shelf = _shelf(runtime)
    bots = build_bots(runtime, shelf)
    runner = await _serve(
        build_web_app([shelf.route(), *page_routes(runtime, dp, bots)]), runtime.settings
    )
    try:
        for bot in bots:
            if channel_of(bot) == "zalo":
                # Polling and a webhook exclude each other on Zalo; someone's webhook is not
                # removed behind their back.
                hook = await bot.get_webhook_info()
                if hook.url:
                    raise SystemExit(
                        _(
                            "A Zalo webhook is set, so polling gets nothing: set "
                            "GOPY_WEBHOOK_URL, or remove the webhook in Zalo Bot Creator "
                            "(deleteWebhook)."
                        )
                    )
            else:
                await bot.delete_webhook(drop_pending_updates=False)
            me = await bot.get_me()
            console.print(
                _(
                    "{name} is running on {channel}: {username} (long polling)",
                    name="[bold]gopy[/bold]",
                    channel=channel_of(bot),
                    username=me.username,
                )
            )
        async with scheduling(runtime, dp, {channel_of(bot): bot for bot in bots}):
            await dp.start_polling(
                *bots, handle_signals=False, allowed_updates=dp.resolve_used_update_types()
            )
    finally:
        await runner.cleanup()
        for bot in bots:
            await close_bot(bot)


async def _run_webhook(runtime: Runtime, dp: Dispatcher) -> None:
    from bot.web import telegram, zalo

    settings = runtime.settings
    secret = settings.webhook.secret
    if secret is None:
        raise SystemExit(_("GOPY_WEBHOOK_SECRET is required with GOPY_WEBHOOK_URL."))
    plain = secret.get_secret_value()
    shelf = _shelf(runtime)
    bots = build_bots(runtime, shelf)
    base = (settings.webhook.url or "").rstrip("/")
    routes, hooks = [shelf.route(), *page_routes(runtime, dp, bots)], []
    for bot in bots:
        if channel_of(bot) == "zalo":
            zalo_secret = _zalo_secret(settings)
            routes.append(zalo.webhook_route(dp, bot, zalo_secret))
            hooks.append((bot, base + zalo.webhook_path(zalo_secret)))
        else:
            routes.append(telegram.webhook_route(dp, bot, plain))
            hooks.append((bot, base + telegram.webhook_path(plain)))
    runner = await _serve(build_web_app(routes), settings)
    try:
        for bot, url in hooks:
            await bot.set_webhook(
                url, secret_token=plain, allowed_updates=dp.resolve_used_update_types()
            )
            console.print(
                _(
                    "{name} webhook on {channel} at {url}",
                    name="[bold]gopy[/bold]",
                    channel=channel_of(bot),
                    url=settings.webhook.url,
                )
            )
        await dp.emit_startup(bot=bots[-1], bots=bots)
        async with scheduling(runtime, dp, {channel_of(bot): bot for bot in bots}):
            await _forever()
    finally:
        await dp.emit_shutdown(bot=bots[-1], bots=bots)
        await runner.cleanup()
        for bot in bots:
            await close_bot(bot)
