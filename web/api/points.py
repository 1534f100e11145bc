"""Loyalty points: the merchant's policy and earning rules, orders, customers' balances and
ledgers, spending and adjusting (idempotent), and the rewards catalogue."""

import uuid
from functools import partial

from pydantic import BaseModel
from sanic import Request
from sanic.response import HTTPResponse
from sqlalchemy.ext.asyncio import AsyncSession

from core.customers.service import get_customer
from core.merchants.models import Merchant
from core.points import balances, catalogue, flows, policy, rules, service
from core.points.schemas import (
    AdjustRequest,
    CatalogueItemCreate,
    CatalogueItemOut,
    CatalogueList,
    ExchangeOut,
    ExchangeRequest,
    MovementOut,
    OrderPointsOut,
    OrderReport,
    PointsOut,
    PointsSettingsIn,
    PointsSettingsOut,
    RuleCreate,
    RuleList,
    RuleOut,
    SpendRequest,
)
from web.api.customers import EXTERNAL_ID
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.idempotent import once_per_key
from web.openapi_docs import document
from web.query import page_params
from web.responses import model_response

bp = api_blueprint("points")
CUSTOMER_POINTS = f"/customers/{EXTERNAL_ID}/points"


@bp.get("/points/settings")
@document(summary="The points expiry policy", ok=(200, PointsSettingsOut))
async def get_settings(request: Request) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        settings = await policy.get_settings(session, current_merchant(request).id)
    return model_response(settings)


@bp.put("/points/settings")
@document(
    summary="Set when points expire (applies to points earned from now on)",
    ok=(200, PointsSettingsOut),
    body=PointsSettingsIn,
)
async def put_settings(request: Request) -> HTTPResponse:
    data = parse_body(request, PointsSettingsIn)
    async with request.app.ctx.db.transaction() as session:
        settings = await policy.set_settings(session, current_merchant(request).id, data)
    return model_response(settings)


@bp.post("/points/rules")
@document(
    summary="Add an earning rule; one that duplicates a rule in force is refused "
    "(409 duplicate_rule)",
    ok=(201, RuleOut),
    body=RuleCreate,
    errors=(409,),
)
async def create_rule(request: Request) -> HTTPResponse:
    data = parse_body(request, RuleCreate)
    async with request.app.ctx.db.transaction() as session:
        rule, warnings = await rules.create_rule(session, current_merchant(request).id, data)
    view = RuleOut.model_validate(rule).model_copy(update={"warnings": warnings})
    return model_response(view, status=201)


@bp.get("/points/rules")
@document(summary="The earning rules, oldest first", ok=(200, RuleList))
async def list_rules(request: Request) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        found = await rules.list_rules(session, current_merchant(request).id)
    return model_response(RuleList(items=[RuleOut.model_validate(rule) for rule in found]))


@bp.delete("/points/rules/<rule_id:uuid>")
@document(summary="Delete an earning rule; returns it", ok=(200, RuleOut), errors=(404,))
async def delete_rule(request: Request, rule_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        rule = await rules.delete_rule(session, current_merchant(request).id, rule_id)
    return model_response(RuleOut.model_validate(rule))


@bp.post("/orders")
@document(
    summary="Report an order: paid earns points by the per_amount rules, refunded takes back "
    "what is left of them. Idempotent by order_id",
    ok=(200, OrderPointsOut),
    body=OrderReport,
    errors=(404,),
)
async def report_order(request: Request) -> HTTPResponse:
    data = parse_body(request, OrderReport)
    async with request.app.ctx.db.transaction() as session:
        result = await rules.report_order(session, current_merchant(request), data)
    return model_response(result)


@bp.get(CUSTOMER_POINTS)
@document(
    summary="A customer's balance, points expiring in 30 days, and ledger (newest first; "
    "?limit, ?cursor)",
    ok=(200, PointsOut),
    errors=(400, 404, 422),
)
async def customer_points(request: Request, external_id: str) -> HTTPResponse:
    limit, cursor = page_params(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        view = await balances.points_view(
            session, current_merchant(request).id, external_id, limit=limit, cursor=cursor
        )
    return model_response(view)


def _movement(change):
    """The work of a points endpoint that moves one customer's balance (spend, adjust)."""

    async def work(session: AsyncSession, merchant: Merchant, data, external_id: str) -> BaseModel:
        customer = await get_customer(session, merchant.id, external_id)
        entry = await change(
            session,
            merchant_id=merchant.id,
            customer_id=customer.id,
            points=data.points,
            reason=data.reason,
        )
        return await balances.movement_view(session, entry)

    return work


_spend = _movement(service.spend_points)
_adjust = _movement(service.adjust_points)


@bp.post(f"{CUSTOMER_POINTS}/spend")
@document(
    summary="Spend points (oldest-expiring first). Needs an Idempotency-Key header",
    ok=(201, MovementOut),
    body=SpendRequest,
    errors=(400, 404, 409),
)
async def spend(request: Request, external_id: str) -> HTTPResponse:
    return await once_per_key(
        request, "points.spend", SpendRequest, partial(_spend, external_id=external_id)
    )


@bp.post(f"{CUSTOMER_POINTS}/adjust")
@document(
    summary="Correct a balance by +/- points (never below 0). Needs an Idempotency-Key header",
    ok=(201, MovementOut),
    body=AdjustRequest,
    errors=(400, 404, 409),
)
async def adjust(request: Request, external_id: str) -> HTTPResponse:
    return await once_per_key(
        request, "points.adjust", AdjustRequest, partial(_adjust, external_id=external_id)
    )


@bp.post("/points/catalogue")
@document(
    summary="Add an item to the rewards catalogue",
    ok=(201, CatalogueItemOut),
    body=CatalogueItemCreate,
    errors=(404,),
)
async def create_item(request: Request) -> HTTPResponse:
    data = parse_body(request, CatalogueItemCreate)
    async with request.app.ctx.db.transaction() as session:
        item = await catalogue.create_item(session, current_merchant(request).id, data)
        view = await catalogue.item_view(session, item)
    return model_response(view, status=201)


@bp.get("/points/catalogue")
@document(summary="The rewards catalogue, oldest first", ok=(200, CatalogueList), errors=(400, 422))
async def list_items(request: Request) -> HTTPResponse:
    limit, cursor = page_params(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await catalogue.list_items(
            session, current_merchant(request).id, limit=limit, cursor=cursor
        )
        items = [await catalogue.item_view(session, item) for item in page.items]
    return model_response(CatalogueList(items=items, next_cursor=page.next_cursor))


@bp.get("/points/catalogue/<item_id:uuid>")
@document(summary="A catalogue item", ok=(200, CatalogueItemOut), errors=(404,))
async def get_item(request: Request, item_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        item = await catalogue.get_item(session, current_merchant(request).id, item_id)
        view = await catalogue.item_view(session, item)
    return model_response(view)


@bp.post(f"{CUSTOMER_POINTS}/exchange")
@document(
    summary="Exchange points for a catalogue item: spends and grants in one transaction. "
    "Needs an Idempotency-Key header",
    ok=(201, ExchangeOut),
    body=ExchangeRequest,
    errors=(400, 404, 409),
)
async def exchange(request: Request, external_id: str) -> HTTPResponse:
    async def work(session: AsyncSession, merchant: Merchant, data: ExchangeRequest) -> BaseModel:
        return await flows.exchange(session, merchant.id, external_id, data.item)

    return await once_per_key(request, "points.exchange", ExchangeRequest, work)
