"""Every update goes through the metrics' middleware: one of a kind aiogram does not know, one
whose conversation state cannot be read."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Update

from bot import metrics
from tests.fakes.telegram import command_update


def count(kind: str) -> float:
    labels = {"kind": kind, "channel": "telegram"}
    return metrics.REGISTRY.get_sample_value("gopy_updates_total", labels) or 0.0


# review: _observe read Update.event_type, which raises UpdateTypeLookupError (a LookupError,
# not an AttributeError: getattr's default did not catch it) for an update with no known field.
# aiogram skips such an update with a warning; behind the metrics it became a handler error
# (logged at ERROR with a traceback, an apology attempted) and was counted nowhere.
async def test_an_update_of_an_unknown_kind_is_counted_and_skipped() -> None:
    dp = Dispatcher()
    metrics.observe_updates(dp)
    bot = Bot("42:TEST")
    before = count("unknown")
    try:
        with pytest.warns(RuntimeWarning, match="unknown update type"):
            await dp.feed_update(bot, Update(update_id=1))
    finally:
        await bot.session.close()
    assert count("unknown") == before + 1


class BrokenStorage(MemoryStorage):
    """The FSM's storage unreachable, as Redis is in an outage."""

    async def get_state(self, key: StorageKey) -> str | None:
        raise ConnectionError("redis down")


# review: observe_updates registered its middleware after aiogram's own outer ones (errors,
# user context, FSM), not first: an update that failed in the FSM middleware — Redis down, the
# outage one wants to see — was counted nowhere, neither handled nor failed, and the wait for
# the chat's lock (events isolation) was left out of gopy_update_seconds.
async def test_an_update_failing_in_the_fsm_middleware_is_counted_as_failed() -> None:
    dp = Dispatcher(storage=BrokenStorage())
    metrics.observe_updates(dp)
    bot = Bot("42:TEST")
    labels = {"kind": "message", "channel": "telegram"}

    def value(name: str) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    handled, failed = value("gopy_updates_total"), value("gopy_update_errors_total")
    update = Update.model_validate(command_update(1, 5001))
    try:
        with pytest.raises(ConnectionError):
            await dp.feed_update(bot, update)
    finally:
        await bot.session.close()
    assert value("gopy_updates_total") == handled + 1
    assert value("gopy_update_errors_total") == failed + 1
