"""Activities: lucky draw, marquee, red envelope, collection page."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse

from core.activities import checks, edits, service, views
from core.activities.flows import play
from core.activities.prizes import prizes_of
from core.activities.schemas import (
    ActivityCreate,
    ActivityList,
    ActivityOut,
    ActivityPatch,
    CollectionList,
    PlayRequest,
    PlayResult,
    ViewRecorded,
    ViewReport,
    WinnerList,
)
from core.activities.verify import recent_winners
from core.clock import utcnow
from core.customers.service import get_customer
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.query import page_params, text_param
from web.responses import model_response

bp = api_blueprint("activities")


def _base_url(request: Request) -> str:
    return request.app.ctx.settings.base_url


@bp.post("/activities")
@document(
    summary="Create an activity (a draft until published)",
    ok=(201, ActivityOut),
    body=ActivityCreate,
)
async def create(request: Request) -> HTTPResponse:
    data = parse_body(request, ActivityCreate)
    async with request.app.ctx.db.transaction() as session:
        activity = await service.create_activity(session, current_merchant(request), data)
        view = await views.activity_view(session, activity, _base_url(request))
    return model_response(view, status=201)


@bp.get("/activities")
@document(summary="List activities, oldest first", ok=(200, ActivityList), errors=(400, 422))
async def list_all(request: Request) -> HTTPResponse:
    limit, cursor = page_params(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await service.list_activities(
            session, current_merchant(request).id, limit=limit, cursor=cursor
        )
        now = utcnow()
        items = [await views.activity_view(session, a, _base_url(request), now) for a in page.items]
    return model_response(ActivityList(items=items, next_cursor=page.next_cursor))


@bp.get("/activities/<activity_id:uuid>")
@document(summary="An activity", ok=(200, ActivityOut), errors=(404,))
async def get_one(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await service.get_activity(session, current_merchant(request).id, activity_id)
        view = await views.activity_view(session, activity, _base_url(request))
    return model_response(view)


@bp.patch("/activities/<activity_id:uuid>")
@document(
    summary="Change an activity; once published, prizes and weights, a red envelope's pot and "
    "a collection's coupons are fixed, and stock may only rise",
    ok=(200, ActivityOut),
    body=ActivityPatch,
    errors=(404, 409),
)
async def update(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    patch = parse_body(request, ActivityPatch)
    async with request.app.ctx.db.transaction() as session:
        activity = await edits.update_activity(
            session, current_merchant(request).id, activity_id, patch
        )
        view = await views.activity_view(session, activity, _base_url(request))
    return model_response(view)


@bp.post("/activities/<activity_id:uuid>/<action:publish|pause|resume|end>")
@document(
    summary="Publish (checks everything, listing every problem), pause, resume or end",
    ok=(200, ActivityOut),
    errors=(404, 409, 422),
)
async def change_status(request: Request, activity_id: uuid.UUID, action: str) -> HTTPResponse:
    merchant_id = current_merchant(request).id
    async with request.app.ctx.db.transaction() as session:
        warnings = []
        if action == "publish":
            activity = await service.publish(session, merchant_id, activity_id)
            prizes = await prizes_of(session, activity.id)
            warnings = await checks.publish_warnings(session, activity, prizes)
        else:
            activity = await service.change_status(session, merchant_id, activity_id, action)
        view = await views.activity_view(session, activity, _base_url(request))
    return model_response(view.model_copy(update={"warnings": warnings}))


@bp.post("/activities/<activity_id:uuid>/play")
@document(
    summary="One try, whatever the kind; the answer carries the fairness proof",
    ok=(200, PlayResult),
    body=PlayRequest,
    errors=(404, 409),
)
async def play_once(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    data = parse_body(request, PlayRequest)
    async with request.app.ctx.db.transaction() as session:
        result = await play(session, current_merchant(request), activity_id, data)
    return model_response(result)


@bp.get("/activities/<activity_id:uuid>/winners")
@document(summary="Recent winners, names masked, for tickers", ok=(200, WinnerList), errors=(404,))
async def winners(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await service.get_activity(session, current_merchant(request).id, activity_id)
        items = await recent_winners(session, activity)
    return model_response(WinnerList(items=items))


@bp.get("/activities/<activity_id:uuid>/collection")
@document(
    summary="A collection page's coupons, with countdowns and stock; ?customer= adds which "
    "ones that customer holds",
    ok=(200, CollectionList),
    errors=(404,),
)
async def collection(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    who = text_param(request, "customer")
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await service.get_activity(session, current_merchant(request).id, activity_id)
        items = await views.collection_view(session, activity, who)
    return model_response(CollectionList(items=items))


@bp.post("/activities/<activity_id:uuid>/views")
@document(
    summary="Report that someone saw the activity (for analytics: who came, from where)",
    ok=(202, ViewRecorded),
    body=ViewReport,
    errors=(404,),
)
async def report_view(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    data = parse_body(request, ViewReport)
    merchant_id = current_merchant(request).id
    async with request.app.ctx.db.transaction() as session:
        activity = await service.get_activity(session, merchant_id, activity_id)
        customer_id = None
        if data.customer is not None:
            customer_id = (await get_customer(session, merchant_id, data.customer)).id
        await service.record_view(session, activity, customer_id, data.channel)
    return model_response(ViewRecorded(recorded=True), status=202)
