"""The statistics consumer: every event, counted once, into daily counters."""

from sqlalchemy.ext.asyncio import AsyncSession

from core.events.service import EventEnvelope
from core.stats.service import count_event
from workers.consumers import Consumer


async def _count(session: AsyncSession, event: EventEnvelope) -> None:
    await count_event(session, event)


STATISTICS = Consumer(name="statistics", topics=("#",), handle=_count)
