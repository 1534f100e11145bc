"""Analytics: per activity (funnel, prizes, money) and per tool (coupons, refused codes,
points, code batches). Each answers JSON, or with `?format=csv` streams its `rows` as CSV.
And an activity's forecast before launch, simulated from its configuration."""

import uuid
from collections.abc import Callable, Iterable
from itertools import islice
from typing import get_args

from pydantic import BaseModel, TypeAdapter, ValidationError
from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from sanic_ext.extensions.openapi.definitions import Component
from sanic_ext.extensions.openapi.types import Schema

from core.activities.service import get_activity
from core.analytics.codes import code_batch_report
from core.analytics.coupons import coupon_report
from core.analytics.filters import CHANNELS, Filters
from core.analytics.forecast import forecast, plan_forecast
from core.analytics.funnel import DEFAULT_WINDOW_DAYS, activity_funnel
from core.analytics.money import money_report
from core.analytics.points import points_report
from core.analytics.prizes import prize_report
from core.analytics.schemas import (
    CodeBatchReport,
    CouponReport,
    Forecast,
    ForecastRequest,
    Funnel,
    MoneyReport,
    PointsReport,
    PrizeReport,
    ValidationReport,
)
from core.analytics.validations import validation_report
from core.clock import UtcTimestamp
from core.csv_text import csv_text
from core.errors import ValidationFailed
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.query import choice_param
from web.responses import model_response

bp = api_blueprint("analytics")
PREFIX = "/analytics"
ACTIVITY = f"{PREFIX}/activities/<activity_id:uuid>"
MAX_WINDOW_DAYS = 366
CSV_CHUNK = 500
_TIMESTAMP = TypeAdapter(UtcTimestamp)
_QUERY = (
    ("from", Schema(type="string", format="date-time"), "From this moment (ISO 8601, inclusive)"),
    ("to", Schema(type="string", format="date-time"), "Until this moment (exclusive)"),
    ("channel", Schema(type="string", enum=list(CHANNELS)), "Only this channel"),
    ("format", Schema(type="string", enum=["json", "csv"]), "csv: the rows, streamed as CSV"),
)


def analytics_route(
    path: str, summary: str, report: type[BaseModel], *, window: bool = False
) -> Callable[[Callable], Callable]:
    """A GET route documented with its report (JSON, or its rows as CSV) and its query
    parameters; an activity's report is a 404 for another merchant's activity."""

    def decorate(handler: Callable) -> Callable:
        errors = (404,) if path.startswith(ACTIVITY) else ()
        handler = document(summary=summary, ok=(200, report), errors=errors)(handler)
        both = {"application/json": Component(report), "text/csv": {"schema": {"type": "string"}}}
        handler = openapi.response(200, both, "Success: JSON, or with ?format=csv CSV")(handler)
        parameters = _QUERY
        if window:
            days = Schema(type="integer", minimum=0, maximum=MAX_WINDOW_DAYS)
            parameters += (("window_days", days, "Days after the end that still count (7)"),)
        for name, schema, description in parameters:
            handler = openapi.parameter(name, schema, "query", description=description)(handler)
        return bp.get(path)(handler)

    return decorate


def filters_of(request: Request, *, by_channel: bool = True) -> Filters:
    channel = choice_param(request, "channel", CHANNELS)
    if channel is not None and not by_channel:
        raise ValidationFailed(
            "this report is not recorded by channel; leave channel out", field="channel"
        )
    filters = Filters(_moment(request, "from"), _moment(request, "to"), channel)
    if filters.start and filters.end and filters.end <= filters.start:
        raise ValidationFailed("to must be after from", field="to")
    return filters


def _moment(request: Request, name: str):
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return _TIMESTAMP.validate_python(value)
    except ValidationError:
        raise ValidationFailed(
            f"{name} must be an ISO 8601 time with an offset, such as 2026-12-01T00:00:00Z",
            field=name,
        ) from None


def _window_days(request: Request) -> int:
    raw = request.args.get("window_days", str(DEFAULT_WINDOW_DAYS))
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_WINDOW_DAYS:
        raise ValidationFailed(
            f"window_days must be a whole number from 0 to {MAX_WINDOW_DAYS}", field="window_days"
        )
    return int(raw)


async def answer(request: Request, report: BaseModel, name: str) -> HTTPResponse | None:
    """The report as JSON; or, with ?format=csv, its rows streamed as CSV."""
    if choice_param(request, "format", ("json", "csv")) != "csv":
        return HTTPResponse(report.model_dump_json(), content_type="application/json")
    rows = report.rows
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
    (row_model,) = get_args(type(report).model_fields["rows"].annotation)
    await response.send(csv_text([list(row_model.model_fields)]))
    for chunk in _chunks(rows):
        await response.send(csv_text(_csv_cells(row) for row in chunk))
    await response.eof()
    return None


def _csv_cells(row: BaseModel) -> list:
    """The row's values as its JSON has them (true/false, not Python's True/False)."""
    return [
        str(value).lower() if isinstance(value, bool) else value
        for value in row.model_dump(mode="json").values()
    ]


def _chunks(rows: Iterable[BaseModel]) -> Iterable[list[BaseModel]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CSV_CHUNK)):
        yield chunk


@analytics_route(
    f"{ACTIVITY}/funnel",
    "An activity's funnel: viewed, joined, played, won, reward used; by day, channel, and "
    "new or returning customer",
    Funnel,
    window=True,
)
async def funnel(request: Request, activity_id: uuid.UUID) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters, days = filters_of(request), _window_days(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await get_activity(session, merchant.id, activity_id)
        report = await activity_funnel(session, merchant, activity, filters, window_days=days)
    return await answer(request, report, f"funnel-{activity_id}")


@analytics_route(
    f"{ACTIVITY}/prizes",
    "An activity's prizes: drawn, granted, won, winners, stock left and when it runs out",
    PrizeReport,
)
async def prizes(request: Request, activity_id: uuid.UUID) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters = filters_of(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await get_activity(session, merchant.id, activity_id)
        report = await prize_report(session, activity, filters)
    return await answer(request, report, f"prizes-{activity_id}")


@analytics_route(
    f"{ACTIVITY}/money",
    "An activity's cost against its budget, influenced revenue, influence rate and ROI, for "
    "new and returning customers",
    MoneyReport,
)
async def money(request: Request, activity_id: uuid.UUID) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters = filters_of(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await get_activity(session, merchant.id, activity_id)
        report = await money_report(session, merchant, activity, filters)
    return await answer(request, report, f"money-{activity_id}")


@analytics_route(
    f"{PREFIX}/coupons",
    "Coupon templates: claimed, redeemed, redemption rate, discount given, average order with "
    "and without a coupon (not by channel)",
    CouponReport,
)
async def coupons(request: Request) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters = filters_of(request, by_channel=False)
    async with request.app.ctx.db.transaction(write=False) as session:
        report = await coupon_report(session, merchant, filters)
    return await answer(request, report, "coupons")


@analytics_route(
    f"{PREFIX}/validations",
    "Codes refused at checkout quotes, by reason and merchant-local day",
    ValidationReport,
)
async def validations(request: Request) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters = filters_of(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        report = await validation_report(session, merchant, filters)
    return await answer(request, report, "validations")


@analytics_route(
    f"{PREFIX}/points",
    "Points issued, spent and expired, and the liability outstanding (not by channel)",
    PointsReport,
)
async def points(request: Request) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters = filters_of(request, by_channel=False)
    async with request.app.ctx.db.transaction(write=False) as session:
        report = await points_report(session, merchant, filters)
    return await answer(request, report, "points")


@analytics_route(
    f"{PREFIX}/code-batches",
    "Code batches by partner: codes, left, handed out and redeemed (not by channel)",
    CodeBatchReport,
)
async def code_batches(request: Request) -> HTTPResponse | None:
    merchant = current_merchant(request)
    filters = filters_of(request, by_channel=False)
    async with request.app.ctx.db.transaction(write=False) as session:
        report = await code_batch_report(session, merchant, filters)
    return await answer(request, report, "code-batches")


@bp.post("/activities/<activity_id:uuid>/forecast")
@document(
    summary="A draw activity's forecast, in any status: cost p50/p90/p99, the chance of hitting "
    "the budget, and per prize the expected wins and the chance it runs out (Monte Carlo)",
    ok=(200, Forecast),
    body=ForecastRequest,
    errors=(404,),
)
async def activity_forecast(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    merchant = current_merchant(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        # Whose activity it is comes first: another merchant's is a 404 whatever the body.
        activity = await get_activity(session, merchant.id, activity_id)
        planned = await plan_forecast(
            session, merchant, activity, parse_body(request, ForecastRequest)
        )
    # Simulated after the transaction: the runs take seconds and need no connection.
    return model_response(await forecast(planned))
