"""The limiter shared by every process of a bot, in Redis: the same contract as
``MemoryLimiter``, each booking one Lua script (atomic: the bot's slot and the chat's slot are
taken together or not at all). Time is Redis's own (``TIME``), the one clock all processes
share; moments are kept in microseconds, which a Lua number holds exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.throttle.limiter import Rate, Slot

if TYPE_CHECKING:
    from redis.asyncio import Redis

MICRO = 1_000_000

# KEYS: the bot's next free moment, the chat's, the pause. ARGV: the interval and the per-chat
# gap (µs), whether the caller is background traffic, whether there is a chat.
# Returns {booked (0/1), wait (µs), the slot's moment (µs)}. Keys expire soon after their
# moment: nothing piles up.
BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local per_chat = tonumber(ARGV[2])
local background = ARGV[3] == '1'
local has_chat = ARGV[4] == '1'
local ready = math.max(now, tonumber(redis.call('GET', KEYS[3]) or '0'))
if has_chat then
  ready = math.max(ready, tonumber(redis.call('GET', KEYS[2]) or '0'))
end
if ready > now then
  return {0, ready - now, ready}
end
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if background and at > now then
  return {0, at - now, at}
end
local bot_next = at + interval
redis.call('SET', KEYS[1], string.format('%.0f', bot_next),
  'PX', math.floor((bot_next - now) / 1000) + 1000)
if has_chat and per_chat > 0 then
  local chat_next = at + per_chat
  redis.call('SET', KEYS[2], string.format('%.0f', chat_next),
    'PX', math.floor((chat_next - now) / 1000) + 1000)
end
return {1, at - now, at}
"""

# KEYS: a moment (the chat's next free one, or the end of the bot's pause); ARGV: how far from
# now (µs). Never moves it earlier: a shorter gap or pause does not cut a longer one short.
LATER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local moment = now + tonumber(ARGV[1])
if moment > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], string.format('%.0f', moment),
    'PX', math.floor((moment - now) / 1000) + 1000)
end
return 0
"""

# KEYS: the pause. Returns the µs left of it.
PAUSED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now)
"""


class RedisLimiter:
    """``name`` tells bots apart (channel and bot id): each has its own budget."""

    def __init__(self, redis: Redis, name: str, rate: Rate, *, owned: bool = True) -> None:
        self.redis = redis
        self.rate = rate
        self.prefix = f"gopy:throttle:{name}"
        # Whether ``close`` closes the client (built for this limiter) or leaves it.
        self.owned = owned
        self._book = redis.register_script(BOOK)
        self._later = redis.register_script(LATER)
        self._paused = redis.register_script(PAUSED)

    @classmethod
    def from_url(cls, url: str, name: str, rate: Rate) -> RedisLimiter:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url), name, rate)

    async def book(self, chat: str | None, *, background: bool = False) -> Slot:
        keys = [f"{self.prefix}:next", f"{self.prefix}:chat:{chat or ''}", f"{self.prefix}:pause"]
        args = [
            round(self.rate.interval * MICRO),
            round(self.rate.per_chat_seconds * MICRO),
            int(background),
            int(chat is not None),
        ]
        booked, wait, at = await self._book(keys=keys, args=args)
        return Slot(int(wait) / MICRO, booked=bool(int(booked)), at=int(at) / MICRO)

    async def sent(self, chat: str) -> None:
        if self.rate.per_chat_seconds > 0:
            gap = round(self.rate.per_chat_seconds * MICRO)
            await self._later(keys=[f"{self.prefix}:chat:{chat}"], args=[gap])

    async def pause(self, seconds: float) -> None:
        await self._later(keys=[f"{self.prefix}:pause"], args=[round(seconds * MICRO)])

    async def paused_for(self) -> float:
        return int(await self._paused(keys=[f"{self.prefix}:pause"])) / MICRO

    async def close(self) -> None:
        if self.owned:
            await self.redis.aclose()
