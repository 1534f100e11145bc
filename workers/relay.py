"""The outbox relay: publishes committed events and removes them from the outbox.

Safe to run in several processes at once: on PostgreSQL each batch is claimed with
`FOR UPDATE SKIP LOCKED`; on SQLite the relay's write transaction holds the database's one write
lock. A crash between publish and delete publishes a batch again, which consumers absorb by
event id.
"""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy import delete, exists, select

from core.broker import Broker
from core.broker.memory import topic_matches
from core.db import Database
from core.events.models import Event, OutboxEntry, ProcessedEvent
from core.events.service import EventEnvelope, on_outbox_commit
from workers.consumers import Consumer
from workers.pacing import rest

log = structlog.get_logger("confetti.relay")
REQUEUE_BATCH = 500


class OutboxRelay:
    def __init__(
        self, db: Database, broker: Broker, *, batch_size: int = 200, interval: float = 0.5
    ) -> None:
        self.db = db
        self.broker = broker
        self.batch_size = batch_size
        self.interval = interval
        self._wake = asyncio.Event()

    async def relay_once(self) -> int:
        """Publish one batch; return how many events went out."""
        async with self.db.transaction() as session:
            entries = (
                (
                    await session.execute(
                        select(OutboxEntry)
                        .order_by(OutboxEntry.id)
                        .limit(self.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            if not entries:
                return 0
            await asyncio.gather(
                *(
                    self.broker.publish(
                        entry.topic, entry.body.encode(), message_id=str(entry.event_id)
                    )
                    for entry in entries
                )
            )
            await session.execute(
                delete(OutboxEntry).where(OutboxEntry.id.in_([entry.id for entry in entries]))
            )
        return len(entries)

    async def run(self, stopping: asyncio.Event | None = None) -> None:
        """Relay until stopping (or cancelled): at once after a commit that wrote events, else
        every interval."""
        stopping = stopping or asyncio.Event()
        unregister = on_outbox_commit(self._wake.set)
        try:
            while not stopping.is_set():
                self._wake.clear()
                try:
                    sent = await self.relay_once()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the broker or database is down: retry next interval
                    log.warning("outbox.relay.failed", error=str(exc))
                    sent = 0
                if sent == self.batch_size:
                    continue
                if sent:
                    log.debug("outbox.relay.published", count=sent)
                await rest(stopping, self.interval, self._wake)
        finally:
            unregister()


async def requeue_unprocessed(
    db: Database, consumers: Sequence[Consumer], *, since: datetime
) -> int:
    """The in-process broker's queues die with their process (killed, or stopped with messages
    still queued): put back in the outbox, oldest first, each event since `since` that a
    consumer wants and has not processed. Consumers skip what they did process, so requeuing an
    event another consumer already had is harmless."""
    async with db.transaction() as session:
        missing: dict[uuid.UUID, datetime] = {}
        for consumer in consumers:
            rows = await session.execute(
                select(Event.id, Event.type, Event.occurred_at).where(
                    Event.occurred_at >= since,
                    ~exists().where(
                        ProcessedEvent.consumer == consumer.name,
                        ProcessedEvent.event_id == Event.id,
                    ),
                    ~exists().where(OutboxEntry.event_id == Event.id),
                )
            )
            for event_id, topic, occurred_at in rows:
                if any(topic_matches(pattern, topic) for pattern in consumer.topics):
                    missing[event_id] = occurred_at
        ordered = sorted(missing, key=lambda event_id: (missing[event_id], event_id))
        for start in range(0, len(ordered), REQUEUE_BATCH):
            chunk = ordered[start : start + REQUEUE_BATCH]
            events = {
                e.id: e
                for e in (await session.execute(select(Event).where(Event.id.in_(chunk)))).scalars()
            }
            for event_id in chunk:
                event = events[event_id]
                envelope = EventEnvelope(
                    id=event.id,
                    type=event.type,
                    merchant_id=event.merchant_id,
                    occurred_at=event.occurred_at,
                    payload=event.payload,
                )
                session.add(
                    OutboxEntry(
                        event_id=event.id, topic=event.type, body=envelope.model_dump_json()
                    )
                )
    if missing:
        log.warning("outbox.requeued", count=len(missing))
    return len(missing)
