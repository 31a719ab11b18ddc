"""Files out on Zalo, which sends none: an upload goes on the Shelf (a signed, expiring link to
gopy's web app); an image whose link is public HTTPS goes as Zalo's photo, anything else as the
link in a text message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendPhoto, TelegramMethod
from aiogram.types import InputFile

from bot.channels.zalo.transport import MAX_TEXT, ZaloTransport
from bot.web.shelf import Shelf

if TYPE_CHECKING:
    from aiogram import Bot


class FileLinks:
    """``sendPhoto`` and ``sendDocument`` as Zalo can take them."""

    def __init__(self, transport: ZaloTransport, shelf: Shelf | None = None) -> None:
        self.transport = transport
        self.shelf = shelf

    async def send(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        chat: str,
        given: Any,
        files: dict[str, InputFile],
        caption: str,
    ) -> Any:
        """Send the file (``given``: a URL, or the name of an upload in ``files``) to ``chat``;
        Zalo's result of the message that carried it."""
        name, link = await self._link(bot, method, given, files)
        if isinstance(method, SendPhoto) and link.startswith("https://"):
            payload = {"chat_id": chat, "photo": link}
            if caption:
                payload["caption"] = caption[:MAX_TEXT]
            return await self.transport.call(bot, method, "sendPhoto", payload)
        # No public HTTPS address (or not an image): the link in a text message.
        text = f"{caption}\n📎 {name}: {link}" if caption else f"📎 {name}: {link}"
        return await self.transport.send_text(bot, method, chat, text)

    async def _link(
        self, bot: Bot, method: TelegramMethod[Any], given: Any, files: dict[str, InputFile]
    ) -> tuple[str, str]:
        """The file's name and a link to it."""
        if files:
            (upload,) = files.values()
            if self.shelf is None:
                raise TelegramBadRequest(method, "400 no file links on this server")
            data = b"".join([chunk async for chunk in upload.read(bot)])
            name = upload.filename or "file"
            return name, self.shelf.put(name, data)
        if isinstance(given, str) and given.startswith(("https://", "http://")):
            return given.rsplit("/", 1)[-1] or "file", given
        raise TelegramBadRequest(method, "400 Zalo sends files by public URL only")
