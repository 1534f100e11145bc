import asyncio
import inspect
from collections.abc import Callable

DEADLINE_SECONDS = 10.0


async def wait_until(condition: Callable[[], object], within: float = DEADLINE_SECONDS) -> None:
    """Wait until `condition()` (awaited if need be) is truthy; fail after `within` seconds.
    Never a bare sleep: the wait ends as soon as the condition holds."""
    async with asyncio.timeout(within):
        while True:
            outcome = condition()
            if await outcome if inspect.isawaitable(outcome) else outcome:
                return
            await asyncio.sleep(0.01)
