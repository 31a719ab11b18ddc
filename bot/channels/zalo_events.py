"""Zalo Bot Platform events read into plain values, and built into aiogram ``Message`` objects.

The sources disagree on details (docs/zalo-bot-platform.md §12); each time the tolerant reading
is taken: a wrapped ``{ok, result}`` body or a bare event; ``display_name`` or ``first_name``;
the image URL in ``photo_url``, ``photo`` or ``url``; an event name missing (the polling sample
has none) inferred from the fields present; an unknown event treated as unsupported. A message
Zalo saw a link in (``message.link.received``: in clients, not in the docs) is a text message,
its text the one typed, else the link's URL: a typed poster URL must reach the handlers.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message, MessageEntity, PhotoSize, Sticker, User

TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
UNSUPPORTED = "message.unsupported.received"
LINK = "message.link.received"
# Zalo ids are 20 hex characters; anything far longer is not an id.
MAX_ID = 64
MAX_URL = 2048


@dataclass(frozen=True, slots=True)
class Incoming:
    """One Zalo event, as far as gopy needs it. Ids are Zalo's own strings."""

    kind: str  # TEXT, IMAGE, STICKER or UNSUPPORTED
    key: str  # the dedupe key: the message id, else the event name and a hash of the body
    chat_id: str | None = None
    sender_id: str | None = None
    sender_name: str = ""
    sender_is_bot: bool = False
    group: bool = False
    date: datetime | None = None
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    sticker: str | None = None


def parse_event(body: Any) -> Incoming | None:
    """The event in a webhook or getUpdates body, or None if there is none (an empty poll, an
    envelope of another shape). Never raises on bad input."""
    if not isinstance(body, dict):
        return None
    event = body.get("result") if "result" in body or "ok" in body else body
    if not isinstance(event, dict) or not event:
        return None
    message = event.get("message")
    message = message if isinstance(message, dict) else {}
    name = event.get("event_name")
    kind = _kind(name if isinstance(name, str) else None, message)
    if kind is None:
        return None
    mid = _id(message.get("message_id"))
    if mid is None:
        dump = json.dumps(event, sort_keys=True, default=str).encode()
        mid = f"{kind}:{hashlib.sha256(dump).hexdigest()[:32]}"
    key = mid
    sender = _dict(message.get("from"))
    chat = _dict(message.get("chat"))
    sender_id = _id(sender.get("id"))
    name_value = sender.get("display_name") or sender.get("first_name") or ""
    return Incoming(
        kind=kind,
        key=key[:MAX_ID],
        chat_id=_id(chat.get("id")) or sender_id,
        sender_id=sender_id,
        sender_name=_clean(str(name_value))[:64],
        sender_is_bot=sender.get("is_bot") is True,
        group=str(chat.get("chat_type", "PRIVATE")).upper() == "GROUP",
        date=_date(message.get("date")),
        text=_text(_typed(message) if kind == TEXT else message.get("text")),
        photo_url=_photo(message) if kind == IMAGE else None,
        caption=_text(message.get("caption")),
        sticker=_id(message.get("sticker")),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _kind(name: str | None, message: dict[str, Any]) -> str | None:
    if name in (TEXT, IMAGE, STICKER, UNSUPPORTED):
        kind = name
    elif name == LINK:
        kind = TEXT
    elif name is not None and name.startswith("message."):
        kind = UNSUPPORTED  # link, voice, reaction…: seen in clients, not in the docs
    elif name is not None:
        return None  # not a message event: nothing to answer
    elif isinstance(message.get("text"), str):
        kind = TEXT
    elif _photo(message):
        kind = IMAGE
    elif message.get("sticker"):
        kind = STICKER
    elif message:
        kind = UNSUPPORTED
    else:
        return None
    if kind == TEXT and _typed(message) is None:
        return UNSUPPORTED
    if kind == IMAGE and not _photo(message):
        return UNSUPPORTED
    return kind


def _typed(message: dict[str, Any]) -> str | None:
    """The text of a text or link message: what was typed, else the URL of its link (a
    blank text beside a link is none)."""
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return text
    links = message.get("links")
    for link in [message.get("link"), *(links if isinstance(links, list) else [])]:
        url = _dict(link).get("url")
        if isinstance(url, str) and 0 < len(url) <= MAX_URL:
            return url
    return text if isinstance(text, str) else None


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    # isprintable: no control characters, and no lone surrogate (a "\ud800" escape), which
    # could be neither stored nor hashed.
    return value if 0 < len(value) <= MAX_ID and value.isprintable() else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    # A lone surrogate becomes "?": the text can then be stored.
    return unicodedata.normalize("NFC", value.encode("utf-8", "replace").decode())


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable()).strip()


def _photo(message: dict[str, Any]) -> str | None:
    for field in ("photo_url", "photo", "url"):
        value = message.get(field)
        if isinstance(value, list) and value:
            value = value[-1]
        if isinstance(value, dict):
            value = value.get("url")
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value if len(value) <= MAX_URL else None
    return None


def _date(value: Any) -> datetime | None:
    """Zalo dates are epoch milliseconds (the docs and every sample)."""
    # ASCII and short: "²" is a digit to isdigit() but not to int(), which also refuses more
    # than 4,300 digits.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def stable_int(key: str, bits: int = 47) -> int:
    """A positive integer from a string, the same in every process (update and message ids)."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << bits) - 1) or 1


def to_message(
    event: Incoming, *, chat_id: int, sender: User, date: datetime, photo_id: str | None
) -> Message:
    """The aiogram message of an event: text (with a command entity), photo, sticker, or
    nothing at all for what Zalo does not pass on (the handlers' fallback answers it)."""
    content: dict[str, Any] = {}
    if event.kind == "message.text.received" and event.text is not None:
        content["text"] = event.text
        if event.text.startswith("/"):
            command = event.text.split(maxsplit=1)[0]
            content["entities"] = [
                MessageEntity(type="bot_command", offset=0, length=len(command))
            ]
    elif event.kind == IMAGE and photo_id is not None:
        unique = event.key[:64]
        content["photo"] = [PhotoSize(file_id=photo_id, file_unique_id=unique, width=0, height=0)]
        if event.caption:
            content["caption"] = event.caption
    elif event.kind == STICKER:
        sticker = event.sticker or event.key
        content["sticker"] = Sticker(
            file_id=sticker,
            file_unique_id=sticker,
            type="regular",
            width=0,
            height=0,
            is_animated=False,
            is_video=False,
        )
    return Message(
        message_id=stable_int(event.key, bits=31),
        date=date,
        chat=Chat(id=chat_id, type="group" if event.group else "private"),
        from_user=sender,
        **content,
    )
