from collections.abc import AsyncIterator

import pytest_asyncio

from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)
from tests.webhooks.shop_server import ShopServer


@pytest_asyncio.fixture
async def shop() -> AsyncIterator[ShopServer]:
    server = ShopServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
