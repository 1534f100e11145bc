"""Webhooks out: queue a delivery per interested endpoint for every event (a consumer), and
send due deliveries (a timed job) over one pooled HTTP client per process."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.events.service import EventEnvelope
from core.settings import Settings
from core.webhooks.delivery import deliver_due
from core.webhooks.service import queue_deliveries
from core.webhooks.transport import Resolve, system_resolve, webhook_client
from workers.consumers import Consumer


async def _queue(session: AsyncSession, event: EventEnvelope) -> None:
    await queue_deliveries(session, event)


WEBHOOK_QUEUER = Consumer(name="webhooks", topics=("#",), handle=_queue)


class WebhookSender:
    """Sends due deliveries, run after run, over one client: a shop's connection (and its TLS
    handshake) is reused by the next run instead of opened anew every two seconds."""

    def __init__(self, settings: Settings, *, resolve: Resolve = system_resolve) -> None:
        self._settings = settings
        self._resolve = resolve
        self._client: httpx.AsyncClient | None = None

    async def send_due(self, db: Database) -> int:
        if self._client is None or self._client.is_closed:  # opened again after `close`
            self._client = webhook_client(self._settings, resolve=self._resolve)
        return await deliver_due(db, self._client)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
