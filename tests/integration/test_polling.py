"""Long polling against a Bot API server at a configurable URL (a local telegram-bot-api)."""

from __future__ import annotations

import asyncio
import contextlib

from tests.conftest import BotApp
from tests.fakes.telegram import command_update


async def test_polling_answers_through_the_configured_api_server(app: BotApp) -> None:
    app.api.pending.append(command_update(500, 950))
    polling = asyncio.create_task(
        app.dp.start_polling(
            app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        await asyncio.wait_for(app.api.sent.wait(), timeout=10)
    finally:
        await app.dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, timeout=10)
    answers = [c for c in app.api.calls if c.method == "sendMessage"]
    assert len(answers) == 1 and answers[0].chat_id == 950
    assert "/comment" in answers[0].text
