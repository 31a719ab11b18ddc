"""Each bot's throttle from the settings: in Redis when ``GOPY_REDIS_URL`` is set (one budget
for all processes of the bot), else in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.throttle.limiter import Limiter, MemoryLimiter, Rate
from bot.throttle.middleware import RetryBound, Throttle, throttle_of
from bot.throttle.overflow import OutboxOverflow
from bot.throttle.redis_limiter import RedisLimiter
from scheduler.clock import Clock
from storage.database import Database

if TYPE_CHECKING:
    from aiogram import Bot


def rate_of(settings: Settings, channel: str) -> Rate:
    if channel == "zalo":
        return Rate(settings.zalo.rate, settings.zalo.per_chat_seconds)
    return Rate(settings.outbox.rate, settings.outbox.per_chat_seconds)


def limiter_of(settings: Settings, channel: str) -> Limiter:
    """The bot's budget, named by channel and bot id (the token's number)."""
    token = settings.zalo.token if channel == "zalo" else settings.telegram.token
    bot_id = token.get_secret_value().split(":", 1)[0] if token is not None else "0"
    rate = rate_of(settings, channel)
    if settings.redis_url:
        return RedisLimiter.from_url(settings.redis_url, f"{channel}:{bot_id}", rate)
    return MemoryLimiter(rate)


def build_throttle(
    settings: Settings,
    channel: str,
    *,
    db: Database,
    clock: Clock,
) -> Throttle:
    outbox = settings.outbox
    overflow = OutboxOverflow(channel=channel, db=db, clock=clock)
    return Throttle(
        limiter_of(settings, channel),
        bound=RetryBound(outbox.reply_tries, outbox.reply_wait_seconds),
        overflow=overflow,
    )


async def close_throttle(bot: Bot) -> None:
    throttle = throttle_of(bot)
    if throttle is not None:
        await throttle.limiter.close()
