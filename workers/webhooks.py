"""Webhooks out: queue a delivery per interested endpoint for every event (a consumer), and
send due deliveries (a timed job)."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.events.service import EventEnvelope
from core.webhooks.service import deliver_due, queue_deliveries
from workers.consumers import Consumer


async def _queue(session: AsyncSession, event: EventEnvelope) -> None:
    await queue_deliveries(session, event)


WEBHOOK_QUEUER = Consumer(name="webhooks", topics=("#",), handle=_queue)


async def send_due_webhooks(db: Database) -> int:
    timeout = db.settings.webhook_timeout_seconds
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        return await deliver_due(db, client)
