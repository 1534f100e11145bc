"""The merchant's webhook endpoints and their deliveries."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse

from core.clock import utcnow
from core.webhooks import service
from core.webhooks.circuit import circuit_view
from core.webhooks.delivery import retry_given_up
from core.webhooks.models import WebhookEndpoint
from core.webhooks.schemas import (
    DeliveryList,
    DeliveryOut,
    EndpointCreate,
    EndpointList,
    EndpointOut,
)
from core.webhooks.transport import webhook_client
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.query import page_params
from web.responses import model_response

bp = api_blueprint("webhook_endpoints")


def _view(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=endpoint.event_types,
        secret=endpoint.secret,
        active=endpoint.active,
        circuit=circuit_view(endpoint, utcnow()),
        created_at=endpoint.created_at,
    )


@bp.post("/webhook-endpoints")
@document(
    summary="Register a URL of your shop for event types ('*' for all); deliveries are signed "
    "with the endpoint's secret and retried with backoff for up to 24 hours. The URL must be "
    "http(s) with a valid port, no user name, password or #fragment, and a public host",
    ok=(201, EndpointOut),
    body=EndpointCreate,
)
async def create(request: Request) -> HTTPResponse:
    data = parse_body(request, EndpointCreate)
    allow_private = request.app.ctx.settings.webhooks_allow_private
    async with request.app.ctx.db.transaction() as session:
        endpoint = await service.create_endpoint(
            session, current_merchant(request).id, data, allow_private=allow_private
        )
    return model_response(_view(endpoint), status=201)


@bp.get("/webhook-endpoints")
@document(summary="Active webhook endpoints", ok=(200, EndpointList))
async def list_all(request: Request) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        endpoints = await service.list_endpoints(session, current_merchant(request).id)
    return model_response(EndpointList(items=[_view(e) for e in endpoints]))


@bp.get("/webhook-endpoints/<endpoint_id:uuid>")
@document(
    summary="One endpoint, with its circuit: whether its deliveries are being attempted",
    ok=(200, EndpointOut),
    errors=(404,),
)
async def show(request: Request, endpoint_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        endpoint = await service.get_endpoint(session, current_merchant(request).id, endpoint_id)
    return model_response(_view(endpoint))


@bp.delete("/webhook-endpoints/<endpoint_id:uuid>")
@document(
    summary="Stop sending to an endpoint; its deliveries not yet made are cancelled",
    ok=(200, EndpointOut),
    errors=(404,),
)
async def deactivate(request: Request, endpoint_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        endpoint = await service.deactivate_endpoint(
            session, current_merchant(request).id, endpoint_id
        )
    return model_response(_view(endpoint))


@bp.get("/webhook-endpoints/<endpoint_id:uuid>/deliveries")
@document(
    summary="Deliveries to an endpoint, oldest first, with their attempts",
    ok=(200, DeliveryList),
    errors=(400, 404, 422),
)
async def deliveries(request: Request, endpoint_id: uuid.UUID) -> HTTPResponse:
    limit, cursor = page_params(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await service.list_deliveries(
            session, current_merchant(request).id, endpoint_id, limit=limit, cursor=cursor
        )
    items = [DeliveryOut.model_validate(d) for d in page.items]
    return model_response(DeliveryList(items=items, next_cursor=page.next_cursor))


@bp.post("/webhook-endpoints/<endpoint_id:uuid>/deliveries/<delivery_id:uuid>/retry")
@document(
    summary="Send a delivery given up on once more, now, and answer how it went; a delivery of "
    "another endpoint is not found, and one not given up on (or to an endpoint deleted) is 409",
    ok=(200, DeliveryOut),
    errors=(404, 409),
)
async def retry(request: Request, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> HTTPResponse:
    merchant_id = current_merchant(request).id
    async with webhook_client(request.app.ctx.settings) as client:
        await retry_given_up(request.app.ctx.db, client, merchant_id, endpoint_id, delivery_id)
    async with request.app.ctx.db.transaction(write=False) as session:
        delivery = await service.get_delivery(session, merchant_id, endpoint_id, delivery_id)
    return model_response(DeliveryOut.model_validate(delivery))
