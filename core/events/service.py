"""Recording events through the transactional outbox, and the consumer's exactly-once guard."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.commit_signals import on_commit, signal_on_commit
from core.db import upsert_insert
from core.events.models import Event, OutboxEntry, ProcessedEvent

OUTBOX_SIGNAL = "outbox"
KEEP_PROCESSED_FOR = timedelta(days=30)


class EventEnvelope(BaseModel):
    """What travels through the broker for one event."""

    id: uuid.UUID
    type: str
    merchant_id: uuid.UUID
    occurred_at: datetime
    payload: dict[str, Any]


async def record_event(
    session: AsyncSession, *, merchant_id: uuid.UUID, type: str, payload: dict[str, Any]
) -> Event:
    """Append an event and queue it for publishing; both commit or roll back with the caller."""
    event = Event(id=uuid.uuid4(), merchant_id=merchant_id, type=type, payload=payload)
    event.occurred_at = utcnow()
    envelope = EventEnvelope(
        id=event.id,
        type=type,
        merchant_id=merchant_id,
        occurred_at=event.occurred_at,
        payload=payload,
    )
    session.add(event)
    session.add(OutboxEntry(event_id=event.id, topic=type, body=envelope.model_dump_json()))
    signal_on_commit(session, OUTBOX_SIGNAL)
    return event


def on_outbox_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after any commit that wrote outbox rows; returns the unregister function.

    The relay uses this to publish at once instead of waiting for its next poll.
    """
    return on_commit(OUTBOX_SIGNAL, listener)


async def claim_event(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """Mark `event_id` as processed by `consumer` in the caller's transaction.

    False means another delivery already had its effect (or is committing it now: on PostgreSQL
    the insert waits for that transaction), so this one must do nothing.
    """
    insert = upsert_insert(session)
    statement = (
        insert(ProcessedEvent)
        .values(consumer=consumer, event_id=event_id, processed_at=utcnow())
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return result.rowcount == 1


async def purge_processed(session: AsyncSession, *, limit: int) -> int:
    """Forget which consumer had which event once no delivery of it can still come: far past
    a redelivery, the in-process requeue's 7 days, or a dead letter's replay (a dead letter is
    an event its consumer never had the effect of). At most `limit` rows a call: the first
    purge of a long history must not hold SQLite's write lock for a minute."""
    oldest = (
        select(ProcessedEvent.consumer, ProcessedEvent.event_id)
        .where(ProcessedEvent.processed_at < utcnow() - KEEP_PROCESSED_FOR)
        .limit(limit)
    )
    result = await session.execute(
        delete(ProcessedEvent).where(
            tuple_(ProcessedEvent.consumer, ProcessedEvent.event_id).in_(oldest)
        )
    )
    return result.rowcount or 0


def parse_envelope(body: bytes) -> EventEnvelope:
    return EventEnvelope.model_validate_json(body)


async def outbox_backlog(session: AsyncSession) -> tuple[int, float]:
    """Events committed but not yet published: how many, and the oldest one's age in seconds
    (the relay's lag; it grows when the broker or the relay is down)."""
    count, oldest = (
        await session.execute(select(func.count(), func.min(OutboxEntry.created_at)))
    ).one()
    if oldest is None:
        return 0, 0.0
    if oldest.tzinfo is None:  # SQLite: the aggregate skips the column type's conversion
        oldest = oldest.replace(tzinfo=UTC)
    return count, max((utcnow() - oldest).total_seconds(), 0.0)
