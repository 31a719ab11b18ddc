"""Running the bot: the local simulator, or Telegram and/or Zalo by long polling or webhook;
and ``gopy scheduler``.

Each run mode builds its bots and web app, assembles the process once (``bot.app.assemble``:
the shared services, the dispatcher, the scheduler hung on its startup and shutdown), then only
starts and stops the dispatcher. With both tokens one process serves both channels: one
Dispatcher, two Bots, one outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from rich.console import Console
from sqlalchemy import func, select

from bot.app import Gopy, Runtime, assemble, command_buttons
from bot.channels.telegram import bot_properties, build_telegram_bot
from bot.cli_i18n import _
from bot.config import Settings
from bot.i18n import build_i18n
from bot.links import mount_point
from bot.throttle.build import build_throttle, close_throttle
from bot.throttle.middleware import Throttle
from bot.web.app import build_web_app
from bot.web.health import ops_routes, serve_ops
from bot.web.shelf import Shelf
from handlers.middlewares import channel_of
from storage.migrate import upgrade
from storage.models import Unit
from storage.updates import KEEP_FOR, forget_older_than

if TYPE_CHECKING:
    from bot.channels.local import Hub
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
    async with runtime.db.unit_of_work() as session:
        # Telegram re-delivers for a day at most; older dedupe keys are dead weight.
        await forget_older_than(session=session, moment=runtime.clock.now() - KEEP_FOR)
    try:
        if settings.simulator:
            await _run_simulator(runtime)
        elif settings.webhook.url:
            await _run_webhook(runtime)
        else:
            await _run_polling(runtime)
    finally:
        await runtime.close()


@asynccontextmanager
async def assembled(
    runtime: Runtime, bots: list[Bot], *, scheduling: bool, sweeps: bool = True
) -> AsyncIterator[Gopy]:
    """The process assembled for a run mode; its FSM storage closed at the end."""
    gopy = assemble(runtime, bots, scheduling=scheduling, sweeps=sweeps)
    try:
        yield gopy
    finally:
        await gopy.close()


async def run_scheduler(settings: Settings) -> None:
    """``gopy scheduler``: sweeps and delivery without taking updates. The same assembly as
    ``gopy run``; with no updates to take, its dispatcher is never started (that would publish
    the chat menu, a bot's job), so the scheduler is started and stopped here."""
    await upgrade(settings.database_url, key=settings.server_key())
    runtime = Runtime.create(settings)
    bots = build_bots(runtime, _shelf(runtime))
    ops = await serve_ops(runtime, bots)  # /healthz, /readyz, /metrics if GOPY_SCHEDULER_WEB_PORT
    try:
        async with assembled(runtime, bots, scheduling=True) as gopy:
            service = gopy.scheduler
            assert service is not None
            try:
                await service.start()
                console.print(
                    _("{name} is running (Ctrl+C to stop).", name="[bold]gopy scheduler[/bold]")
                )
                await _forever()
            finally:
                await service.stop()
    finally:
        if ops is not None:
            await ops.cleanup()
        for bot in bots:
            await close_bot(bot)
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
                db=runtime.db,
                clock=runtime.clock,
                commands=command_buttons(),
                shelf=shelf,
                i18n=build_i18n(settings.locale),
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
        db=runtime.db,
        clock=runtime.clock,
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


def page_routes(gopy: Gopy, bots: list[Bot]) -> list[web.RouteDef]:
    """The web pages people open from a poster (landing page, web comment, receipt, the full
    draft) and the officials' desk."""
    from bot.web.desk import Desk, desk_routes
    from bot.web.drafts import draft_routes
    from bot.web.landing import landing_routes
    from bot.web.pages import Pages
    from bot.web.site import Site

    runtime, services = gopy.runtime, gopy.services
    settings = runtime.settings
    i18n = services.i18n
    mount = mount_point(settings.public_base)
    username = telegram_username(settings, bots)
    site = Site(
        db=runtime.db,
        clock=runtime.clock,
        settings=settings,
        key=runtime.key,
        pages=Pages(i18n),
        telegram_username=username,
    )
    # The desk queues and renders as the chat does: the same services.
    desk = Desk(site, outreach=services.outreach, files=services.files)
    return [
        *ops_routes(runtime, bots),
        *draft_routes(runtime.db.sessions, i18n, mount=mount),
        *landing_routes(
            db=runtime.db,
            clock=runtime.clock,
            settings=settings,
            key=runtime.key,
            i18n=i18n,
            telegram_username=username,
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
    # Several workers on one port (bot.workers): the kernel spreads connections over them.
    reuse_port = True if settings.web_reuse_port else None
    await web.TCPSite(runner, settings.web_host, settings.web_port, reuse_port=reuse_port).start()
    return runner


async def _forever() -> None:
    await asyncio.Event().wait()


async def _run_simulator(runtime: Runtime) -> None:
    from bot.channels.local import Hub, LocalSession
    from bot.demo import load_demo
    from bot.web.simulator import chats_folder

    async with runtime.db.unit_of_work() as session:
        units = (await session.execute(select(func.count()).select_from(Unit))).scalar_one()
        if not units:
            await load_demo(
                session=session, key=runtime.key, now=runtime.clock.now(), ttl=timedelta(days=14)
            )
            console.print(f"[green]{_('Demo data loaded (gopy demo).')}[/green]")
    hub = Hub(runtime.clock, store=chats_folder(runtime.settings.database_url))
    bot = Bot("0:local", session=LocalSession(hub), default=bot_properties())
    async with assembled(
        runtime, [bot], scheduling=True, sweeps=runtime.settings.scheduler.enabled
    ) as gopy:
        await _simulate(gopy, bot, hub)


async def _simulate(gopy: Gopy, bot: Bot, hub: Hub) -> None:
    from bot.web.simulator import Simulator, routes

    runtime, dp = gopy.runtime, gopy.dp
    runner = await _serve(
        build_web_app(
            [*routes(Simulator(dp, bot, hub, runtime.db.sessions)), *page_routes(gopy, [])]
        ),
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
        await _forever()
    finally:
        await dp.emit_shutdown(bot=bot)
        await runner.cleanup()


async def _run_polling(runtime: Runtime) -> None:
    shelf = _shelf(runtime)
    bots = build_bots(runtime, shelf)
    try:
        async with assembled(
            runtime, bots, scheduling=True, sweeps=runtime.settings.scheduler.enabled
        ) as gopy:
            await _poll(gopy, bots, shelf)
    finally:
        for bot in bots:
            await close_bot(bot)


async def _poll(gopy: Gopy, bots: list[Bot], shelf: Shelf) -> None:
    dp = gopy.dp
    runner = await _serve(
        build_web_app([shelf.route(), *page_routes(gopy, bots)]), gopy.runtime.settings
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
        # aiogram's polling emits the startup (the scheduler starts) and the shutdown.
        await dp.start_polling(
            *bots,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=dp.resolve_used_update_types(),
        )
    finally:
        await runner.cleanup()


async def _run_webhook(runtime: Runtime) -> None:
    settings = runtime.settings
    secret = settings.webhook.secret
    if secret is None:
        raise SystemExit(_("GOPY_WEBHOOK_SECRET is required with GOPY_WEBHOOK_URL."))
    shelf = _shelf(runtime)
    bots = build_bots(runtime, shelf)
    try:
        async with assembled(
            runtime, bots, scheduling=True, sweeps=settings.scheduler.enabled
        ) as gopy:
            await _serve_webhook(gopy, bots, shelf, secret.get_secret_value())
    finally:
        for bot in bots:
            await close_bot(bot)


async def _serve_webhook(gopy: Gopy, bots: list[Bot], shelf: Shelf, plain: str) -> None:
    from bot.web import telegram, zalo

    dp, settings = gopy.dp, gopy.runtime.settings
    base = (settings.webhook.url or "").rstrip("/")
    routes, hooks = [shelf.route(), *page_routes(gopy, bots)], []
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
        await _forever()
    finally:
        await dp.emit_shutdown(bot=bots[-1], bots=bots)
        await runner.cleanup()
