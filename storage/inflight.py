"""Updates being handled right now, so that a re-delivery racing the first delivery is dropped
without waiting for the database's dedupe mark (``storage.updates``).

In memory for one process; in Redis (``SET NX EX``) when several processes take updates
behind one webhook, so that the re-delivery is dropped whichever process it reaches. The mark
expires by itself: a process that dies mid-update does not keep the update from being handled
again once Telegram re-delivers it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Far above any update's handling time, well below Telegram's wait before re-delivering.
HOLD = timedelta(seconds=60)


class InFlight(Protocol):
    async def claim(self, key: str) -> bool:
        """True if nobody is handling ``key``, which is now this caller's."""
        ...

    async def release(self, key: str) -> None: ...


class MemoryInFlight:
    """One process: a set."""

    def __init__(self) -> None:
        self._keys: set[str] = set()

    async def claim(self, key: str) -> bool:
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    async def release(self, key: str) -> None:
        self._keys.discard(key)


class RedisInFlight:
    """Several processes: one Redis key per update, taken with ``SET NX EX``."""

    def __init__(self, redis: Redis, *, prefix: str = "gopy:inflight:", hold: timedelta = HOLD):
        self.redis = redis
        self.prefix = prefix
        self.hold = hold

    async def claim(self, key: str) -> bool:
        taken = await self.redis.set(self.prefix + key, b"1", nx=True, ex=self.hold)
        return bool(taken)

    async def release(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)
