"""An app on Sanic's own HTTP server (not ASGI) inside the test's event loop: its listeners run
once, at start and stop, as in production, rather than around every request."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sanic import Sanic

from tests.fixtures.processes import free_port
from web.lingering import LingeringHttpProtocol


@asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[str]:
    """The app served on a free port, with the protocol `confetti serve` uses; yields its base
    URL."""
    port = free_port()
    # Sanic's TouchUp recompiles Sanic.handle_request on the class; a second app served in
    # the same process then fails to recompile it (KeyError: 'handle_request').
    app.config.TOUCHUP = False
    served = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, protocol=LingeringHttpProtocol
    )
    await served.startup()
    await served.before_start()
    await served.after_start()
    running = asyncio.create_task(served.serve_forever())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.close()
        await served.wait_closed()
        await served.before_stop()
        await served.after_stop()
        running.cancel()
