"""gopy's public pages served on loopback for a real browser: the landing page, the web form,
the receipt and the hosted draft, over the same city as tests/web_pages.py; and the poster's
QR code, scanned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.app import Runtime, assemble
from bot.commands_comments import make_qr
from bot.config import Settings, TelegramSettings
from bot.runner import page_routes
from bot.web.app import build_web_app
from scheduler.clock import FrozenClock
from tests.fakes.telegram import loopback_socket, serve_app
from tests.posters import codes
from tests.seed import Seed, seed_ward
from tests.web_pages import City, Codes, city_consultation, pages_settings, poster_codes

BOT = "gopy_test_bot"


@dataclass
class PosterSite:
    base: str  # http://127.0.0.1:<port>, which is also gopy's public address here
    runtime: Runtime
    settings: Settings
    seed: Seed
    city: City
    codes: Codes

    async def scan(self, campaign: str, *, document: str | None = None, unit: str) -> list[str]:
        """Print the poster as ``gopy qr --poster poster.pdf`` does and read its QR codes
        back from the page as a phone's camera would: the biggest first."""
        async with self.runtime.db.sessions() as session:
            made = await make_qr(
                session=session,
                settings=self.settings,
                telegram=BOT,
                campaign_code=campaign,
                document_code=document,
                section_number=None,
                report=False,
                poster="pdf",
                unit_code=unit,
            )
            await session.commit()
        assert made.poster.page is not None
        return codes(made.poster.page)


@asynccontextmanager
async def serve_poster_site(database_url: str, clock: FrozenClock) -> AsyncIterator[PosterSite]:
    """The pages as ``gopy run`` serves them, at an address known before they start."""
    sock, base = loopback_socket()
    settings = pages_settings(
        database_url, public_url=base, telegram=TelegramSettings(bot_username=BOT)
    )
    runtime = Runtime.create(settings, clock)
    try:
        async with runtime.db.sessions() as session:
            seed = await seed_ward(session)
            await session.commit()
        city = await city_consultation(runtime, seed, clock)
        codes = await poster_codes(runtime, seed, city, clock)
        routes = page_routes(assemble(runtime, [], scheduling=False), [])
        runner, _url = await serve_app(build_web_app(routes), sock=sock, shutdown_timeout=1)
        try:
            yield PosterSite(base, runtime, settings, seed, city, codes)
        finally:
            await runner.cleanup()
    finally:
        await runtime.close()
