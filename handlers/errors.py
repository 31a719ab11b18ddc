"""One handler error never kills the bot: log it, apologise to the person."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router


async def on_error(event: ErrorEvent) -> bool:
    update = event.update
    # Log the update id and the error, never the text: it may hold personal data.
    log.error("update %s failed", update.update_id, exc_info=event.exception)
    message = update.message or (update.callback_query.message if update.callback_query else None)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        if message is not None:
            await message.answer(
                _(
                    "Sorry, something went wrong on our side. Please try again in a moment; "
                    "what you already sent is kept."
                )
            )
    except Exception:  # the apology is best effort; the original error is already logged
        log.warning("could not apologise for update %s", update.update_id)
    return True
