"""A request whose transaction the database aborted to break a deadlock, or as a serialization
failure, is run again, a few times.

Locks are taken in one order (core/db.py `get_owned`), so such aborts should be rare; when one
happens anyway, nothing of the aborted transaction was kept, so running the handler again is
safe, and the client never sees a 500 for it. Handlers own their transactions and answer only
after committing, so a retry never repeats something the client was told.
"""

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from sanic import Request
from sanic.response import HTTPResponse

from core.db import aborted_to_retry
from core.errors import ServiceUnavailable

log = structlog.get_logger("confetti.web")

ATTEMPTS = 4
FIRST_WAIT_SECONDS = 0.02

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse | None]])


class DatabaseBusy(ServiceUnavailable):
    code = "database_busy"
    message = "The request collided with others on the same data; try again shortly."

    def __init__(self) -> None:
        super().__init__()
        self.headers["Retry-After"] = "1"


def retried_on_conflict(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def run(request: Request, *args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await handler(request, *args, **kwargs)
            except Exception as exc:
                # A streamed answer that has begun cannot be taken back.
                started = getattr(request.stream, "response", None) is not None
                if not aborted_to_retry(exc) or started:
                    raise
                log.info("http.request.retried", path=request.path, attempt=attempt)
                if attempt < ATTEMPTS:
                    # Jittered, so the colliding requests do not collide again in step.
                    await asyncio.sleep(FIRST_WAIT_SECONDS * 2**attempt * random.random())
        raise DatabaseBusy()

    return run  # type: ignore[return-value]
