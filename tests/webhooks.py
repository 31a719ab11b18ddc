"""Both webhook routes on one loopback server, as ``gopy run`` serves them, and a raw HTTP/1.1
client over asyncio streams that sends a request in the pieces it is told to.

aiohttp's client writes a body in one go; a real network does not. ``send`` writes each piece
separately (and lets the loop turn between them, so the server reads each on its own), as a
``Content-Length`` body or as chunked transfer, and returns the status (None if the server
closed without answering).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from pydantic import SecretStr

from bot.app import Runtime, build_dispatcher
from bot.config import Settings, TelegramSettings, ZaloSettings
from bot.runner import build_bots
from bot.web import telegram, zalo
from bot.web.app import build_web_app
from bot.web.shelf import Shelf
from handlers.middlewares import channel_of
from scheduler.clock import FrozenClock
from tests.fakes.telegram import FakeTelegram, command_update, serve, serve_app
from tests.fakes.zalo import TOKEN as ZALO_TOKEN
from tests.fakes.zalo import FakeZalo, text_event
from tests.seed import seed_ward

SECRET = "fuzz-webhook-secret_0123"


@dataclass
class Webhooks:
    """gopy with both channels, one dispatcher and one database, behind one web server."""

    host: str
    port: int
    dp: Dispatcher
    bots: dict[str, Bot]
    telegram_api: FakeTelegram
    zalo_api: FakeZalo

    @property
    def paths(self) -> dict[str, str]:
        return {"telegram": telegram.webhook_path(SECRET), "zalo": zalo.webhook_path(SECRET)}

    @property
    def headers(self) -> dict[str, str]:
        return {"telegram": telegram.SECRET_HEADER, "zalo": zalo.SECRET_HEADER}

    def replies(self, channel: str, chat: str) -> int:
        """How many messages the bot sent to ``chat`` (a Telegram id, or a Zalo hex id)."""
        if channel == "telegram":
            return sum(1 for c in self.telegram_api.calls if str(c.chat_id) == chat)
        return sum(1 for c in self.zalo_api.calls if c.chat == chat)

    async def send(
        self,
        channel: str,
        pieces: Sequence[bytes],
        *,
        method: str = "POST",
        secret: str | bytes | None = SECRET,
        chunked: bool = False,
        length: int | None = None,
        path: str | None = None,
        extra: bytes = b"",
    ) -> int | None:
        """One request, its body written piece by piece; ``length`` overrides the
        ``Content-Length`` (a lie, for truncated bodies: the write side is then shut).
        ``secret`` and ``extra`` (more header lines) may be any bytes."""
        target = path or self.paths[channel]
        head = [f"{method} {target} HTTP/1.1".encode(), f"Host: {self.host}".encode()]
        head.append(b"Content-Type: application/json")
        if secret is not None:
            value = secret if isinstance(secret, bytes) else secret.encode()
            head.append(self.headers[channel].encode() + b": " + value)
        body_size = sum(len(p) for p in pieces)
        if chunked:
            head.append(b"Transfer-Encoding: chunked")
        else:
            head.append(b"Content-Length: %d" % (body_size if length is None else length))
        head.append(b"Connection: close")
        if extra:
            head.append(extra)
        writes = [b"\r\n".join(head) + b"\r\n\r\n"]
        for piece in pieces:
            writes.append(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            writes.append(b"0\r\n\r\n")
        return await exchange(self.host, self.port, writes, shut=length is not None)


async def exchange(host: str, port: int, writes: Sequence[bytes], *, shut: bool) -> int | None:
    """Write each piece on its own, then read the status line; None if closed unanswered."""
    async with asyncio.timeout(30):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            answer = asyncio.ensure_future(reader.readline())
            try:
                for data in writes:
                    if answer.done():  # answered early (413, 401…): stop sending
                        break
                    writer.write(data)
                    await writer.drain()
                    # The gap: let the server read this piece before the next is written.
                    await asyncio.sleep(0.001)
                if shut and not answer.done():
                    writer.write_eof()
            except ConnectionError:
                pass  # the server answered and hung up while the rest was being sent
            try:
                line = await answer
            except ConnectionError:
                return None
            parts = line.split()
            return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()


def split(body: bytes, parts: int) -> list[bytes]:
    """``body`` in ``parts`` roughly equal pieces (none empty)."""
    size = max(1, -(-len(body) // parts))
    return [body[i : i + size] for i in range(0, len(body), size)]


def telegram_help(update_id: int, chat_id: int, padding: int = 0) -> bytes:
    """A /help command, its text padded to make the update ``padding`` characters longer."""
    update = command_update(update_id, chat_id)
    update["message"]["text"] += " " + "ý kiến " * (padding // 7) if padding else ""
    return json.dumps(update).encode()


def zalo_help(user: str, padding: int = 0) -> bytes:
    text = "/help" + (" " + "ý kiến " * (padding // 7) if padding else "")
    return json.dumps(text_event(user, text, name="Ted")).encode()


@asynccontextmanager
async def webhooks(folder: Path, template: Path, clock: FrozenClock) -> AsyncIterator[Webhooks]:
    """The app on a fresh copy of the migrated SQLite template, with a seeded ward."""
    path = folder / "webhooks.db"
    shutil.copy(template, path)
    fake_telegram, fake_zalo = FakeTelegram(), FakeZalo()
    telegram_runner, telegram_url = await serve(fake_telegram)
    zalo_runner, zalo_url = await serve_app(fake_zalo.app())
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        telegram=TelegramSettings(token=SecretStr("42:TEST"), api_url=telegram_url),
        zalo=ZaloSettings(token=SecretStr(ZALO_TOKEN), api_url=zalo_url),
    )
    runtime = Runtime.create(settings, clock)
    async with runtime.db.sessions() as session:
        await seed_ward(session)
        await session.commit()
    dp = build_dispatcher(runtime)
    shelf = Shelf(clock)
    bots: dict[str, Bot] = {}
    for bot in build_bots(runtime, shelf):
        bots[channel_of(bot)] = bot
    routes = [
        shelf.route(),
        telegram.webhook_route(dp, bots["telegram"], SECRET),
        zalo.webhook_route(dp, bots["zalo"], SECRET),
    ]
    web_runner, url = await serve_app(build_web_app(routes))
    where = urlsplit(url)
    assert where.hostname is not None and where.port is not None
    try:
        yield Webhooks(where.hostname, where.port, dp, bots, fake_telegram, fake_zalo)
    finally:
        await web_runner.cleanup()
        await dp.storage.close()
        for bot in bots.values():
            await bot.session.close()
        await runtime.close()
        await zalo_runner.cleanup()
        await telegram_runner.cleanup()
