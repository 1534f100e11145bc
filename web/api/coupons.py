"""Coupon templates (incl. flash sales and promotions), claiming and issuing coupons."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from sanic_ext.extensions.openapi.definitions import Component

from core.clock import utcnow
from core.coupons import service, templates
from core.coupons.schemas import (
    ClaimRequest,
    CouponOut,
    CouponTemplateCreate,
    CouponTemplateList,
    CouponTemplateOut,
    CouponTemplatePatch,
    IssueRequest,
    IssueResult,
)
from core.jobs.schemas import JobOut
from web.api.jobs import accepted
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.query import page_params
from web.responses import model_response

bp = api_blueprint("coupons")


@bp.post("/coupon-templates")
@document(
    summary="Create a coupon template (a promotion if auto_apply; a flash sale if its claim "
    "window opens later with small stock)",
    ok=(201, CouponTemplateOut),
    body=CouponTemplateCreate,
)
async def create_template(request: Request) -> HTTPResponse:
    data = parse_body(request, CouponTemplateCreate)
    async with request.app.ctx.db.transaction() as session:
        template = await templates.create_template(
            session,
            current_merchant(request),
            data,
            shard_above=request.app.ctx.settings.stock_shard_above,
        )
        view = await templates.template_view(session, template)
    return model_response(view, status=201)


@bp.get("/coupon-templates")
@document(
    summary="List coupon templates, oldest first", ok=(200, CouponTemplateList), errors=(400, 422)
)
async def list_templates(request: Request) -> HTTPResponse:
    limit, cursor = page_params(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await templates.list_templates(
            session, current_merchant(request).id, limit=limit, cursor=cursor
        )
        now = utcnow()
        items = [await templates.template_view(session, t, now) for t in page.items]
    return model_response(CouponTemplateList(items=items, next_cursor=page.next_cursor))


@bp.get("/coupon-templates/<template_id:uuid>")
@document(summary="A coupon template", ok=(200, CouponTemplateOut), errors=(404,))
async def get_template(request: Request, template_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        template = await templates.get_template(session, current_merchant(request).id, template_id)
        view = await templates.template_view(session, template)
    return model_response(view)


@bp.patch("/coupon-templates/<template_id:uuid>")
@document(
    summary="Change a template (kind and currency stay)",
    ok=(200, CouponTemplateOut),
    body=CouponTemplatePatch,
    errors=(404, 409),
)
async def update_template(request: Request, template_id: uuid.UUID) -> HTTPResponse:
    patch = parse_body(request, CouponTemplatePatch)
    async with request.app.ctx.db.transaction() as session:
        template = await templates.update_template(
            session, current_merchant(request), template_id, patch
        )
        view = await templates.template_view(session, template)
    return model_response(view)


@bp.post("/coupon-templates/<template_id:uuid>/<action:pause|resume|archive>")
@document(
    summary="Pause, resume (also starts a draft) or archive a template",
    ok=(200, CouponTemplateOut),
    errors=(404, 409),
)
async def change_status(request: Request, template_id: uuid.UUID, action: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        template = await templates.change_status(
            session, current_merchant(request).id, template_id, action
        )
        view = await templates.template_view(session, template)
    return model_response(view)


@bp.post("/coupon-templates/<template_id:uuid>/claim")
@document(
    summary="A customer claims one coupon of this template",
    ok=(201, CouponOut),
    body=ClaimRequest,
    errors=(404, 409),
)
async def claim(request: Request, template_id: uuid.UUID) -> HTTPResponse:
    data = parse_body(request, ClaimRequest)
    async with request.app.ctx.db.transaction() as session:
        coupon, template, _ = await service.claim_coupon(
            session, current_merchant(request).id, template_id, data.customer
        )
    return model_response(service.coupon_view(coupon, template, data.customer, utcnow()), 201)


@bp.post("/coupons/issue")
@openapi.response(
    202, {"application/json": Component(JobOut)}, "Over 1,000 customers: accepted as a job"
)
@document(
    summary="Grant coupons of a template: up to 1,000 customers at once, reporting each "
    "outcome (200); up to 100,000 as a job to follow at its Location (202)",
    ok=(200, IssueResult),
    body=IssueRequest,
    errors=(404,),
)
async def issue(request: Request) -> HTTPResponse:
    data = parse_body(request, IssueRequest)
    merchant_id = current_merchant(request).id
    async with request.app.ctx.db.transaction() as session:
        if len(data.customers) > service.SYNC_ISSUE_LIMIT:
            return accepted(await service.start_issue_job(session, merchant_id, data))
        result = await service.issue_coupons(session, merchant_id, data)
    return model_response(result)
