"""The one rate limiter, on a clock the test moves by hand."""

import asyncio

from core.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_allows_its_burst_then_one_per_interval() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, burst=3, clock=clock)
    for _ in range(3):
        assert bucket.wait_time() == 0
        bucket._tokens -= 1
    assert bucket.wait_time() == 1.0
    clock.now = 0.5
    assert bucket.wait_time() == 0.5
    clock.now = 1.0
    assert bucket.wait_time() == 0


def test_a_pause_holds_calls_back_for_the_platforms_retry_after() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=25.0, burst=25, clock=clock)
    bucket.pause(4)
    assert 4.0 <= bucket.wait_time() <= 4.05
    clock.now = 4.04
    assert bucket.wait_time() == 0


async def test_take_waits_for_a_token_in_real_time() -> None:
    bucket = TokenBucket(rate=20.0, burst=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):
        await bucket.take()
    # The burst is one, so the second and third calls each wait a twentieth of a second.
    assert loop.time() - started >= 0.09
