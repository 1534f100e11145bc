"""Webhooks out: queue a delivery per interested endpoint for every event (a consumer), and
send due deliveries (a timed job)."""

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.events.service import EventEnvelope
from core.webhooks.delivery import deliver_due
from core.webhooks.service import queue_deliveries
from core.webhooks.transport import webhook_client
from workers.consumers import Consumer


async def _queue(session: AsyncSession, event: EventEnvelope) -> None:
    await queue_deliveries(session, event)


WEBHOOK_QUEUER = Consumer(name="webhooks", topics=("#",), handle=_queue)


async def send_due_webhooks(db: Database) -> int:
    async with webhook_client(db.settings) as client:
        return await deliver_due(db, client)
