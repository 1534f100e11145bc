"""The one idempotency mechanism: a retried request gets the first answer, and changes nothing.

`run_once` does the work and records its answer in one transaction, after first inserting the
key. A concurrent request with the same key blocks on that insert (PostgreSQL: the unique index;
SQLite: the write lock) until the first commits, then replays its answer. A domain refusal is an
answer too and is kept (its own changes rolled back by a savepoint); an unexpected error rolls
everything back, key included, so the client may retry.
"""

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import upsert_insert
from core.errors import ConfettiError
from core.idempotency.errors import (
    MAX_KEY_LENGTH,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    IdempotencyKeyTooLong,
)
from core.idempotency.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def request_fingerprint(payload: object) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str:
    """The key without surrounding spaces. (Control characters in it were refused with those
    of every other header, where each request comes in.)"""
    key = (key or "").strip()
    if not key:
        raise IdempotencyKeyRequired()
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyTooLong(len(key))
    return key


async def run_once(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    scope: str,
    key: str,
    fingerprint: str,
    work: Callable[[], Awaitable[Answer]],
) -> Answer:
    """Run `work` once per (merchant, scope, key); later calls replay its answer."""
    if not await _claim_key(session, merchant_id, scope, key, fingerprint):
        return await _replay(session, merchant_id, scope, key, fingerprint)
    try:
        async with session.begin_nested():
            answer = await work()
    except ConfettiError as refusal:
        answer = Answer(refusal.status, refusal.as_dict())
    record = await session.get(IdempotencyRecord, (merchant_id, scope, key))
    record.response_status = answer.status
    record.response_body = json.dumps(answer.body, default=str)
    await session.flush()
    return answer


async def _claim_key(
    session: AsyncSession, merchant_id: uuid.UUID, scope: str, key: str, fingerprint: str
) -> bool:
    now = utcnow()
    # An expired record is forgotten, so the key may start over.
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.merchant_id == merchant_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at < now,
        )
    )
    insert = upsert_insert(session)
    result = await session.execute(
        insert(IdempotencyRecord)
        .values(
            merchant_id=merchant_id,
            scope=scope,
            key=key,
            request_hash=fingerprint,
            created_at=now,
            expires_at=now + KEEP_FOR,
        )
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


async def _replay(
    session: AsyncSession, merchant_id: uuid.UUID, scope: str, key: str, fingerprint: str
) -> Answer:
    record = (
        await session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.merchant_id == merchant_id,
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
            )
        )
    ).scalar_one()
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return Answer(record.response_status, json.loads(record.response_body))


async def purge_expired(session: AsyncSession) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < utcnow())
    )
    return result.rowcount
