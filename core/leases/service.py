"""Leases: of several worker processes, one at a time runs a given timed job.

A lease row names its holder and an expiry. Taking it is one conditional upsert: it succeeds if
the row is new, already ours, or expired, so a worker that dies loses its lease at the expiry.
"""

from datetime import timedelta

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import upsert_insert
from core.leases.models import JobLease


async def take_lease(session: AsyncSession, name: str, holder: str, duration: timedelta) -> bool:
    now = utcnow()
    statement = upsert_insert(session)(JobLease).values(
        name=name, holder=holder, expires_at=now + duration
    )
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + duration},
            where=or_(JobLease.holder == holder, JobLease.expires_at < now),
        )
    )
    return result.rowcount == 1
