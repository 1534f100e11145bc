"""Sending due deliveries: concurrently, endpoints in turn, and outside any transaction.

A run keeps up to `settings.webhook_concurrency` deliveries in flight, at most PER_ENDPOINT to
one endpoint. Whenever one finishes it leases more, choosing endpoints in turn: first each
merchant's endpoint served longest ago, then each merchant's next one, so neither one endpoint's
backlog nor one merchant's many endpoints keep another merchant's deliveries waiting. A lease
moves the delivery's next attempt LEASE ahead, and each attempt posts outside any transaction,
then records its outcome in a short one of its own: a worker that dies mid-run leaves its
leased deliveries to be tried again once the lease lapses, never lost.
"""

import asyncio
import hashlib
import hmac
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import ColumnElement, Row, func, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import Database
from core.webhooks.circuit import record_outcome, start_probe
from core.webhooks.errors import AddressRefused, DeliveryNotFound, DeliveryNotRetryable
from core.webhooks.models import WebhookDelivery, WebhookEndpoint

log = structlog.get_logger("confetti.webhooks")

SIGNATURE_HEADER = "X-Confetti-Signature"
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(minutes=2)  # longer than any attempt: the timeout is at most 60 s
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)
PER_ENDPOINT = 4
# A run stops leasing after this long and lets what is in flight finish: with the default 5 s
# timeout it ends within the 10 s for which its worker holds the `webhooks.send` job.
LEASING_SECONDS = 5.0
# An answer up to this long is read, so that its connection serves the next delivery.
REUSE_ANSWERS_UP_TO_BYTES = 64 * 1024


@dataclass(frozen=True)
class Leased:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secret: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None  # None: delivered


def sign(secret: str, timestamp: int, body: str) -> str:
    """`t=<unix time>,sha256=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp stops replays."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},sha256={digest.hexdigest()}"


def next_wait(attempts: int) -> timedelta:
    """Exponential backoff: 10 s, 20 s, 40 s, ... at most an hour between attempts."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


async def deliver_due(db: Database, client: httpx.AsyncClient) -> int:
    """Send due deliveries until none is left that may be sent now; returns how many were
    attempted."""
    total = db.settings.webhook_concurrency
    in_flight: Counter[uuid.UUID] = Counter()
    slot_freed = asyncio.Event()
    attempted = 0

    async def attempt(item: Leased) -> None:
        try:
            outcome = await _post(client, item, db.settings.webhook_timeout_seconds)
            await _record_attempt(db, item, outcome)
        except Exception:
            # Left leased: it is tried again when the lease lapses.
            log.exception("webhooks.attempt.errored", delivery_id=str(item.id))
        finally:
            in_flight[item.endpoint_id] -= 1
            slot_freed.set()

    await _give_up_expired(db)
    stop_leasing_at = time.monotonic() + LEASING_SECONDS
    async with asyncio.TaskGroup() as tasks:
        while time.monotonic() < stop_leasing_at:
            slot_freed.clear()
            room = total - in_flight.total()
            leased = await lease_due(db, room=room, busy=+in_flight) if room > 0 else []
            if not leased and not +in_flight:
                break
            for item in leased:
                in_flight[item.endpoint_id] += 1
                tasks.create_task(attempt(item))
            attempted += len(leased)
            await slot_freed.wait()
    return attempted


async def retry_given_up(
    db: Database,
    client: httpx.AsyncClient,
    merchant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> Outcome:
    """One more attempt, now, at a delivery given up on (a merchant's "retry" in the console
    or the API). A delivery of another endpoint, or of another merchant, is not found.

    It is leased like any other, so a second click meanwhile finds it not given up and sends
    nothing; being past the day of retries, it is given up again if this attempt fails."""
    now = utcnow()
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.endpoint_id == endpoint_id,
                    WebhookDelivery.merchant_id == merchant_id,
                )
            )
        ).first()
        if row is None:
            raise DeliveryNotFound()
        delivery, endpoint = row
        leased = await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "failed")
            .values(status="pending", next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if not endpoint.active or leased.rowcount != 1:
            raise DeliveryNotRetryable()
        item = Leased(
            delivery.id,
            endpoint.id,
            endpoint.url,
            endpoint.secret,
            delivery.body,
            delivery.created_at,
        )
    outcome = await _post(client, item, db.settings.webhook_timeout_seconds)
    await _record_attempt(db, item, outcome)
    return outcome


async def lease_due(db: Database, *, room: int, busy: Counter[uuid.UUID]) -> list[Leased]:
    """Take up to `room` due deliveries, endpoints in turn, each endpoint up to PER_ENDPOINT
    with those of `busy` already in flight (one, as a trial, while its circuit is half-open)."""
    now = utcnow()
    async with db.transaction() as session:
        full = [endpoint_id for endpoint_id, count in busy.items() if count >= PER_ENDPOINT]
        turns = await _endpoints_in_turn(session, now, limit=room, exclude=full)
        wanted = {
            row.id: (PER_ENDPOINT if row.circuit_state == "closed" else 1) - busy[row.id]
            for row in turns
        }
        candidates = await _first_due(session, now, {k: n for k, n in wanted.items() if n > 0})
        chosen = _in_turn(candidates, [row.id for row in turns])[:room]
        return await _take(session, now, chosen)


def _ready(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Endpoints that may be sent to: active, and closed or cooled off (or their trial lapsed)."""
    return (
        WebhookEndpoint.active.is_(True),
        or_(WebhookEndpoint.circuit_state == "closed", WebhookEndpoint.circuit_until <= now),
    )


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)


async def _endpoints_in_turn(
    session: AsyncSession, now: datetime, *, limit: int, exclude: list[uuid.UUID]
) -> list[Row]:
    """Ready endpoints with due deliveries: every merchant's least recently served one first
    (merchants by how long that one has waited), then every merchant's second, and so on."""
    endpoint = WebhookEndpoint
    has_due = select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint.id, *_due(now)
    )
    served = endpoint.last_attempt_at.nulls_first()
    turn = func.row_number().over(partition_by=endpoint.merchant_id, order_by=(served, endpoint.id))
    ready = (
        select(endpoint.id, endpoint.circuit_state, endpoint.last_attempt_at, turn.label("turn"))
        .where(*_ready(now), has_due.exists(), endpoint.id.not_in(exclude))
        .subquery()
    )
    query = (
        select(ready.c.id, ready.c.circuit_state)
        .order_by(ready.c.turn, ready.c.last_attempt_at.nulls_first(), ready.c.id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def _first_due(
    session: AsyncSession, now: datetime, wanted: dict[uuid.UUID, int]
) -> list[Row]:
    """Each endpoint's first `wanted[endpoint]` due deliveries: one small index range each,
    however long an endpoint's backlog."""
    if not wanted:
        return []
    firsts = [
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.endpoint_id == endpoint_id, *_due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(count)
        .subquery()
        for endpoint_id, count in wanted.items()
    ]
    return list((await session.execute(union_all(*(select(first) for first in firsts)))).all())


def _in_turn(candidates: list[Row], turns: list[uuid.UUID]) -> list[uuid.UUID]:
    """Round robin: every endpoint's first delivery, then every endpoint's second, ..."""
    position = {endpoint_id: index for index, endpoint_id in enumerate(turns)}
    rank: Counter[uuid.UUID] = Counter()
    ranked = []
    for row in sorted(candidates, key=lambda r: (r.next_attempt_at, r.id)):
        ranked.append((rank[row.endpoint_id], position[row.endpoint_id], row.id))
        rank[row.endpoint_id] += 1
    return [delivery_id for *_, delivery_id in sorted(ranked)]


async def _take(session: AsyncSession, now: datetime, chosen: list[uuid.UUID]) -> list[Leased]:
    """Lease the chosen deliveries that are still due, of endpoints still ready.

    Endpoint rows are locked first, in id order, as deleting an endpoint and recording an
    outcome lock them before deliveries: no two of these wait on each other in a circle."""
    if not chosen:
        return []
    endpoint_ids = select(WebhookDelivery.endpoint_id).where(WebhookDelivery.id.in_(chosen))
    endpoints = {
        endpoint.id: endpoint
        for endpoint in await session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(endpoint_ids), *_ready(now))
            .order_by(WebhookEndpoint.id)
            .with_for_update()
        )
    }
    leased = (
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(chosen),
                WebhookDelivery.endpoint_id.in_(list(endpoints)),
                *_due(now),
            )
            .values(next_attempt_at=now + LEASE)
            .returning(
                WebhookDelivery.id,
                WebhookDelivery.endpoint_id,
                WebhookDelivery.body,
                WebhookDelivery.created_at,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    for endpoint_id in {row.endpoint_id for row in leased}:
        endpoint = endpoints[endpoint_id]
        endpoint.last_attempt_at = now
        if endpoint.circuit_state != "closed":
            start_probe(endpoint, until=now + LEASE)
    await session.flush()
    return [
        Leased(
            id=row.id,
            endpoint_id=row.endpoint_id,
            url=endpoints[row.endpoint_id].url,
            secret=endpoints[row.endpoint_id].secret,
            body=row.body,
            created_at=row.created_at,
        )
        for row in leased
    ]


async def _give_up_expired(db: Database) -> None:
    """Due deliveries older than a day are given up, attempted or not (those behind an open
    circuit are never attempted)."""
    now = utcnow()
    async with db.transaction() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(*_due(now), WebhookDelivery.created_at < now - GIVE_UP_AFTER)
            .values(
                status="failed",
                last_error=func.coalesce(WebhookDelivery.last_error, "gave up after 24 hours"),
            )
            .execution_options(synchronize_session=False)
        )


async def _post(client: httpx.AsyncClient, item: Leased, seconds: float) -> Outcome:
    """One attempt. `seconds` bounds the whole attempt, not just each read: a shop that answers
    a byte at a time must not hold a delivery past its lease. The answer's body is never looked
    at: a short one is read to its end only so its connection goes back to the client's pool
    for the next delivery; a longer one is left, and its connection closed."""
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(item.secret, int(time.time()), item.body),
    }
    try:
        async with (
            asyncio.timeout(seconds),
            client.stream("POST", item.url, content=item.body.encode(), headers=headers) as answer,
        ):
            status_code = answer.status_code
            await _skip_short_body(answer)
    except AddressRefused as exc:
        return Outcome(None, str(exc))
    except TimeoutError:
        return Outcome(None, f"timed out after {seconds:g} s")
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= status_code < 300:
        return Outcome(status_code, None)
    return Outcome(status_code, f"HTTP {status_code}")


async def _skip_short_body(answer: httpx.Response) -> None:
    """Read an answer that says it is short; a failure to read it changes nothing: the shop
    has answered."""
    length = answer.headers.get("content-length", "")
    if length.isdigit() and int(length) <= REUSE_ANSWERS_UP_TO_BYTES:
        with suppress(httpx.HTTPError):
            await answer.aread()


async def _record_attempt(db: Database, item: Leased, outcome: Outcome) -> None:
    now = utcnow()
    async with db.transaction() as session:
        endpoint = await session.get(WebhookEndpoint, item.endpoint_id, with_for_update=True)
        delivery = await session.get(WebhookDelivery, item.id)
        if endpoint is None or delivery is None:
            return  # the merchant is gone, and its deliveries with it
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.error is None:
            delivery.status = "succeeded"  # even if cancelled meanwhile: it did arrive
            delivery.delivered_at = now
        elif delivery.status != "pending":
            pass  # cancelled while in flight: not retried
        elif now + next_wait(delivery.attempts) - item.created_at > GIVE_UP_AFTER:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + next_wait(delivery.attempts)
        record_outcome(endpoint, succeeded=outcome.error is None, now=now)
        await session.flush()
