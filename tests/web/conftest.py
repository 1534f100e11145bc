from collections.abc import AsyncIterator

import pytest
from sanic import Sanic
from sanic_testing.testing import SanicASGITestClient

from core.broker.memory import MemoryBroker
from core.db import Database
from core.settings import Settings
from web.app import create_app


@pytest.fixture
async def memory_broker() -> AsyncIterator[MemoryBroker]:
    broker = MemoryBroker()
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture
def app(settings: Settings, db: Database, memory_broker: MemoryBroker) -> Sanic:
    return create_app(settings, db=db, broker=memory_broker)


@pytest.fixture
def client(app: Sanic) -> SanicASGITestClient:
    return app.asgi_client
