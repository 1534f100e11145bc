"""The outbox's other side: what the relay takes to publish, and putting back events that the
in-process broker lost with its process."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.broker.memory import topic_matches
from core.events.models import Event, OutboxEntry, ProcessedEvent
from core.events.service import EventEnvelope

REQUEUE_BATCH = 500


async def take_outbox_batch(session: AsyncSession, limit: int) -> list[OutboxEntry]:
    """The oldest unpublished events, locked: on PostgreSQL concurrent relays skip each other's
    rows; on SQLite the write transaction already holds the database's one write lock."""
    rows = await session.execute(
        select(OutboxEntry).order_by(OutboxEntry.id).limit(limit).with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def delete_published(session: AsyncSession, entries: Sequence[OutboxEntry]) -> None:
    await session.execute(
        delete(OutboxEntry).where(OutboxEntry.id.in_([entry.id for entry in entries]))
    )


async def requeue_unprocessed(
    session: AsyncSession, topics_by_consumer: Mapping[str, Sequence[str]], *, since: datetime
) -> int:
    """Put back in the outbox, oldest first, each event since `since` that a consumer wants and
    has not processed, and that is not in the outbox already. Consumers skip what they did
    process, so requeuing an event another consumer already had is harmless."""
    missing: dict[uuid.UUID, datetime] = {}
    for consumer, patterns in topics_by_consumer.items():
        rows = await session.execute(
            select(Event.id, Event.type, Event.occurred_at).where(
                Event.occurred_at >= since,
                ~exists().where(
                    ProcessedEvent.consumer == consumer, ProcessedEvent.event_id == Event.id
                ),
                ~exists().where(OutboxEntry.event_id == Event.id),
            )
        )
        for event_id, topic, occurred_at in rows:
            if any(topic_matches(pattern, topic) for pattern in patterns):
                missing[event_id] = occurred_at
    ordered = sorted(missing, key=lambda event_id: (missing[event_id], event_id))
    for start in range(0, len(ordered), REQUEUE_BATCH):
        chunk = ordered[start : start + REQUEUE_BATCH]
        events = (await session.execute(select(Event).where(Event.id.in_(chunk)))).scalars()
        by_id = {event.id: event for event in events}
        session.add_all(_outbox_entry(by_id[event_id]) for event_id in chunk)
    return len(missing)


def _outbox_entry(event: Event) -> OutboxEntry:
    envelope = EventEnvelope(
        id=event.id,
        type=event.type,
        merchant_id=event.merchant_id,
        occurred_at=event.occurred_at,
        payload=event.payload,
    )
    return OutboxEntry(event_id=event.id, topic=event.type, body=envelope.model_dump_json())
