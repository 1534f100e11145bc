"""Customers (manager and up): a search by name, shop id or chat address, filtered by channel
and paged by keyset for merchants with 100k+ customers; one customer's page with their chat
identities, coupons, points balance and ledger, and tries, each section paged on its own."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from core.activities.history import customer_plays
from core.coupons.service import list_customer_coupons
from core.customers.errors import CustomerNotFound
from core.customers.search import CHANNELS, identities_of, search_customers
from core.customers.service import customer_by_id
from core.points.balances import points_view
from core.staff.models import Role
from web.console.access import current, requires
from web.console.forms import Form, text
from web.console.pages import console_page, translator

bp = Blueprint("console_customers", url_prefix="/console/customers")

PAGE_SIZE = 50
SECTION_SIZE = 20
MAX_SEARCH_LENGTH = 128  # the longest shop id or chat address


def _search_form(request: Request) -> Form:
    """The search as typed, with a problem beside the field it belongs to."""
    t = translator(request, current(request))
    fields = ("q", "channel")
    form = Form(values={name: request.args.get(name, "") for name in fields}, fields=set(fields))
    if len(text(form.value("q"))) > MAX_SEARCH_LENGTH:
        form.errors["q"] = t("console.error.too_long", limit=MAX_SEARCH_LENGTH)
    if form.value("channel") not in ("", *CHANNELS):
        form.errors["channel"] = t("console.customers.unknown_channel")
    return form


@bp.get("/")
@requires(Role.MANAGER)
async def customer_list(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = _search_form(request)
    found = None
    if not form.errors:
        async with request.app.ctx.db.transaction(write=False) as session:
            found = await search_customers(
                session,
                who.merchant.id,
                text=text(form.value("q")),
                channel=form.value("channel") or None,
                limit=PAGE_SIZE,
                cursor=request.args.get("cursor"),
            )
    return console_page(
        request,
        who,
        "console/customers.html",
        422 if form.errors else 200,
        title=t("console.menu.customers"),
        form=form,
        channel_options=[("", t("console.customers.any_channel"))]
        + [(channel, t(f"console.customers.channel.{channel}")) for channel in CHANNELS],
        found=found,
    )


@bp.get("/<customer_id:uuid>")
@requires(Role.MANAGER)
async def customer_page(request: Request, customer_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    merchant_id = who.merchant.id
    async with request.app.ctx.db.transaction(write=False) as session:
        customer = await customer_by_id(session, merchant_id, customer_id)
        if customer is None:
            raise CustomerNotFound()
        identities = await identities_of(session, customer)
        coupons = await list_customer_coupons(
            session,
            merchant_id,
            customer.external_id,
            status=None,
            limit=SECTION_SIZE,
            cursor=request.args.get("coupons"),
        )
        points = await points_view(
            session,
            merchant_id,
            customer.external_id,
            limit=SECTION_SIZE,
            cursor=request.args.get("points"),
        )
        plays = await customer_plays(
            session, merchant_id, customer.id, limit=SECTION_SIZE, cursor=request.args.get("plays")
        )
    return console_page(
        request,
        who,
        "console/customer.html",
        title=customer.name or customer.external_id,
        customer=customer,
        identities=identities,
        coupons=coupons,
        points=points,
        plays=plays,
    )
