"""The local simulator channel: an aiogram session that keeps chats in memory for a web page.

Bot API calls the handlers make (sendMessage, editMessageText, answerCallbackQuery, …) are
recorded per chat instead of being sent anywhere, so the real Dispatcher and handlers run with
no token and no network. Files the bot sends (a QR code, a poster, an export) are kept in
memory and linked from the chat, so the page can open them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, User

from bot.channels.params import plain_params
from scheduler.clock import Clock

if TYPE_CHECKING:
    from aiogram import Bot

BOT_ID = 1
BOT_USERNAME = "gopy_local_bot"
# Files kept for the page, newest last: a long demo session must not grow without bound.
MAX_FILES = 50

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SentFile:
    name: str
    data: bytes


@dataclass(slots=True)
class ChatMessage:
    id: int
    sender: str  # "bot" or "user"
    text: str
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    version: int = 1
    seq: int = 0

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.sender,
            "text": self.text,
            "buttons": self.buttons,
            "version": self.version,
        }


@dataclass(slots=True)
class ChatLog:
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    keyboard: list[list[str]] | None = None


class Hub:
    """Chats of the simulator: what the bot said, what each persona typed, and change signals.

    With ``store``, each chat is also a JSON-lines file in that folder (``<chat id>.jsonl``, one
    line per message or edit, the last line of an id wins), read back at start: the transcript
    survives a restart of the simulator, as a messenger's history does.
    """

    def __init__(self, clock: Clock, store: Path | None = None) -> None:
        self.clock = clock
        self.chats: dict[int, ChatLog] = {}
        self.store = store
        last_id, last_seq = self._load() if store is not None else (0, 0)
        self._message_ids = itertools.count(last_id + 1)
        self._seq = itertools.count(last_seq + 1)
        self._changed = asyncio.Condition()
        self.files: dict[int, SentFile] = {}
        self._file_ids = itertools.count(1)

    def _load(self) -> tuple[int, int]:
        """Read the stored chats back; the highest message id and sequence number seen."""
        assert self.store is not None
        last_id = last_seq = 0
        for path in sorted(self.store.glob("*.jsonl")):
            if not path.stem.isdigit():
                continue
            chat = self.chat(int(path.stem))
            for line in path.read_text("utf-8").splitlines():
                try:
                    row = json.loads(line)
                    message = ChatMessage(
                        int(row["id"]),
                        str(row["from"]),
                        str(row["text"]),
                        list(row.get("buttons") or []),
                        int(row.get("version", 1)),
                    )
                except (ValueError, KeyError, TypeError, AttributeError):
                    log.warning("skipped a damaged line of the simulator's chat %s", path.name)
                    continue
                last_seq += 1
                message.seq = last_seq
                chat.messages[message.id] = message
                last_id = max(last_id, message.id)
                chat.keyboard = row.get("keyboard")
        return last_id, last_seq

    def _keep(self, chat_id: int, message: ChatMessage) -> None:
        if self.store is None:
            return
        self.store.mkdir(parents=True, exist_ok=True)
        row = {**message.public(), "keyboard": self.chat(chat_id).keyboard}
        with (self.store / f"{chat_id}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    def keep_file(self, name: str, data: bytes) -> int:
        file_id = next(self._file_ids)
        self.files[file_id] = SentFile(name, data)
        while len(self.files) > MAX_FILES:
            self.files.pop(next(iter(self.files)))
        return file_id

    def chat(self, chat_id: int) -> ChatLog:
        return self.chats.setdefault(chat_id, ChatLog())

    def next_message_id(self) -> int:
        return next(self._message_ids)

    async def record(self, chat_id: int, message: ChatMessage) -> None:
        message.seq = next(self._seq)
        self.chat(chat_id).messages[message.id] = message
        self._keep(chat_id, message)
        async with self._changed:
            self._changed.notify_all()

    async def since(self, chat_id: int, after: int, wait: float) -> tuple[list[ChatMessage], int]:
        """Messages of a chat changed after sequence ``after``, waiting up to ``wait`` seconds."""

        def changed() -> list[ChatMessage]:
            return [m for m in self.chat(chat_id).messages.values() if m.seq > after]

        if not changed() and wait > 0:
            async with self._changed:
                # Nothing new within the wait is a normal answer: an empty list.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(changed), timeout=wait)
        found = sorted(changed(), key=lambda m: m.seq)
        return found, max([after, *(m.seq for m in found)])

    def bot_user(self) -> User:
        return User(id=BOT_ID, is_bot=True, first_name="gopy", username=BOT_USERNAME)


class LocalSession(BaseSession):
    channel = "local"

    def __init__(self, hub: Hub) -> None:
        super().__init__()
        self.hub = hub

    async def close(self) -> None:
        """Nothing to close: no connection is ever opened."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the signature of aiogram's BaseSession
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the simulator stores no files")
        yield b""  # type: ignore[unreachable]  # an async generator, as BaseSession declares

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature of aiogram's BaseSession
    ) -> TelegramType:
        params, files = plain_params(self, bot, method)
        if files:
            (upload,) = files.values()
            data = b"".join([chunk async for chunk in upload.read(bot)])
            sent = await self._send_file(params, upload.filename or "file", data, bot)
            return cast(TelegramType, sent)
        result = await self._handle(method.__api_method__, params)
        if isinstance(result, Message):
            return result.as_(bot)  # type: ignore[return-value]
        return result  # type: ignore[no-any-return]

    async def _handle(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return self.hub.bot_user()
        if name == "sendMessage":
            return await self._send(params)
        if name in ("editMessageText", "editMessageReplyMarkup"):
            return await self._edit(params)
        if name == "answerCallbackQuery":
            if params.get("text"):
                chat_id = int(params.get("callback_query_id", "0").split(":")[0] or 0)
                if chat_id:
                    await self._note(chat_id, f"<i>{params['text']}</i>")
            return True
        return True  # sendChatAction, deleteMessage, setMyCommands…: nothing to show

    async def _send(self, params: dict[str, Any]) -> Message:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup") or {}
        chat = self.hub.chat(chat_id)
        if "keyboard" in markup:
            chat.keyboard = [[key["text"] for key in row] for row in markup["keyboard"]]
        elif markup.get("remove_keyboard"):
            chat.keyboard = None
        message_id = self.hub.next_message_id()
        await self.hub.record(
            chat_id,
            ChatMessage(message_id, "bot", params["text"], _inline_buttons(markup)),
        )
        return self._message(chat_id, message_id, params["text"])

    async def _send_file(
        self, params: dict[str, Any], name: str, data: bytes, bot: Bot
    ) -> Message:
        chat_id = int(params["chat_id"])
        file_id = self.hub.keep_file(name, data)
        caption = params.get("caption") or ""
        link = f'📎 <a href="/api/files/{file_id}">{_escape(name)}</a>'
        text = f"{caption}\n{link}" if caption else link
        message_id = self.hub.next_message_id()
        await self.hub.record(chat_id, ChatMessage(message_id, "bot", text))
        return self._message(chat_id, message_id, text).as_(bot)

    async def _edit(self, params: dict[str, Any]) -> Message | bool:
        chat_id = int(params["chat_id"])
        message = self.hub.chat(chat_id).messages.get(int(params["message_id"]))
        if message is None:
            return True
        if "text" in params:
            message.text = params["text"]
        message.buttons = _inline_buttons(params.get("reply_markup") or {})
        message.version += 1
        await self.hub.record(chat_id, message)
        return self._message(chat_id, message.id, message.text)

    async def _note(self, chat_id: int, text: str) -> None:
        await self.hub.record(chat_id, ChatMessage(self.hub.next_message_id(), "bot", text))

    def _message(self, chat_id: int, message_id: int, text: str) -> Message:
        return Message(
            message_id=message_id,
            date=self.hub.clock.now(),
            chat=Chat(id=chat_id, type="private"),
            from_user=self.hub.bot_user(),
            text=text,
        )


def _inline_buttons(markup: dict[str, Any]) -> list[list[dict[str, str]]]:
    rows = markup.get("inline_keyboard") or []
    return [[{"text": b["text"], "data": b.get("callback_data", "")} for b in row] for row in rows]


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
