"""Checkout: validate, redeem (idempotent), roll back."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse
from sqlalchemy.ext.asyncio import AsyncSession

from core.analytics.validations import count_failed_validations, refusals
from core.clock import utcnow
from core.merchants.models import Merchant
from core.redemptions import service
from core.redemptions.schemas import QuoteOut, RedemptionOut, RedemptionRequest
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.idempotent import once_per_key
from web.openapi_docs import document
from web.responses import model_response

bp = api_blueprint("redemptions")


@bp.post("/redemptions/validate")
@document(
    summary="Quote the discounts for an order; changes nothing",
    ok=(200, QuoteOut),
    body=RedemptionRequest,
    errors=(404,),
)
async def validate(request: Request) -> HTTPResponse:
    data = parse_body(request, RedemptionRequest)
    merchant = current_merchant(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        quote = await service.validate(session, merchant, data)
    if reasons := refusals(quote):
        async with request.app.ctx.db.transaction() as session:
            await count_failed_validations(session, merchant, reasons, utcnow())
    return model_response(quote)


@bp.post("/redemptions")
@document(
    summary="Redeem: apply the discounts and mark the coupons used. Needs an Idempotency-Key "
    "header; a retry with the same key and body gets the first answer",
    ok=(201, RedemptionOut),
    body=RedemptionRequest,
    errors=(400, 404, 409),
)
async def redeem(request: Request) -> HTTPResponse:
    async def work(
        session: AsyncSession, merchant: Merchant, data: RedemptionRequest
    ) -> RedemptionOut:
        return await service.redeem(session, merchant, data)

    return await once_per_key(request, "redemptions.create", RedemptionRequest, work)


@bp.get("/redemptions/<redemption_id:uuid>")
@document(summary="A redemption", ok=(200, RedemptionOut), errors=(404,))
async def get_redemption(request: Request, redemption_id: uuid.UUID) -> HTTPResponse:
    merchant_id = current_merchant(request).id
    async with request.app.ctx.db.transaction(write=False) as session:
        redemption = await service.get_redemption(session, merchant_id, redemption_id)
        view = await service.redemption_view(session, merchant_id, redemption)
    return model_response(view)


@bp.post("/redemptions/<redemption_id:uuid>/rollback")
@document(
    summary="Roll a redemption back (a refund): its coupons are available again if still "
    "valid. Idempotent",
    ok=(200, RedemptionOut),
    errors=(404,),
)
async def rollback(request: Request, redemption_id: uuid.UUID) -> HTTPResponse:
    merchant_id = current_merchant(request).id
    async with request.app.ctx.db.transaction() as session:
        redemption = await service.rollback(session, merchant_id, redemption_id)
        view = await service.redemption_view(session, merchant_id, redemption)
    return model_response(view)
