"""HTTP to the Zalo Bot API: one JSON POST per method, Zalo's ``{ok, result}`` envelope read,
errors raised as aiogram's exceptions (so the outbox treats both channels alike), and texts cut
at Zalo's 2,000 characters (docs/zalo-bot-platform.md §2–4, §12)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod

from bot.channels.menus import split_text

if TYPE_CHECKING:
    from aiogram import Bot

MAX_TEXT = 2000
# Zalo's 429 carries no hint (§4, §12.12); the outbox waits this long.
RETRY_AFTER = 30


@dataclass(frozen=True, slots=True)
class Reply:
    """Zalo's answer to one call: its result, or an error code and description."""

    ok: bool
    result: Any
    code: int
    description: str


class ZaloTransport:
    """The HTTP client of one Zalo bot. ``api`` builds the method URLs, which carry the token."""

    def __init__(
        self, api: TelegramAPIServer, *, wait: float, retry_after: int = RETRY_AFTER
    ) -> None:
        self.api = api
        self.wait = wait
        self.retry_after = retry_after
        self._http: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()

    async def stream(
        self,
        url: str,
        headers: dict[str, Any] | None,
        timeout: int,  # noqa: ASYNC109 - aiogram's BaseSession.stream_content passes it on
        chunk_size: int,
        raise_for_status: bool,
    ) -> AsyncGenerator[bytes, None]:
        """The bytes behind a plain URL: inbound photos are links on Zalo's CDN."""
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with self._client().get(
            url, headers=headers, timeout=client_timeout, raise_for_status=raise_for_status
        ) as response:
            async for chunk in response.content.iter_chunked(chunk_size):
                yield chunk

    async def request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        name: str,
        payload: dict[str, Any],
        wait: float | None = None,
    ) -> Reply:
        """Zalo's reply to ``name``, error or not; only the network failing raises."""
        # The token is in the URL: never log it or put it in an exception.
        url = self.api.api_url(bot.token, name)
        try:
            async with self._client().post(
                url, json=payload, timeout=aiohttp.ClientTimeout(total=wait or self.wait)
            ) as response:
                status = response.status
                raw = await response.read()
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TelegramNetworkError(method, f"{name}: {type(error).__name__}") from None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return Reply(False, None, status if status >= 400 else 500, f"HTTP {status}")
        if body.get("ok") is True:
            return Reply(True, body.get("result"), 0, "")
        raw_code = str(body.get("error_code"))
        # Seen as a string too (§4); a missing or zero code falls back to the HTTP status.
        code = int(raw_code) if raw_code.isdigit() and int(raw_code) else status
        return Reply(False, None, code, str(body.get("description") or f"HTTP {status}"))

    async def call(
        self, bot: Bot, method: TelegramMethod[Any], name: str, payload: dict[str, Any]
    ) -> Any:
        """The result of ``name``, or aiogram's exception for Zalo's error."""
        reply = await self.request(bot, method, name, payload)
        if reply.ok:
            return reply.result
        raise self.error(method, reply)

    async def send_text(self, bot: Bot, method: TelegramMethod[Any], chat: str, text: str) -> Any:
        """``text`` in as many messages as Zalo's limit needs (cut at line breaks); the result
        of the last one, or None if the text was blank."""
        result: Any = None
        for part in split_text(unicodedata.normalize("NFC", text), MAX_TEXT):
            if part.strip():
                result = await self.call(
                    bot, method, "sendMessage", {"chat_id": chat, "text": part}
                )
        return result

    def error(self, method: TelegramMethod[Any], reply: Reply) -> TelegramAPIError:
        text = f"{reply.code} {reply.description}"
        if reply.code == 429:
            return TelegramRetryAfter(method, text, self.retry_after)
        if reply.code == 401:
            return TelegramUnauthorizedError(method, text)
        if reply.code == 403:
            # The docs' table calls 403 "Internal server error", which reads as a slip; clients
            # treat it as refused. Taken as "blocked": the person is marked unreachable, which
            # clears itself the moment they write again.
            return TelegramForbiddenError(method, text)
        if reply.code == 404:
            return TelegramNotFound(method, text)
        if reply.code == 408:
            return TelegramNetworkError(method, text)
        if reply.code >= 500:
            return TelegramServerError(method, text)
        return TelegramBadRequest(method, text)
