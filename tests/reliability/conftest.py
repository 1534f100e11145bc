"""Process fault tests run the production shape, `confetti worker` on PostgreSQL and RabbitMQ
(`processes.ON_POSTGRES`; the embedded-default test builds its own SQLite file), against the fake
Telegram and WhatsApp servers. The other reliability tests run on both databases."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from core.broker import RabbitBroker
from core.settings import Settings
from tests.activities.shop import shop  # noqa: F401  (a merchant driving the API)
from tests.fixtures.tcp_proxy import rabbitmq_proxy  # noqa: F401  (RabbitMQ, to cut off)
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (the app in-process)
from workers.registry import QUEUE_NAMES

# How long a WhatsApp message a killed sender left in doubt waits for its status webhook before
# it is sent again: shorter than the dead sender's `chat.sender` lease, so the takeover, not
# this, sets the pace.
IN_DOUBT_SECONDS = 5


@pytest.fixture
async def worker_env(
    env: dict[str, str], settings: Settings, amqp_url: str, fake_telegram, fake_whatsapp
) -> AsyncIterator[dict[str, str]]:
    """What a `confetti worker` (or a `confetti serve --web-only` beside it) gets: the test's
    database, RabbitMQ under a namespace of its own (deleted afterwards), and the fake
    Telegram and WhatsApp servers."""
    namespace = f"test_{uuid4().hex[:12]}"
    yield {
        **env,
        "CONFETTI_DATABASE_URL": settings.database_url,
        "CONFETTI_BROKER_URL": amqp_url,
        "CONFETTI_BROKER_NAMESPACE": namespace,
        "CONFETTI_TELEGRAM_API_BASE": fake_telegram.base_url,
        "CONFETTI_WHATSAPP_API_BASE": f"{fake_whatsapp.base_url}/v21.0",
        "CONFETTI_CHAT_IN_DOUBT_SECONDS": str(IN_DOUBT_SECONDS),
    }
    cleanup = RabbitBroker(amqp_url, namespace=namespace)
    await cleanup.connect()
    for queue in QUEUE_NAMES:
        await cleanup.declare_queue(queue, ())
    await cleanup.close()
    await cleanup.destroy()
