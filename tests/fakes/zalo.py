"""A fake Zalo Bot Platform API on loopback, with the envelopes of docs/zalo-bot-platform.md §2–4:
``{ok, result}`` replies, one event per ``getUpdates``, the 408 idle poll, 429 and 403 scripted
per chat, 400 for a text over 2,000 characters or a photo that is not a URL."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "1459232241454765289:zalo-secret"
BOT_INFO = {
    "id": "1459232241454765289",
    "account_name": "bot.gopy",
    "account_type": "BASIC",
    "can_join_groups": False,
}
_NUMBERED = re.compile(r"^(\d+)\. (.+)$")
_COMMAND = re.compile(r"^(.+): (/[a-z]+)$")
_LINK = re.compile(r"^(.+): (https?://\S+)$")
_hex = itertools.count(0x6EDE9AFA66B88FE6D600)


def hex_id() -> str:
    """A fresh 20-hex-character id, as Zalo's ids look."""
    return f"{next(_hex):020x}"


def text_event(
    user: str, text: str, *, name: str = "Ted", message_id: str | None = None, wrapped: bool = True
) -> dict[str, Any]:
    """A text message as the docs' webhook sample has it (wrapped in ``{ok, result}``)."""
    event = {
        "message": {
            "from": {"id": user, "display_name": name, "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id or hex_id(),
            "date": int(time.time() * 1000),
        },
        "event_name": "message.text.received",
    }
    return {"ok": True, "result": event} if wrapped else event


def link_event(user: str, url: str) -> dict[str, Any]:
    """A message Zalo saw a link in: ``message.link.received`` with the link's preview and no
    text (the shape OpenClaw reads; the docs do not show one)."""
    message = {
        "from": {"id": user, "display_name": "Ted", "is_bot": False},
        "chat": {"id": user, "chat_type": "PRIVATE"},
        "link": {"url": url, "title": "Góp ý dự thảo"},
        "message_id": hex_id(),
        "date": int(time.time() * 1000),
    }
    return {"ok": True, "result": {"message": message, "event_name": "message.link.received"}}


def image_event(user: str, url: str, caption: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "from": {"id": user, "display_name": "Ted", "is_bot": False},
        "chat": {"id": user, "chat_type": "PRIVATE"},
        "photo": url,
        "message_id": hex_id(),
        "date": int(time.time() * 1000),
    }
    if caption:
        message["caption"] = caption
    return {"ok": True, "result": {"message": message, "event_name": "message.image.received"}}


def sticker_event(user: str) -> dict[str, Any]:
    message = {
        "from": {"id": user, "display_name": "Ted", "is_bot": False},
        "chat": {"id": user, "chat_type": "PRIVATE"},
        "sticker": "0e078a2fb66a5f34067b",
        "url": "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=1",
        "message_id": hex_id(),
        "date": int(time.time() * 1000),
    }
    return {"ok": True, "result": {"message": message, "event_name": "message.sticker.received"}}


@dataclass
class ZaloCall:
    method: str
    params: dict[str, Any]

    @property
    def chat(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, str]]:
        """The numbered choices, the command lines and the links of a menu, as buttons."""
        found = []
        for line in self.text.splitlines():
            numbered = _NUMBERED.match(line)
            command = _COMMAND.match(line)
            link = _LINK.match(line)
            if numbered:
                found.append({"text": numbered[2], "choice": numbered[1]})
            elif command:
                found.append({"text": command[1], "choice": command[2]})
            elif link:
                found.append({"text": link[1], "url": link[2]})
        return found


@dataclass
class FakeZalo:
    token: str = TOKEN
    calls: list[ZaloCall] = field(default_factory=list)
    # Events waiting for ``getUpdates``, oldest first; one is served per call.
    pending: list[dict[str, Any]] = field(default_factory=list)
    idle_status: int = 200  # the idle 408 envelope arrives with HTTP 200 or 408 (§12.3)
    idle_wait: float = 0.05
    webhook: dict[str, Any] | None = None
    # Scripted failures of sendMessage per Zalo chat id, used in turn: (error_code, description).
    failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    polls: int = 0
    sent: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "Bad request")
        if method == "getUpdates":
            return await self._updates()
        self.calls.append(ZaloCall(method, params))
        return self._answer(method, params)

    async def _updates(self) -> web.Response:
        self.polls += 1
        if self.webhook is not None:
            return _error(400, "Webhook is set; getUpdates is not available")
        if not self.pending:
            await asyncio.sleep(self.idle_wait)  # a real poll holds for ``timeout`` seconds
            return web.json_response(
                {"ok": False, "description": "Request timeout", "error_code": 408},
                status=self.idle_status,
            )
        event = self.pending.pop(0)
        return web.json_response({"ok": True, "result": event.get("result", event)})

    def _answer(self, method: str, params: dict[str, Any]) -> web.Response:
        if method == "getMe":
            return _ok(BOT_INFO)
        if method in ("sendMessage", "sendPhoto", "sendSticker"):
            return self._send(method, params)
        if method == "sendChatAction":
            return web.json_response({"ok": True})  # no result at all, as documented
        if method == "setWebhook":
            self.webhook = {"url": params.get("url"), "secret": params.get("secret_token")}
            return _ok({"url": params.get("url"), "updated_at": _ms()})
        if method == "deleteWebhook":
            self.webhook = None
            return _ok({"url": "", "updated_at": _ms()})
        if method == "getWebhookInfo":
            if self.webhook is None:
                return _error(404, "Not Found")
            return _ok({"url": self.webhook["url"], "updated_at": _ms()})
        return _error(404, "Not found")

    def _send(self, method: str, params: dict[str, Any]) -> web.Response:
        chat = str(params.get("chat_id") or "")
        if not chat:
            return _error(400, "chat_id is required")
        if method == "sendMessage" and not 1 <= len(str(params.get("text") or "")) <= 2000:
            return _error(400, "The text must be 1 to 2000 characters")
        if method == "sendPhoto" and not str(params.get("photo", "")).startswith(
            ("http://", "https://")
        ):
            return _error(400, "The photo must start with http:// or https://")
        scripted = self.failures.get(chat)
        if scripted:
            code, description = scripted.pop(0)
            self.calls.pop()  # refused: not delivered
            return _error(code, description)
        self.sent.set()
        return _ok({"message_id": hex_id(), "date": _ms()})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/cdn/{name}", self.cdn)
        return app

    async def cdn(self, request: web.Request) -> web.Response:
        """Zalo's image CDN: an inbound photo's URL; its bytes name it, to be checked."""
        return web.Response(body=f"image:{request.match_info['name']}".encode())

    def to(self, chat: str) -> list[ZaloCall]:
        return [c for c in self.calls if c.chat == chat]


def _ms() -> int:
    return int(time.time() * 1000)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    # Zalo's HTTP status for errors is not documented; the envelope carries the code.
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )
