"""The outbox relay: publishes committed events and removes them from the outbox.

Safe to run in several processes at once: on PostgreSQL each batch is claimed with
`FOR UPDATE SKIP LOCKED`; on SQLite the relay's write transaction holds the database's one write
lock. A crash between publish and delete publishes a batch again, which consumers absorb by
event id.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime

import structlog

from core.broker import Broker
from core.db import Database
from core.events.outbox import delete_published, take_outbox_batch
from core.events.outbox import requeue_unprocessed as requeue_events
from core.events.service import on_outbox_commit
from workers.consumers import Consumer
from workers.pacing import rest

log = structlog.get_logger("confetti.relay")


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
        """Publish one batch; return how many events went out. Should some publishes fail
        (the broker went away, or a busy machine kept their confirms past the timeout), those
        confirmed still leave the outbox before the first failure is raised: a batch that was
        all published again after each timeout would only add to the load that caused it."""
        async with self.db.transaction() as session:
            entries = await take_outbox_batch(session, self.batch_size)
            if not entries:
                return 0
            outcomes = await asyncio.gather(
                *(
                    self.broker.publish(
                        entry.topic, entry.body.encode(), message_id=str(entry.event_id)
                    )
                    for entry in entries
                ),
                return_exceptions=True,
            )
            published = [
                entry for entry, outcome in zip(entries, outcomes, strict=True) if outcome is None
            ]
            if published:
                await delete_published(session, published)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
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
    still queued): what its consumers had not processed goes back in the outbox."""
    wanted = {consumer.name: consumer.topics for consumer in consumers}
    async with db.transaction() as session:
        requeued = await requeue_events(session, wanted, since=since)
    if requeued:
        log.warning("outbox.requeued", count=requeued)
    return requeued
