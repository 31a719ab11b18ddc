"""The aiogram session of the Zalo channel: each Bot API call answered with Zalo's
(docs/zalo-bot-platform.md §13), so the stock ``Bot``, Dispatcher and handlers serve Zalo
unchanged (the pattern of aiogram-max).

- ``sendMessage``: HTML made plain (Zalo has no formatting), the inline keyboard appended as a
  numbered menu (``menus``), cut at 2,000 characters on line breaks. Reply keyboards (the main
  menu) are dropped: each of their buttons is also a command (/report, /comment…) that /help
  lists.
- ``edit*``: Zalo cannot edit. A changed keyboard of the chat's live menu (a ticked choice) is
  sent again as the new live menu, or the typed number would seem to do nothing; a removed
  keyboard just ends the menu, silently; a new text is sent as a new message.
- ``answerCallbackQuery``: a message only for an alert (``show_alert``); toasts are dropped.
- ``sendPhoto``/``sendDocument``: links (``files``).
- ``setMyCommands``, ``deleteMessage``, ``deleteWebhook``: nothing (no such thing on Zalo; a
  webhook is never removed behind someone's back: ``gopy run`` refuses to poll instead).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
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
from aiogram.types import Chat, InputFile, Message, Update, User, WebhookInfo
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.params import plain_params
from bot.channels.zalo.files import FileLinks
from bot.channels.zalo.ids import CHANNEL, ZaloIds
from bot.channels.zalo.inbound import POLL_FLOOR, Inbound
from bot.channels.zalo.menus import CommandButtons, Keyboards, MenuBoard
from bot.channels.zalo.plain import plain_param
from bot.channels.zalo.transport import RETRY_AFTER, ZaloTransport
from bot.channels.zalo_events import stable_int
from bot.config import ZALO_BOT_API
from bot.web.shelf import Shelf
from scheduler.clock import Clock
from storage.database import Database
from storage.keys import ServerKey

if TYPE_CHECKING:
    from aiogram import Bot


class ZaloSession(BaseSession):
    """One Zalo bot's session, composed of its transport, id map, menus, files and inbound."""

    channel = CHANNEL

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        commands: CommandButtons,
        api_url: str = ZALO_BOT_API,
        shelf: Shelf | None = None,
        i18n: I18n | None = None,
        retry_after: int = RETRY_AFTER,
        poll_floor: float = POLL_FLOOR,
        key: ServerKey | None = None,
    ) -> None:
        # ``file="{path}"``: an inbound photo's file path is already its URL (as in aiogram-max).
        super().__init__(
            api=TelegramAPIServer(
                base=f"{api_url.rstrip('/')}/bot{{token}}/{{method}}", file="{path}"
            )
        )
        self.clock = clock
        self.transport = ZaloTransport(self.api, wait=self.timeout, retry_after=retry_after)
        self.ids = ZaloIds(db, clock)
        self.menus = MenuBoard(db, clock, key=key)
        self.keyboards = Keyboards(commands, i18n)
        self.files = FileLinks(self.transport, shelf)
        self.inbound = Inbound(self.transport, self.ids, self.menus, clock, poll_floor)

    async def close(self) -> None:
        await self.transport.close()

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the signature of aiogram's BaseSession
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        async for chunk in self.transport.stream(
            url, headers, timeout, chunk_size, raise_for_status
        ):
            yield chunk

    async def to_update(self, body: Any) -> Update | None:
        """The update of a webhook body (see ``Inbound.to_update``)."""
        return await self.inbound.to_update(body)

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
            return await self.inbound.poll(bot, method)
        if isinstance(method, GetMe):
            return await self._get_me(bot, method)
        if isinstance(method, GetFile):
            return self.inbound.file(str(params.get("file_id", "")))
        if isinstance(method, SendSticker):
            chat = await self.ids.zalo_id(method, params["chat_id"])
            payload = {"chat_id": chat, "sticker": str(params.get("sticker", ""))}
            result = await self.transport.call(bot, method, "sendSticker", payload)
            return self._message(bot, int(params["chat_id"]), result, "")
        if isinstance(method, SendChatAction):
            chat = await self.ids.zalo_id(method, params["chat_id"])
            # Zalo knows "typing" only ("upload_photo" is announced as coming soon).
            payload = {"chat_id": chat, "action": "typing"}
            await self.transport.call(bot, method, "sendChatAction", payload)
            return True
        if isinstance(method, SetWebhook):
            return await self._set_webhook(bot, method, params)
        if isinstance(method, GetWebhookInfo):
            return await self._webhook_info(bot, method)
        if isinstance(method, DeleteWebhook | DeleteMessage | SetMyCommands | DeleteMyCommands):
            return True
        raise TelegramBadRequest(method, f"{type(method).__name__} is not available on Zalo")

    def joining(self, chat_id: int, session: AsyncSession) -> AbstractContextManager[None]:
        """While an update of ``chat_id`` is handled, its menus are kept in that update's
        session (handlers.middlewares.JoinsUpdates)."""
        return self.menus.joining(chat_id, session)

    async def _send_text(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> Message:
        chat_local = int(params["chat_id"])
        chat = await self.ids.zalo_id(method, chat_local)
        text = plain_param(params, "text")
        markup = params.get("reply_markup") or {}
        keyboard = "inline_keyboard" in markup
        menu = self.keyboards.menu(markup) if keyboard else None
        body = "\n\n".join(part for part in (text, menu.text if menu else "") if part)
        result = await self.transport.send_text(bot, method, chat, body)
        message = self._message(bot, chat_local, result, text)
        await self.menus.shown(chat_local, message, menu, keyboard)
        return message

    async def _send_file(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        params: dict[str, Any],
        files: dict[str, InputFile],
    ) -> Message:
        chat_local = int(params["chat_id"])
        chat = await self.ids.zalo_id(method, chat_local)
        caption = plain_param(params, "caption")
        given = params.get("photo") if isinstance(method, SendPhoto) else params.get("document")
        result = await self.files.send(bot, method, chat, given, files, caption)
        return self._message(bot, chat_local, result, caption)

    async def _edit_markup(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> Message | bool:
        if "chat_id" not in params or "message_id" not in params:
            return True  # an inline message: gopy sends none
        chat_local, message_id = int(params["chat_id"]), int(params["message_id"])
        markup = params.get("reply_markup") or {}
        menu = self.keyboards.menu(markup) if markup else None
        live = await self.menus.live(chat_local, message_id)
        if live is not None and menu is not None and menu.options and menu.text != live.text:
            # Zalo cannot edit: the changed menu of the question at hand (a ticked choice) is
            # shown again, or the person would see no effect of the number they typed, type
            # it again and untick it.
            chat = await self.ids.zalo_id(method, chat_local)
            result = await self.transport.send_text(bot, method, chat, menu.text)
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
        # The callback id of a typed choice is "zalo:<chat>:<update>" (``Inbound.to_update``).
        parts = str(params.get("callback_query_id", "")).split(":")
        if text and params.get("show_alert") and len(parts) == 3 and parts[1].isdigit():
            chat = await self.ids.zalo_id(method, int(parts[1]))
            await self.transport.send_text(bot, method, chat, str(text))
        return True

    async def _get_me(self, bot: Bot, method: GetMe) -> User:
        result = await self.transport.call(bot, method, "getMe", {})
        result = result if isinstance(result, dict) else {}
        raw_id = str(result.get("id", ""))
        name = str(result.get("account_name") or result.get("name") or "gopy")
        return User(
            id=int(raw_id) if raw_id.isdigit() else bot.id,
            is_bot=True,
            first_name=name,
            username=name,
        )

    async def _set_webhook(
        self, bot: Bot, method: TelegramMethod[Any], params: dict[str, Any]
    ) -> bool:
        secret = str(params.get("secret_token") or "")
        if not 8 <= len(secret) <= 256:
            raise TelegramBadRequest(method, "400 a Zalo webhook secret is 8 to 256 characters")
        payload = {"url": params["url"], "secret_token": secret}
        await self.transport.call(bot, method, "setWebhook", payload)
        return True

    async def _webhook_info(self, bot: Bot, method: TelegramMethod[Any]) -> WebhookInfo:
        reply = await self.transport.request(bot, method, "getWebhookInfo", {})
        url = ""
        if reply.ok and isinstance(reply.result, dict):
            url = str(reply.result.get("url") or "")
        elif not reply.ok and reply.code != 404:  # 404: no webhook (measured, §2)
            raise self.transport.error(method, reply)
        return WebhookInfo(url=url, has_custom_certificate=False, pending_update_count=0)

    def _bot_user(self, bot: Bot) -> User:
        return User(id=bot.id, is_bot=True, first_name="gopy")

    def _message(self, bot: Bot, chat_id: int, result: Any, text: str) -> Message:
        """The aiogram message of what Zalo sent (its id and date, when it gave them)."""
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
