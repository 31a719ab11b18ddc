"""The Zalo channel: an aiogram session that speaks the Zalo Bot Platform API.

The stock aiogram ``Bot``, Dispatcher and handlers serve Zalo unchanged (the pattern of
aiogram-max); this session maps each Bot API call to Zalo's (docs/zalo-bot-platform.md §13):

- ``sendMessage``: HTML made plain (Zalo has no formatting), the inline keyboard appended as a
  numbered menu, cut at 2,000 characters on line breaks. Reply keyboards (the main menu) are
  dropped: each of their buttons is also a command (/report, /comment…) that /help lists.
- ``edit*``: Zalo cannot edit. A changed keyboard of the chat's live menu (a ticked choice) is
  sent again as the new live menu, or the typed number would seem to do nothing; a removed
  keyboard just ends the menu, silently; a new text is sent as a new message.
- ``answerCallbackQuery``: a message only for an alert (``show_alert``); toasts are dropped.
- ``sendPhoto``/``sendDocument`` with a file: the file goes on the Shelf (signed, expiring
  links); an image is sent with ``sendPhoto`` when the link is public HTTPS, else as a link.
- ``setMyCommands``, ``deleteMessage``, ``deleteWebhook``: nothing (no such thing on Zalo; a
  webhook is never removed behind someone's back: ``gopy run`` refuses to poll instead).
- Errors become aiogram's exceptions, so the outbox treats both channels alike.

**Menus and typed numbers.** Zalo has no buttons, so the person answers a menu by typing its
number, and the number becomes the button's callback. Only the latest menu of a chat counts,
and only a bot message *with* an inline keyboard replaces it; a plain message (a hint, a
toast) leaves the question's menu live. A number is never ambiguous with a typed answer: the
report form's navigation buttons (Back, Skip, Cancel) sit under questions that expect text or a
count, so they are shown as their commands ("« Quay lại: /back"), never as numbers. A count
question then has no numbered menu, and "12" or "3" is the answer. A question whose answer *is*
a choice (the propaganda forms, the review) numbers its buttons. Menus are kept in the database
(one row per chat), so a restart or a reminder from ``gopy scheduler`` keeps them answerable.
The one place a bare number may be meant as text is a citizen adding to a comment under its
send menu; a comment of just "2" is taken as the choice, which the summary then shows.

**Ids.** Zalo's hex user and chat ids (80 bits, too big for aiogram's ints) become integers
through storage.channel_ids; ``Person.external_id`` holds that integer as for Telegram, so the
handlers and the outbox are unchanged. An update id is a stable hash of Zalo's message id, so
the database dedupe of handlers.middlewares holds across restarts and processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import secrets
import unicodedata
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from aiogram.client.session.base import BaseSession
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
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    DeleteWebhook,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    GetUpdates,
    GetWebhookInfo,
    SendChatAction,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendSticker,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, File, InputFile, Message, Update, User, WebhookInfo
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import updates
from bot.channels.menus import Menu, numbered_menu, split_text
from bot.channels.params import plain_params
from bot.channels.telegram import bot_properties
from bot.channels.zalo_events import Incoming, parse_event, stable_int, to_message
from bot.config import ZALO_BOT_API, Settings
from bot.web.shelf import Shelf
from handlers.callbacks import FormNav, Nav
from scheduler.clock import Clock
from storage.channel_ids import external_id, local_id
from storage.channel_menus import drop_menu, get_menu, put_menu
from storage.database import SessionFactory
from storage.fsm import current_scope
from storage.keys import ServerKey

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

CHANNEL = "zalo"
DEFAULT_API = ZALO_BOT_API
MAX_TEXT = 2000
# Zalo's 429 carries no hint (§4, §12.12); the outbox waits this long.
RETRY_AFTER = 30
# Consumed events may be served again at once (§12.4): never poll faster than this.
POLL_FLOOR = 1.0
MENU_TTL = timedelta(hours=24)
# A typed choice as bot.channels.menus reads it; anything else skips the menu lookup.
_LOOKS_LIKE_CHOICE = re.compile(r"^\s*#?\s*\d{1,3}\s*[.)]?\s*$")
MAX_SEEN = 10_000
# Buttons that are commands the form also understands; shown as such, never as a number.
COMMAND_BUTTONS = {
    FormNav(action=Nav.BACK).pack(): "/back",
    FormNav(action=Nav.SKIP).pack(): "/skip",
    FormNav(action=Nav.CANCEL).pack(): "/cancel",
}


def N_(message: str) -> str:
    """Mark a message for extraction (``make messages``); translated in ``ZaloSession._prompt``."""
    return message


MENU_PROMPT = N_("Reply with the number of your choice:")


@dataclass(frozen=True, slots=True)
class _Reply:
    ok: bool
    result: Any
    code: int
    description: str


class MenuBoard:
    """The live menu of each chat: the latest bot message's numbered buttons, in the database
    (storage.channel_menus), so that it survives a restart and a reminder sent by another
    process can be answered. Inside a handler the write joins the update's transaction
    (committed with it, and never waiting on SQLite's lock that transaction may hold)."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        write_lock: asyncio.Lock | None = None,
        ttl: timedelta = MENU_TTL,
        key: ServerKey | None = None,
    ) -> None:
        # Menus are stored under a keyed hash of the chat (storage.channel_menus); without the
        # server's key (a test's bare session) a key of this process only.
        self.key = key or ServerKey(secrets.token_bytes(32))
        self.sessions = sessions
        self.clock = clock
        self.write_lock = write_lock
        self.ttl = ttl

    async def shown(
        self, chat_id: int, message: Message, menu: Menu | None, keyboard: bool
    ) -> None:
        """A bot message went out; one with an inline keyboard replaces the chat's menu."""
        if not keyboard:
            return
        if menu is None or not menu.options:
            await self._write(
                lambda s: drop_menu(session=s, key=self.key, channel=CHANNEL, chat_id=chat_id)
            )
            return
        dump = message.model_dump(mode="json", exclude_none=True)
        await self._write(
            lambda s: put_menu(
                session=s,
                key=self.key,
                channel=CHANNEL,
                chat_id=chat_id,
                message=dump,
                text=menu.text,
                options=list(menu.options),
                now=self.clock.now(),
            )
        )

    async def edited(self, chat_id: int, message_id: int, menu: Menu | None) -> None:
        """The keyboard of the live menu's message was removed: the menu ends."""
        if menu is None or not menu.options:
            live = await self._read(chat_id)
            if live is not None and live[0].message_id == message_id:
                await self._write(
                    lambda s: drop_menu(session=s, key=self.key, channel=CHANNEL, chat_id=chat_id)
                )

    async def live(self, chat_id: int, message_id: int) -> Menu | None:
        """The live menu of a chat, if it belongs to that message."""
        found = await self._read(chat_id)
        if found is None or found[0].message_id != message_id:
            return None
        return found[1]

    async def choose(self, chat_id: int, text: str) -> tuple[str, Message] | None:
        """The callback data and menu message a typed number stands for, if any."""
        if not _LOOKS_LIKE_CHOICE.match(unicodedata.normalize("NFKC", text)):
            return None  # most messages: no database read
        found = await self._read(chat_id)
        if found is None:
            return None
        message, menu = found
        data = menu.choose(text)
        return (data, message) if data is not None else None

    async def _read(self, chat_id: int) -> tuple[Message, Menu] | None:
        scope = current_scope.get()
        if scope is not None:
            row = await get_menu(
                session=scope.session, key=self.key, channel=CHANNEL, chat_id=chat_id
            )
        else:
            async with self.sessions() as session:
                row = await get_menu(
                    session=session, key=self.key, channel=CHANNEL, chat_id=chat_id
                )
        if row is None or self.clock.now() - row.shown_at > self.ttl:
            return None
        return Message.model_validate(row.message), Menu(row.text, tuple(row.options))

    async def _write(self, change: Callable[[AsyncSession], Awaitable[None]]) -> None:
        scope = current_scope.get()
        if scope is not None:
            await change(scope.session)
            return
        async with contextlib.AsyncExitStack() as stack:
            if self.write_lock is not None:
                await stack.enter_async_context(self.write_lock)
            session = await stack.enter_async_context(self.sessions())
            await change(session)
            await session.commit()


class ZaloSession(BaseSession):
    channel = CHANNEL

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        api_url: str = DEFAULT_API,
        shelf: Shelf | None = None,
        i18n: I18n | None = None,
        retry_after: int = RETRY_AFTER,
        poll_floor: float = POLL_FLOOR,
        write_lock: asyncio.Lock | None = None,
        key: ServerKey | None = None,
    ) -> None:
        # ``file="{path}"``: an inbound photo's file path is already its URL (as in aiogram-max).
        super().__init__(
            api=TelegramAPIServer(
                base=f"{api_url.rstrip('/')}/bot{{token}}/{{method}}", file="{path}"
            )
        )
        self.sessions = sessions
        self.clock = clock
        self.shelf = shelf
        self.i18n = i18n
        self.retry_after = retry_after
        self.poll_floor = poll_floor
        self.write_lock = write_lock
        self.menus = MenuBoard(sessions, clock, write_lock, key=key)
        self._http: aiohttp.ClientSession | None = None
        self._to_local: dict[str, int] = {}
        self._to_zalo: dict[int, str] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        # Photo URLs longer than a file_id column holds, by the short id given instead.
        self._long_urls: OrderedDict[str, str] = OrderedDict()
        self._quiet_until = 0.0
        self._callbacks = 0

    # -- transport --------------------------------------------------------------------------

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the signature of aiogram's BaseSession
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """Inbound photos are plain URLs on Zalo's CDN."""
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with self._client().get(
            url, headers=headers, timeout=client_timeout, raise_for_status=raise_for_status
        ) as response:
            async for chunk in response.content.iter_chunked(chunk_size):
                yield chunk

    async def _request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        name: str,
        payload: dict[str, Any],
        wait: float,
    ) -> _Reply:
        # The token is in the URL: never log it or put it in an exception.
        url = self.api.api_url(bot.token, name)
        try:
            async with self._client().post(
                url, json=payload, timeout=aiohttp.ClientTimeout(total=wait)
            ) as response:
                status = response.status
                raw = await response.read()
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TelegramNetworkError(method, f"{name}: {type(error).__name__}") from None
        try:
            body = self.json_loads(raw) if raw else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _Reply(False, None, status if status >= 400 else 500, f"HTTP {status}")
        if body.get("ok") is True:
            return _Reply(True, body.get("result"), 0, "")
        raw_code = str(body.get("error_code"))
        # Seen as a string too (§4); a missing or zero code falls back to the HTTP status.
        code = int(raw_code) if raw_code.isdigit() and int(raw_code) else status
        return _Reply(False, None, code, str(body.get("description") or f"HTTP {status}"))

    async def _call(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        name: str,
        payload: dict[str, Any],
        wait: float | None = None,
    ) -> Any:
        reply = await self._request(bot, method, name, payload, wait or self.timeout)
        if reply.ok:
            return reply.result
        raise self._error(method, reply)

    def _error(self, method: TelegramMethod[Any], reply: _Reply) -> TelegramAPIError:
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

    # -- ids --------------------------------------------------------------------------------

    async def local(self, zalo_id: str) -> int:
        """The integer of a Zalo user or chat id (persistent, see storage.channel_ids)."""
        cached = self._to_local.get(zalo_id)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            if self.write_lock is not None:
                # Connection first, then the lock, as the Commit middleware takes them: the
                # other order deadlocks once updates holding every pooled connection queue for
                # the lock this one holds while it waits for a connection.
                await session.connection()
                async with self.write_lock:
                    number = await self._allocate(session, zalo_id)
            else:
                number = await self._allocate(session, zalo_id)
        self._to_local[zalo_id] = number
        self._to_zalo[number] = zalo_id
        return number

    async def _allocate(self, session: Any, zalo_id: str) -> int:
        number = await local_id(
            session=session, channel=CHANNEL, external_id=zalo_id, now=self.clock.now()
        )
        await session.commit()
        return number

    async def zalo_id(self, method: TelegramMethod[Any], chat_id: Any) -> str:
        """Zalo's id of a chat the bot was given as an integer."""
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            return chat_id  # already Zalo's
        number = int(chat_id)
        cached = self._to_zalo.get(number)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            found = await external_id(session=session, channel=CHANNEL, local=number)
        if found is None:
            raise TelegramBadRequest(method, "400 chat not found")
        self._to_zalo[number] = found
        self._to_local[found] = number
        return found

    # -- inbound ----------------------------------------------------------------------------

    async def to_update(self, body: Any) -> Update | None:
        """The aiogram update of a Zalo event (webhook body or getUpdates reply), or None for
        nothing to handle: an empty poll, garbage, a replay, an event with no sender."""
        event = parse_event(body)
        if event is None or event.sender_id is None or event.chat_id is None:
            return None
        if event.sender_is_bot or event.key in self._seen:
            return None
        sender_id = await self.local(event.sender_id)
        chat_id = sender_id
        if event.chat_id != event.sender_id:
            chat_id = await self.local(event.chat_id)
        # A quick memo of replays (Zalo may serve an event again at once); the lasting dedupe
        # is the database's, by update id, in handlers.middlewares. Noted once the ids are
        # known: a failed lookup leaves the event to a re-delivery.
        self._seen[event.key] = None
        while len(self._seen) > MAX_SEEN:
            self._seen.popitem(last=False)
        sender = updates.user(sender_id, event.sender_name or "Zalo")
        update_id = stable_int(f"{CHANNEL}:{event.key}")
        if event.kind == "message.text.received" and event.text is not None:
            choice = await self.menus.choose(chat_id, event.text)
            if choice is not None:
                data, menu_message = choice
                return updates.callback_update(
                    update_id=update_id,
                    sender=sender,
                    data=data,
                    message=menu_message,
                    callback_id=f"zalo:{chat_id}:{update_id}",
                )
        date = event.date or self.clock.now()
        message = to_message(
            event, chat_id=chat_id, sender=sender, date=date, photo_id=self._photo_id(event)
        )
        return Update(update_id=update_id, message=message)

    def _photo_id(self, event: Incoming) -> str | None:
        url = event.photo_url
        if url is None or len(url) <= 255:
            return url
        short = f"zalo-photo:{event.key}"
        self._long_urls[short] = url
        while len(self._long_urls) > MAX_SEEN:
            self._long_urls.popitem(last=False)
        return short

    # -- outbound ---------------------------------------------------------------------------

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature of aiogram's BaseSession
    ) -> TelegramType:
        params, files = plain_params(self, bot, method)
        result = await self._handle(bot, method, params, files)
        if isinstance(result, Message):
            return cast(TelegramType, result.as_(bot))
        return cast(TelegramType, result)

    async def _handle(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        params: dict[str, Any],
        files: dict[str, InputFile],
    ) -> Any:
        if isinstance(method, SendMessage | EditMessageText):
            return await self._send_text(bot, method, params)
        if isinstance(method, SendPhoto | SendDocument):
            return await self._send_file(bot, method, params, files)
        if isinstance(method, EditMessageReplyMarkup):
            return await self._edit_markup(bot, method, params)
        if isinstance(method, AnswerCallbackQuery):
            return await self._answer_callback(bot, method, params)
        if isinstance(method, GetUpdates):
            return await self._get_updates(bot, method)
        if isinstance(method, GetMe):
            return await self._get_me(bot, method)
        if isinstance(method, GetFile):
            return self._get_file(params)
        if isinstance(method, SendSticker):
            chat = await self.zalo_id(method, params["chat_id"])
            payload = {"chat_id": chat, "sticker": str(params.get("sticker", ""))}
            result = await self._call(bot, method, "sendSticker", payload)
            return self._message(bot, int(params["chat_id"]), result, "")
        if isinstance(method, SendChatAction):
            chat = await self.zalo_id(method, params["chat_id"])
            # Zalo knows "typing" only ("upload_photo" is announced as coming soon).
            await self._call(bot, method, "sendChatAction", {"chat_id": chat, "action": "typing"})
            return True
        if isinstance(method, SetWebhook):
            return await self._set_webhook(bot, method, params)
        if isinstance(method, GetWebhookInfo):
            return await self._webhook_info(bot, method)
        if isinstance(method, DeleteWebhook | DeleteMessage | SetMyCommands | DeleteMyCommands):
            return True
        raise TelegramBadRequest(method, f"{type(method).__name__} is not available on Zalo")

    async def _send_text(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> Message:
        chat_local = int(params["chat_id"])
        chat = await self.zalo_id(method, chat_local)
        text = str(params.get("text") or "")
        if params.get("parse_mode") == "HTML":
            text = html_to_plain(text)
        markup = params.get("reply_markup") or {}
        keyboard = "inline_keyboard" in markup
        menu = self._menu(markup) if keyboard else None
        body = "\n\n".join(part for part in (text, menu.text if menu else "") if part)
        result: Any = None
        for part in split_text(unicodedata.normalize("NFC", body), MAX_TEXT):
            if part.strip():
                result = await self._call(
                    bot, method, "sendMessage", {"chat_id": chat, "text": part}
                )
        message = self._message(bot, chat_local, result, text)
        await self.menus.shown(chat_local, message, menu, keyboard)
        return message

    def _menu(self, markup: dict[str, Any]) -> Menu | None:
        commands: list[str] = []
        rows: list[list[dict[str, Any]]] = []
        for row in markup.get("inline_keyboard") or []:
            kept = []
            for button in row:
                command = COMMAND_BUTTONS.get(str(button.get("callback_data")))
                if command is not None:
                    commands.append(f"{str(button.get('text', '')).strip()}: {command}")
                else:
                    kept.append(button)
            rows.append(kept)
        menu = numbered_menu({"inline_keyboard": rows}, self._prompt)
        if not commands:
            return menu
        text = "\n".join([*([menu.text] if menu else []), *commands])
        return Menu(text, menu.options if menu else ())

    def _prompt(self, numbers: Sequence[str]) -> str:
        # In a handler, the person's language (aiogram's i18n context); in the outbox, the
        # bot's default language.
        current = I18n.get_current(no_error=True)
        if current is not None:
            return current.gettext(MENU_PROMPT)
        if self.i18n is not None:
            return self.i18n.gettext(MENU_PROMPT, locale=self.i18n.default_locale)
        return MENU_PROMPT

    async def _send_file(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        params: dict[str, Any],
        files: dict[str, InputFile],
    ) -> Message:
        chat_local = int(params["chat_id"])
        chat = await self.zalo_id(method, chat_local)
        caption = str(params.get("caption") or "")
        if params.get("parse_mode") == "HTML":
            caption = html_to_plain(caption)
        given = params.get("photo") if isinstance(method, SendPhoto) else params.get("document")
        if files:
            (upload,) = files.values()
            data = b"".join([chunk async for chunk in upload.read(bot)])
            name = upload.filename or "file"
            if self.shelf is None:
                raise TelegramBadRequest(method, "400 no file links on this server")
            link = self.shelf.put(name, data)
        elif isinstance(given, str) and given.startswith(("https://", "http://")):
            name, link = given.rsplit("/", 1)[-1] or "file", given
        else:
            raise TelegramBadRequest(method, "400 Zalo sends files by public URL only")
        if isinstance(method, SendPhoto) and link.startswith("https://"):
            payload = {"chat_id": chat, "photo": link}
            if caption:
                payload["caption"] = caption[:MAX_TEXT]
            result = await self._call(bot, method, "sendPhoto", payload)
        else:
            # No public HTTPS address (or not an image): the link in a text message.
            text = f"{caption}\n📎 {name}: {link}" if caption else f"📎 {name}: {link}"
            result = None
            for part in split_text(text, MAX_TEXT):
                result = await self._call(
                    bot, method, "sendMessage", {"chat_id": chat, "text": part}
                )
        return self._message(bot, chat_local, result, caption)

    async def _edit_markup(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> Message | bool:
        if "chat_id" not in params or "message_id" not in params:
            return True  # an inline message: gopy sends none
        chat_local, message_id = int(params["chat_id"]), int(params["message_id"])
        markup = params.get("reply_markup") or {}
        menu = self._menu(markup) if markup else None
        live = await self.menus.live(chat_local, message_id)
        if live is not None and menu is not None and menu.options and menu.text != live.text:
            # Zalo cannot edit: the changed menu of the question at hand (a ticked choice) is
            # shown again, or the person would see no effect of the number they typed, type
            # it again and untick it.
            chat = await self.zalo_id(method, chat_local)
            result: Any = None
            for part in split_text(menu.text, MAX_TEXT):
                result = await self._call(
                    bot, method, "sendMessage", {"chat_id": chat, "text": part}
                )
            message = self._message(bot, chat_local, result, menu.text)
            await self.menus.shown(chat_local, message, menu, keyboard=True)
            return message
        await self.menus.edited(chat_local, message_id, menu)
        return Message(
            message_id=message_id,
            date=self.clock.now(),
            chat=Chat(id=chat_local, type="private"),
            from_user=self._bot_user(bot),
        )

    async def _answer_callback(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> bool:
        text = params.get("text")
        parts = str(params.get("callback_query_id", "")).split(":")
        if text and params.get("show_alert") and len(parts) == 3 and parts[1].isdigit():
            chat = await self.zalo_id(method, int(parts[1]))
            await self._call(bot, method, "sendMessage", {"chat_id": chat, "text": str(text)})
        return True

    async def _get_updates(self, bot: Bot, method: GetUpdates) -> list[Update]:
        # Zalo answers at once while it serves consumed events again (§12.4): after a poll
        # that brought nothing new, wait ``poll_floor``. A fresh event is followed at once, or
        # a busy bot would take one message a second.
        loop = asyncio.get_running_loop()
        wait = self._quiet_until - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._quiet_until = loop.time() + self.poll_floor
        seconds = method.timeout if method.timeout is not None else 30
        # aiogram's ``offset`` means nothing to Zalo: it has no update ids (§2).
        reply = await self._request(
            bot, method, "getUpdates", {"timeout": str(seconds)}, seconds + 10
        )
        if not reply.ok:
            if reply.code == 408:
                return []  # the idle poll: HTTP 200 or 408, both seen (§12.3)
            raise self._error(method, reply)
        update = await self.to_update(reply.result)
        if update is None:
            return []
        self._quiet_until = 0.0
        return [update]

    async def _get_me(self, bot: Bot, method: GetMe) -> User:
        result = await self._call(bot, method, "getMe", {})
        result = result if isinstance(result, dict) else {}
        raw_id = str(result.get("id", ""))
        name = str(result.get("account_name") or result.get("name") or "gopy")
        return User(
            id=int(raw_id) if raw_id.isdigit() else bot.id,
            is_bot=True,
            first_name=name,
            username=name,
        )

    def _get_file(self, params: dict[str, Any]) -> File:
        file_id = str(params.get("file_id", ""))
        path = self._long_urls.get(file_id, file_id)
        return File(file_id=file_id, file_unique_id=file_id[:64], file_path=path)

    async def _set_webhook(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> bool:
        secret = str(params.get("secret_token") or "")
        if not 8 <= len(secret) <= 256:
            raise TelegramBadRequest(method, "400 a Zalo webhook secret is 8 to 256 characters")
        await self._call(bot, method, "setWebhook", {"url": params["url"], "secret_token": secret})
        return True

    async def _webhook_info(self, bot: Bot, method: TelegramMethod[Any]) -> WebhookInfo:
        reply = await self._request(bot, method, "getWebhookInfo", {}, self.timeout)
        url = ""
        if reply.ok and isinstance(reply.result, dict):
            url = str(reply.result.get("url") or "")
        elif not reply.ok and reply.code != 404:  # 404: no webhook (measured, §2)
            raise self._error(method, reply)
        return WebhookInfo(url=url, has_custom_certificate=False, pending_update_count=0)

    def _bot_user(self, bot: Bot) -> User:
        return User(id=bot.id, is_bot=True, first_name="gopy")

    def _message(self, bot: Bot, chat_id: int, result: Any, text: str) -> Message:
        result = result if isinstance(result, dict) else {}
        zalo_mid = str(result.get("message_id") or f"{chat_id}:{self.clock.now().isoformat()}")
        stamp = result.get("date")
        date = (
            datetime.fromtimestamp(stamp / 1000, tz=UTC)
            if isinstance(stamp, int) and stamp > 0
            else self.clock.now()
        )
        return Message(
            message_id=stable_int(f"out:{zalo_mid}", bits=31),
            date=date,
            chat=Chat(id=chat_id, type="private"),
            from_user=self._bot_user(bot),
            text=text or None,
        )


_LINK = re.compile(r"""<a\s+href=["']([^"']*)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def html_to_plain(text: str) -> str:
    """Telegram HTML as plain text: links as "text (url)", tags dropped, entities unescaped."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match[1]), _TAG.sub("", match[2])
        return url if html.unescape(label).strip() in ("", url) else f"{label} ({url})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))


def build_zalo_bot(
    settings: Settings,
    *,
    sessions: SessionFactory,
    clock: Clock,
    shelf: Shelf | None = None,
    i18n: I18n | None = None,
    write_lock: asyncio.Lock | None = None,
    poll_floor: float = POLL_FLOOR,
) -> Bot:
    """The Zalo bot: the stock aiogram ``Bot`` on a ``ZaloSession``. The token has the shape
    ``<digits>:<secret>`` that aiogram checks; ``bot.id`` is its numeric part."""
    from aiogram import Bot

    token = settings.zalo.token
    assert token is not None
    session = ZaloSession(
        sessions=sessions,
        clock=clock,
        api_url=settings.zalo.api_url,
        shelf=shelf,
        i18n=i18n,
        write_lock=write_lock,
        poll_floor=poll_floor,
        key=settings.server_key(),
    )
    return Bot(token.get_secret_value(), session=session, default=bot_properties())
