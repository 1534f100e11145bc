import asyncio
from collections.abc import Callable


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for `condition` to hold, failing after `within` seconds: never a bare sleep."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the condition is not an awaitable event
            await asyncio.sleep(0.01)
