"""The one rate limiter: a token bucket, awaited before each call to a rate-limited platform."""

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """`rate` calls per second on average, bursts of up to `burst`; `pause` empties it for a
    while (a platform's own "retry after")."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_time(self) -> float:
        """Seconds until a token is free (0 if one is)."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    async def take(self) -> None:
        async with self._lock:
            while (wait := self.wait_time()) > 0:  # noqa: ASYNC110 (a timed wait, not an event)
                await asyncio.sleep(wait)
            self._tokens -= 1

    def pause(self, seconds: float) -> None:
        self._refill()
        self._tokens = min(self._tokens, 0) - seconds * self.rate
