"""Webhook endpoints and deliveries for tests, as plain functions with overrides."""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from ipaddress import ip_address

import httpx
from sqlalchemy import insert, select

from core.addresses import IPAddress
from core.clock import utcnow
from core.db import Database
from core.events.service import EventEnvelope
from core.webhooks.delivery import deliver_due
from core.webhooks.models import WebhookDelivery, WebhookEndpoint
from core.webhooks.schemas import EndpointCreate
from core.webhooks.service import create_endpoint
from core.webhooks.transport import Resolve, system_resolve, webhook_client


async def endpoint(db: Database, merchant, url: str, *, events=("*",)) -> WebhookEndpoint:
    """Registered as the API would, but allowed on 127.0.0.1 where the test shop listens."""
    async with db.transaction() as session:
        data = EndpointCreate(url=url, events=list(events))
        return await create_endpoint(session, merchant.id, data, allow_private=True)


async def legacy_endpoint(db: Database, merchant, url: str) -> WebhookEndpoint:
    """An endpoint stored before its URL's rules were what they are: never checked."""
    row = WebhookEndpoint(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        url=url,
        secret="whsec_legacy",
        event_types=["*"],
        active=True,
        consecutive_failures=0,
        circuit_state="closed",
        circuit_times_opened=0,
        created_at=utcnow() - timedelta(days=30),
    )
    async with db.transaction() as session:
        session.add(row)
    return row


async def due_deliveries(
    db: Database,
    endpoint: WebhookEndpoint,
    count: int,
    *,
    attempts: int = 0,
    age: timedelta = timedelta(0),
) -> None:
    """`count` deliveries due now, created `age` ago after `attempts` failed attempts."""
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "endpoint_id": endpoint.id,
            "merchant_id": endpoint.merchant_id,
            "event_id": uuid.uuid4(),
            "event_type": "coupon.claimed",
            "body": '{"type":"coupon.claimed"}',
            "status": "pending",
            "attempts": attempts,
            "last_error": "HTTP 503" if attempts else None,
            "next_attempt_at": now - timedelta(seconds=1),
            "created_at": now - age,
        }
        for _ in range(count)
    ]
    async with db.transaction() as session:
        await session.execute(insert(WebhookDelivery), rows)


def event(merchant, type_: str = "coupon.claimed", *, occurred_at=None) -> EventEnvelope:
    return EventEnvelope(
        id=uuid.uuid4(),
        type=type_,
        merchant_id=merchant.id,
        occurred_at=occurred_at or utcnow(),
        payload={"coupon_id": "c-1"},
    )


async def deliveries(db: Database, endpoint_id: uuid.UUID | None = None) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.created_at, WebhookDelivery.id)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    async with db.transaction(write=False) as session:
        return list(await session.scalars(query))


class FakeResolver:
    """DNS as the test says, and a record of each name it was asked for."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            return await system_resolve(host, port)
        return [ip_address(address) for address in self.answers[host]]


def sending_client(
    db: Database, *, allow_private: bool = True, resolve: Resolve = system_resolve, **options
) -> httpx.AsyncClient:
    """The job's own client, by default allowed on 127.0.0.1 where the test shop listens."""
    settings = db.settings.model_copy(update={"webhooks_allow_private": allow_private})
    return webhook_client(settings, resolve=resolve, **options)


class InFlightGauge:
    """Counts the requests a client has sent and not yet had answers to, by path, and the most
    at once. Counted on the sender's side: a burst beyond a bound shows before any of it can
    reach the shop, so no timing can hide it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.most = 0
        self.most_by_path: Counter[str] = Counter()
        self._now: Counter[str] = Counter()
        client.event_hooks = {"request": [self._sent], "response": [self._answered]}

    async def _sent(self, request: httpx.Request) -> None:
        self._now[request.url.path] += 1
        self.most = max(self.most, self._now.total())
        path = request.url.path
        self.most_by_path[path] = max(self.most_by_path[path], self._now[path])

    async def _answered(self, response: httpx.Response) -> None:
        self._now[response.request.url.path] -= 1


async def deliver_all(db: Database, client: httpx.AsyncClient) -> int:
    """Runs of the sending job until one finds nothing to send: a run leases for a few seconds
    only, and on a loaded machine one run may not get through everything."""
    attempted = 0
    while sent := await deliver_due(db, client):
        attempted += sent
    return attempted
