"""Webhooks out: the merchant's shop hears about events, signed, retried for up to a day.

Delivery rows are created here by a consumer (exactly once per endpoint and event) and sent by
a timed job (core/webhooks/delivery.py) that posts outside any transaction: a slow or failing
endpoint never holds a database lock, and never holds up other endpoints' deliveries.
"""

import json
import secrets
import uuid

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import get_owned, upsert_insert
from core.events.service import EventEnvelope
from core.pagination import Page, paginate
from core.webhooks.errors import DeliveryNotFound, EndpointNotFound
from core.webhooks.models import WebhookDelivery, WebhookEndpoint
from core.webhooks.schemas import EndpointCreate
from core.webhooks.urls import check_endpoint_url


async def create_endpoint(
    session: AsyncSession, merchant_id: uuid.UUID, data: EndpointCreate, *, allow_private: bool
) -> WebhookEndpoint:
    check_endpoint_url(data.url, allow_private=allow_private)
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        merchant_id=merchant_id,
        url=data.url,
        secret="whsec_" + secrets.token_urlsafe(32),
        event_types=sorted(set(data.events)),
        active=True,
        consecutive_failures=0,
        circuit_state="closed",
        circuit_times_opened=0,
        created_at=utcnow(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(
    session: AsyncSession, merchant_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint:
    return await get_owned(
        session, WebhookEndpoint, merchant_id, endpoint_id, EndpointNotFound(), lock=lock
    )


def _active_endpoints(merchant_id: uuid.UUID) -> Select[tuple[WebhookEndpoint]]:
    return select(WebhookEndpoint).where(
        WebhookEndpoint.merchant_id == merchant_id, WebhookEndpoint.active.is_(True)
    )


async def list_endpoints(session: AsyncSession, merchant_id: uuid.UUID) -> list[WebhookEndpoint]:
    rows = await session.scalars(
        _active_endpoints(merchant_id).order_by(WebhookEndpoint.created_at)
    )
    return list(rows)


async def deactivate_endpoint(
    session: AsyncSession, merchant_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    """Stop sending to an endpoint: what it has not received yet is cancelled, not sent."""
    endpoint = await get_endpoint(session, merchant_id, endpoint_id, lock=True)
    endpoint.active = False
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
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


async def get_delivery(
    session: AsyncSession, merchant_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    delivery = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.merchant_id == merchant_id,
        )
    )
    if delivery is None:
        raise DeliveryNotFound()
    return delivery


async def recent_deliveries(
    session: AsyncSession, merchant_id: uuid.UUID, endpoint_id: uuid.UUID, *, limit: int
) -> list[WebhookDelivery]:
    """An endpoint's latest deliveries, newest first (the console shows how it is doing now)."""
    await get_endpoint(session, merchant_id, endpoint_id)
    rows = await session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(rows)


async def queue_deliveries(session: AsyncSession, event: EventEnvelope) -> int:
    """One delivery per endpoint that wants this event; a redelivered event adds none. An
    endpoint registered after the event occurred never hears of it, however late the event
    is relayed."""
    endpoints = await session.scalars(
        _active_endpoints(event.merchant_id).where(WebhookEndpoint.created_at <= event.occurred_at)
    )
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
