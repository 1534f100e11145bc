"""Webhook endpoints (owner only): add one, list them, see an endpoint's recent deliveries and
send a given-up one again, through core.webhooks. The events an endpoint hears are checkboxes
(or "all events"), read as the API's `events` list."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.clock import utcnow
from core.errors import ConfettiError
from core.staff.models import Role
from core.webhooks import service
from core.webhooks.circuit import circuit_view
from core.webhooks.delivery import retry_given_up
from core.webhooks.schemas import EVENT_TYPES, EndpointCreate
from core.webhooks.transport import webhook_client
from web.console.access import current, requires
from web.console.forms import (
    Form,
    add_refusal,
    read_fields,
    text,
    typed,
    validated,
    without_blanks,
)
from web.console.pages import console_page, translator

bp = Blueprint("console_webhooks", url_prefix="/console/webhooks")

RECENT_DELIVERIES = 20
ALL_EVENTS = "*"


async def _endpoints_page(
    request: Request, form: Form, chosen: list[str], *, status: int = 200
) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        endpoints = await service.list_endpoints(session, who.merchant.id)
    now = utcnow()
    return console_page(
        request,
        who,
        "console/webhooks.html",
        status,
        title=translator(request, who)("console.menu.webhooks"),
        endpoints=[(endpoint, circuit_view(endpoint, now)) for endpoint in endpoints],
        form=form,
        chosen=chosen,
        event_types=(ALL_EVENTS, *EVENT_TYPES),
    )


@bp.get("/")
@requires(Role.OWNER)
async def endpoint_list(request: Request) -> HTTPResponse:
    return await _endpoints_page(request, Form(), [])


@bp.post("/")
@requires(Role.OWNER)
async def add_endpoint(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request), fields={"events"})
    chosen = (request.form or {}).getlist("events", [])
    data = without_blanks(read_fields(form, {"url": text}, t)) | {"events": chosen}
    wanted = validated(EndpointCreate, data, form, t)
    if not chosen:
        form.errors["events"] = t("console.webhooks.pick_events")
    if wanted is None or form.errors:
        return await _endpoints_page(request, form, chosen, status=422)
    allow_private = request.app.ctx.settings.webhooks_allow_private
    try:
        async with request.app.ctx.db.transaction() as session:
            endpoint = await service.create_endpoint(
                session, who.merchant.id, wanted, allow_private=allow_private
            )
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _endpoints_page(request, form, chosen, status=refused.status)
    return redirect(f"/console/webhooks/{endpoint.id}", status=303)


@bp.get("/<endpoint_id:uuid>")
@requires(Role.OWNER)
async def endpoint_page(request: Request, endpoint_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        endpoint = await service.get_endpoint(session, who.merchant.id, endpoint_id)
        deliveries = await service.recent_deliveries(
            session, who.merchant.id, endpoint_id, limit=RECENT_DELIVERIES
        )
    return console_page(
        request,
        who,
        "console/webhook.html",
        title=endpoint.url,
        endpoint=endpoint,
        circuit=circuit_view(endpoint, utcnow()),
        deliveries=deliveries,
        retried=request.args.get("retried"),
    )


@bp.post("/<endpoint_id:uuid>/delete")
@requires(Role.OWNER)
async def delete_endpoint(request: Request, endpoint_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        await service.deactivate_endpoint(session, current(request).merchant.id, endpoint_id)
    return redirect("/console/webhooks/", status=303)


@bp.post("/<endpoint_id:uuid>/deliveries/<delivery_id:uuid>/retry")
@requires(Role.OWNER)
async def retry_delivery(
    request: Request, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> HTTPResponse:
    """Sent while the owner waits (at most the webhook timeout): the page then says how it went."""
    async with webhook_client(request.app.ctx.settings) as client:
        outcome = await retry_given_up(
            request.app.ctx.db, client, current(request).merchant.id, endpoint_id, delivery_id
        )
    result = "delivered" if outcome.error is None else "failed"
    return redirect(f"/console/webhooks/{endpoint_id}?retried={result}", status=303)
