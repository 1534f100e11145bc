"""How the workers' loops wait between rounds, so that stopping finds them between rounds.

A loop cancelled in the middle of a transaction can leave SQLite's write lock held until its
connection is collected; a loop asked to stop finishes its round, commits, and returns.
"""

import asyncio


async def rest(stopping: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Wait `seconds`, less if `wake` is set or the process is stopping."""
    waits = [asyncio.ensure_future(stopping.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
