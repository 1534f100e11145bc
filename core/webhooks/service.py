"""Webhooks out: the merchant's shop hears about events, signed, retried for up to a day.

Delivery rows are created by a consumer (exactly once per endpoint and event) and sent by a
timed job that leases a few due rows at a time, posts outside any transaction, and records the
outcome: a slow or failing endpoint never holds a database lock or a worker for long.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import Database, get_owned, upsert_insert
from core.errors import NotFound, ValidationFailed
from core.events.service import EventEnvelope
from core.pagination import Page, paginate
from core.webhooks.models import WebhookDelivery, WebhookEndpoint
from core.webhooks.schemas import EndpointCreate

SIGNATURE_HEADER = "X-Confetti-Signature"
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    message = "No webhook endpoint with that id."


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse URLs a merchant could use to make Confetti call into its own network."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("must be an http:// or https:// URL", field="url")
    if allow_private:
        return
    host = parts.hostname.lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise ValidationFailed("must not point at a local address", field="url")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
        raise ValidationFailed("must not point at a private or loopback address", field="url")


async def create_endpoint(
    session: AsyncSession, merchant_id: uuid.UUID, data: EndpointCreate, *, allow_private: bool
) -> WebhookEndpoint:
    check_url(data.url, allow_private=allow_private)
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        merchant_id=merchant_id,
        url=data.url,
        secret="whsec_" + secrets.token_urlsafe(32),
        event_types=sorted(set(data.events)),
        active=True,
        created_at=utcnow(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(
    session: AsyncSession, merchant_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    return await get_owned(session, WebhookEndpoint, merchant_id, endpoint_id, EndpointNotFound())


async def list_endpoints(session: AsyncSession, merchant_id: uuid.UUID) -> list[WebhookEndpoint]:
    rows = await session.execute(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.merchant_id == merchant_id, WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.created_at)
    )
    return list(rows.scalars())


async def deactivate_endpoint(
    session: AsyncSession, merchant_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    endpoint.active = False
    await session.flush()
    return endpoint


async def list_deliveries(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[WebhookDelivery]:
    await get_endpoint(session, merchant_id, endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    return await paginate(session, query, WebhookDelivery, limit=limit, cursor=cursor)


async def queue_deliveries(session: AsyncSession, event: EventEnvelope) -> int:
    """One delivery per endpoint that wants this event; a redelivered event adds none."""
    endpoints = await list_endpoints(session, event.merchant_id)
    wanted = [e for e in endpoints if "*" in e.event_types or event.type in e.event_types]
    body = json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "created_at": event.occurred_at.isoformat(),
            "data": event.payload,
        },
        separators=(",", ":"),
    )
    now = utcnow()
    for endpoint in wanted:
        await session.execute(
            upsert_insert(session)(WebhookDelivery)
            .values(
                id=uuid.uuid4(),
                endpoint_id=endpoint.id,
                merchant_id=event.merchant_id,
                event_id=event.id,
                event_type=event.type,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
    return len(wanted)


def sign(secret: str, timestamp: int, body: str) -> str:
    """`t=<unix time>,sha256=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp stops replays."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},sha256={digest.hexdigest()}"


def next_wait(attempts: int) -> timedelta:
    """Exponential backoff: 10 s, 20 s, 40 s, ... at most an hour between attempts."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


async def _lease_due(db: Database, batch_size: int) -> list[tuple[WebhookDelivery, str, str]]:
    """Take up to `batch_size` due deliveries for this worker (a short transaction)."""
    now = utcnow()
    async with db.transaction() as session:
        due = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True, of=WebhookDelivery)
            )
        ).all()
        for delivery, _, _ in due:
            delivery.next_attempt_at = now + LEASE
        return [(delivery, url, secret) for delivery, url, secret in due]


async def deliver_due(db: Database, client: httpx.AsyncClient, *, batch_size: int = 20) -> int:
    """Send the due deliveries once each; returns how many were attempted."""
    leased = await _lease_due(db, batch_size)
    for delivery, url, secret in leased:
        status_code, error = await _post(client, url, secret, delivery.body)
        await _record_attempt(db, delivery.id, delivery.created_at, status_code, error)
    return len(leased)


async def _post(
    client: httpx.AsyncClient, url: str, secret: str, body: str
) -> tuple[int | None, str | None]:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    try:
        response = await client.post(url, content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


async def _record_attempt(
    db: Database,
    delivery_id: uuid.UUID,
    created_at: datetime,
    status_code: int | None,
    error: str | None,
) -> None:
    now = utcnow()
    async with db.transaction() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        if error is None:
            delivery.status = "succeeded"
            delivery.delivered_at = now
        elif now + next_wait(delivery.attempts) - created_at > GIVE_UP_AFTER:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + next_wait(delivery.attempts)
        await session.flush()
