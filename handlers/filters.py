"""Filters written as coroutines.

aiogram runs a synchronous filter (a magic ``F.text`` filter too) in a thread pool, one thread
hop per check and per update; these checks are trivial, so they are written async.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from storage.codes import entry_from_payload, entry_from_text, invite_from_text, looks_like_entry


async def has_text(message: Message) -> bool:
    return message.text is not None


async def typed_invite(message: Message) -> dict[str, Any] | bool:
    """A message that is nothing but an invite code; gives the handler ``code``."""
    code = invite_from_text(message.text) if message.text else None
    return {"code": code} if code else False


async def is_command(message: Message) -> bool:
    """A bot command such as ``/help`` (Telegram marks it as an entity at the start)."""
    return any(e.type == "bot_command" and e.offset == 0 for e in message.entities or ())


async def in_private_chat(event: Message | CallbackQuery) -> bool:
    message = event.message if isinstance(event, CallbackQuery) else event
    return message is not None and message.chat.type == "private"


async def typed_entry(message: Message) -> dict[str, Any] | bool:
    """A message that is nothing but a poster's code (``GY-7K3QM``); gives ``entry_code``."""
    code = entry_from_text(message.text) if message.text else None
    return {"entry_code": code} if code else False


async def mistyped_entry(message: Message) -> bool:
    """A message meant as a poster's code that is not a valid one (``GY-N9E9O``)."""
    return bool(message.text) and looks_like_entry(message.text or "")


async def entry_payload(message: Message) -> dict[str, Any] | bool:
    """``/start gy-7K3QM`` from a poster's QR code; gives ``entry_code``."""
    text = message.text or ""
    _command, _, payload = text.partition(" ")
    code = entry_from_payload(payload) if payload else None
    return {"entry_code": code} if code else False


async def has_attachment(message: Message) -> bool:
    """A photo, a voice note or a file: what a comment may carry besides its text."""
    return bool(message.photo or message.voice or message.document)


def checks_without_threads(router: Router) -> None:
    """Run the synchronous checks of ``router`` and the routers below it in the event loop.

    A conversation state used as a filter (``ReportFlow.filling``) or a magic ``F`` filter is a
    plain function, which aiogram calls in a thread pool: one thread hop per check, about 16
    per update of the report form. They only compare values, so they are run as coroutines.
    """
    for each in router.chain_tail:
        for observer in each.observers.values():
            handlers = [*observer.handlers, getattr(observer, "_handler", None)]
            for handler in handlers:
                for check in (handler.filters or []) if handler is not None else []:
                    if not check.awaitable and (
                        check.magic is not None or isinstance(check.callback, State | StatesGroup)
                    ):
                        check.callback = _in_loop(check.callback)
                        check.awaitable = True


def _in_loop(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run
