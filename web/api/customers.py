"""Customers, known by the shop's own id, and their coupons."""

from sanic import Request
from sanic.response import HTTPResponse

from core.coupons.schemas import CouponList
from core.coupons.service import list_customer_coupons
from core.customers import service
from core.customers.schemas import CustomerOut, CustomerUpsert
from core.points.rules import award_signup
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.query import choice_param, page_params
from web.responses import model_response

bp = api_blueprint("customers")
EXTERNAL_ID = r"<external_id:[A-Za-z0-9._:@+-]{1,128}>"


@bp.put(f"/customers/{EXTERNAL_ID}")
@document(
    summary="Create or update a customer by the shop's own id",
    ok=(200, CustomerOut),
    also_ok=(201,),
    body=CustomerUpsert,
    errors=(404,),
)
async def upsert_customer(request: Request, external_id: str) -> HTTPResponse:
    data = parse_body(request, CustomerUpsert)
    async with request.app.ctx.db.transaction() as session:
        merchant_id = current_merchant(request).id
        customer, created = await service.upsert_customer(session, merchant_id, external_id, data)
        if created:
            await award_signup(session, merchant_id, customer)
    return model_response(CustomerOut.model_validate(customer), status=201 if created else 200)


@bp.get(f"/customers/{EXTERNAL_ID}")
@document(summary="A customer by the shop's own id", ok=(200, CustomerOut), errors=(404,))
async def get_customer(request: Request, external_id: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        customer = await service.get_customer(session, current_merchant(request).id, external_id)
    return model_response(CustomerOut.model_validate(customer))


@bp.get(f"/customers/{EXTERNAL_ID}/coupons")
@document(
    summary="A customer's coupons; ?status=available|used|expired, ?limit, ?cursor",
    ok=(200, CouponList),
    errors=(400, 404, 422),
)
async def customer_coupons(request: Request, external_id: str) -> HTTPResponse:
    limit, cursor = page_params(request)
    status = choice_param(request, "status", ("available", "used", "expired"))
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await list_customer_coupons(
            session,
            current_merchant(request).id,
            external_id,
            status=status,
            limit=limit,
            cursor=cursor,
        )
    return model_response(CouponList(items=page.items, next_cursor=page.next_cursor))
