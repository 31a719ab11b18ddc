"""A fake Telegram Bot API on loopback: records every call, answers like Telegram would."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 42, "is_bot": True, "first_name": "gopy", "username": "gopy_test_bot"}


def command_update(update_id: int, chat_id: int, command: str = "/help") -> dict[str, Any]:
    """A private-chat command as Telegram sends it (the JSON of an ``Update``)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1762740000,
            "text": command,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "An"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


# What Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    ]
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
MAX_TEXT = 4096
MAX_CAPTION = 1024


def html_error(html: str, limit: int = MAX_TEXT) -> str | None:
    """Why Telegram would refuse ``html`` in HTML parse mode, or None if it would take it.

    Stricter than Telegram in one way: a ``&`` must start an entity. gopy escapes every ``&``,
    so a bare one means an entity was cut (``&lt`` at the end of a truncated message).
    """
    open_tags: list[str] = []
    length = 0  # UTF-16 code units of the text after parsing, as Telegram counts
    i = 0
    while i < len(html):
        char = html[i]
        if char == "<":
            tag = _TAG.match(html, i)
            if tag is None:
                return f"can't parse entities: unclosed start tag at byte offset {i}"
            closing, name = tag[1] == "/", tag[2].lower()
            if name not in TAGS:
                return f'can\'t parse entities: unsupported start tag "{name}"'
            if closing:
                if not open_tags or open_tags.pop() != name:
                    return f'can\'t parse entities: unexpected end tag "{name}"'
            else:
                open_tags.append(name)
            i = tag.end()
            continue
        if char == ">":
            return f"can't parse entities: unexpected '>' at byte offset {i}"
        if char == "&":
            entity = _ENTITY.match(html, i)
            if entity is None:
                return f"can't parse entities: broken entity at byte offset {i}"
            length += 1
            i = entity.end()
            continue
        length += 2 if ord(char) > 0xFFFF else 1
        i += 1
    if open_tags:
        return f"can't parse entities: can't find end tag for \"{open_tags[-1]}\""
    if length > limit:
        return "message is too long"
    return None


def refusal(method: str, params: dict[str, Any]) -> str | None:
    """Why Telegram would answer 400 to a message's text or caption, or None."""
    if method in ("sendMessage", "editMessageText"):
        text, limit = str(params.get("text") or ""), MAX_TEXT
    elif method in ("sendPhoto", "sendDocument") and params.get("caption"):
        text, limit = str(params["caption"]), MAX_CAPTION
    else:
        return None
    if params.get("parse_mode") == "HTML":
        return html_error(text, limit)
    if len(text.encode("utf-16-le")) // 2 > limit:
        return "message is too long"
    return None


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def upload(self) -> Upload:
        """The file sent with sendPhoto or sendDocument."""
        for value in self.params.values():
            if isinstance(value, Upload):
                return value
        raise AssertionError(f"{self.method} carried no file")

    @property
    def buttons(self) -> list[dict[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class FakeTelegram:
    """Answers ``/bot<token>/<method>``; ``calls`` keeps them in order."""

    calls: list[Call] = field(default_factory=list)
    record: bool = True
    # Updates waiting for ``getUpdates`` (long polling), oldest first.
    pending: list[dict[str, Any]] = field(default_factory=list)
    # Methods to refuse as Telegram does with a 400, e.g. {"editMessageReplyMarkup"}.
    refuse: set[str] = field(default_factory=set)
    sent: asyncio.Event = field(default_factory=asyncio.Event)
    # Scripted failures of sendMessage per chat, used in turn: (HTTP status, description,
    # retry_after or None), e.g. {7: [(429, "Too Many Requests", 3)], 8: [(403, "Forbidden:
    # bot was blocked by the user", None)] * 99}.
    failures: dict[int, list[tuple[int, str, int | None]]] = field(default_factory=dict)
    # Messages refused as Telegram would (broken HTML, too long): kept apart from ``calls``, so a
    # test cannot mistake a message Telegram would never show for one it showed.
    rejected: list[tuple[Call, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._updates(params)})
        why = refusal(method, params)
        if why is not None:
            self.rejected.append((Call(method, params), why))
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {why}"},
                status=400,
            )
        if self.record:
            self.calls.append(Call(method, params))
        if method in self.refuse:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: query is too old"},
                status=400,
            )
        if method == "sendMessage":
            scripted = self.failures.get(int(params.get("chat_id", 0)))
            if scripted:
                status, description, retry_after = scripted.pop(0)
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": status,
                    "description": description,
                }
                if retry_after is not None:
                    body["parameters"] = {"retry_after": retry_after}
                return web.json_response(body, status=status)
            self.sent.set()
        return web.json_response({"ok": True, "result": self._result(method, params)})

    async def _updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Like Telegram: updates from ``offset`` on; an idle poll waits a little, then ``[]``."""
        offset = int(params.get("offset") or 0)
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending:
            await asyncio.sleep(0.05)  # a real long poll would wait up to ``timeout`` seconds
        return list(self.pending)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_path": f"photos/{file_id}.jpg",
            }
        if method in (
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "sendPhoto",
            "sendDocument",
        ):
            chat_id = int(params.get("chat_id", 0))
            message_id = int(params.get("message_id") or next(self._ids))
            return {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    async def download(self, request: web.Request) -> web.Response:
        """Files by the path getFile gave: their bytes name them, to be checked."""
        return web.Response(body=f"file:{request.match_info['path']}".encode())

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)
        return app


async def read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    out: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            # An upload (sendPhoto, sendDocument): keep the file to look at.
            out[key] = Upload(value.filename, value.file.read())
            continue
        text = value if isinstance(value, str) else ""
        if key in ("reply_markup", "allowed_updates", "entities", "commands"):
            out[key] = json.loads(text)
        else:
            out[key] = text
    return out


async def serve(fake: FakeTelegram) -> tuple[web.AppRunner, str]:
    """Start ``fake`` on a free loopback port; returns the runner and the base URL."""
    return await serve_app(fake.app())


def loopback_socket() -> tuple[socket.socket, str]:
    """A socket bound to a free loopback port, and the address it will answer at."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def serve_app(
    app: web.Application,
    *,
    shutdown_timeout: float = 60.0,
    sock: socket.socket | None = None,
) -> tuple[web.AppRunner, str]:
    """Serve an aiohttp app on a free loopback port (or ``sock``, when the app must know its
    address before it starts). ``cleanup()`` waits up to ``shutdown_timeout`` seconds for
    the requests still being answered."""
    if sock is None:
        sock, _address = loopback_socket()
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{sock.getsockname()[1]}"
