"""The merchant console (`/console`): server-rendered pages for a merchant's staff.

Every route here has its origin checked on unsafe methods, and a refusal (a role too low, a
form from another site, something not found) is a page in the console's frame, not JSON."""

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from core.errors import ConfettiError
from web.console import (
    accounts,
    activities,
    api_keys,
    broadcasts,
    cashier,
    catalogue,
    channels,
    codes,
    coupons,
    customers,
    dashboard,
    points,
    try_it,
    webhooks,
)
from web.console.access import refuse_foreign_origin
from web.console.errors import error_page

bp = Blueprint.group(
    accounts.bp,
    dashboard.bp,
    coupons.bp,
    activities.bp,
    cashier.bp,
    customers.bp,
    codes.bp,
    points.bp,
    catalogue.bp,
    api_keys.bp,
    webhooks.bp,
    channels.bp,
    broadcasts.bp,
    try_it.bp,
)


@bp.middleware("request")
async def _check_origin(request: Request) -> None:
    refuse_foreign_origin(request)


@bp.exception(ConfettiError)
async def _refusal_page(request: Request, refusal: ConfettiError) -> HTTPResponse:
    return await error_page(request, refusal)
