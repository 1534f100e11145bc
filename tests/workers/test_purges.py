"""What the workers forget, and when: nothing a delivery could still need."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.events.models import ProcessedEvent
from core.events.service import KEEP_PROCESSED_FOR, claim_event, purge_processed
from workers import schedules


async def test_processed_events_are_forgotten_only_after_thirty_days(db):
    old, recent = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as session:
        for event_id, age in (
            (old, KEEP_PROCESSED_FOR + timedelta(minutes=1)),
            (recent, timedelta(days=29)),
        ):
            session.add(
                ProcessedEvent(
                    consumer="statistics", event_id=event_id, processed_at=utcnow() - age
                )
            )
    async with db.transaction() as session:
        assert await purge_processed(session, limit=100) == 1
    async with db.transaction() as session:
        kept = list((await session.execute(select(ProcessedEvent.event_id))).scalars())
        assert kept == [recent]
        # Within the window the guard still holds: a late redelivery has no effect.
        assert not await claim_event(session, "statistics", recent)


async def test_a_long_history_is_purged_in_batches_of_their_own(db, monkeypatch):
    monkeypatch.setattr(schedules, "PURGE_BATCH", 2)
    long_ago = utcnow() - KEEP_PROCESSED_FOR - timedelta(days=1)
    async with db.transaction() as session:
        session.add_all(
            ProcessedEvent(consumer="webhooks", event_id=uuid.uuid4(), processed_at=long_ago)
            for _ in range(5)
        )
    async with db.transaction() as session:
        assert await purge_processed(session, limit=2) == 2
    [purge] = [job for job in schedules.SCHEDULED_JOBS if job.name == "processed_events.purge"]
    assert await purge.run(db) == 3
    async with db.transaction(write=False) as session:
        assert (await session.execute(select(ProcessedEvent))).first() is None
