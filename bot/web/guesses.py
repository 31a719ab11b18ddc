"""A brake on guessing receipt codes: each network address may ask for a limited number of
unknown receipts an hour.

Kept in memory, per process: a restart or a second process forgets the count, which is
acceptable for a brake (a receipt has 29⁶ ≈ 600 million spellings: at 30 guesses an hour an
address needs millennia). Memory is bounded: past ``max_addresses`` the address seen least
recently is forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)


class GuessLimit:
    def __init__(self, limit: int = 30, *, max_addresses: int = 10_000) -> None:
        self.limit = limit
        self.max_addresses = max_addresses
        self._misses: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        misses = self._misses.get(address)
        if misses is None:
            return deque()
        while misses and misses[0] <= now - WINDOW:
            misses.popleft()
        return misses

    def blocked(self, address: str, now: datetime) -> bool:
        """Whether ``address`` asked for more unknown receipts than allowed in the last hour."""
        return len(self._recent(address, now)) >= self.limit

    def missed(self, address: str, now: datetime) -> None:
        """Count an unknown receipt asked for by ``address``."""
        misses = self._recent(address, now)
        misses.append(now)
        self._misses[address] = misses
        self._misses.move_to_end(address)
        while len(self._misses) > self.max_addresses:
            self._misses.popitem(last=False)
