"""The cashier screen, a shop counter on a phone: type (or scan into the field) a coupon's
code, see what it grants and whether it may be used, type the order's amount, redeem. The
redemption is core.redemptions' own (all or nothing, each coupon used once); the order is one
line of the amount typed."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from core.clock import utcnow
from core.coupons.service import coupon_by_code, coupon_view
from core.errors import ConfettiError
from core.redemptions.schemas import OrderIn, OrderItemIn, RedemptionRequest
from core.redemptions.service import redeem
from core.staff.models import Role
from web.console.access import current, requires
from web.console.forms import Form, money, read_fields, text, typed
from web.console.pages import console_page, translator

bp = Blueprint("console_cashier", url_prefix="/console/cashier")

COUNTER_SKU = "counter"  # the one line of an order typed at the counter


async def _page(request: Request, form: Form, status: int = 200, **context: object):
    """The screen, with the coupon the form's code names (if it names one)."""
    who = current(request)
    t = translator(request, who)
    coupon = None
    code = form.value("code").strip()
    if code:
        async with request.app.ctx.db.transaction(write=False) as session:
            found = await coupon_by_code(session, who.merchant.id, code)
        if found is None:
            form.errors.setdefault("code", t("console.cashier.unknown_code"))
        else:
            held, template, customer = found
            coupon = coupon_view(held, template, customer.external_id, utcnow())
    return console_page(
        request,
        who,
        "console/cashier.html",
        status,
        title=t("console.menu.cashier"),
        form=form,
        coupon=coupon,
        order_id=form.value("order_id") or f"counter-{uuid.uuid4().hex[:16]}",
        **context,
    )


@bp.get("/")
@requires(Role.CASHIER)
async def cashier(request: Request) -> HTTPResponse:
    return await _page(request, Form(values={"code": request.args.get("code", "")}))


@bp.post("/redeem")
@requires(Role.CASHIER)
async def redeem_at_counter(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    read = read_fields(
        form, {"code": text, "order_id": text, "amount": money(who.merchant.currency)}, t
    )
    if read.get("amount") is None and "amount" not in form.errors:
        form.errors["amount"] = t("console.error.required")
    if form.errors:
        return await _page(request, form, 422)
    async with request.app.ctx.db.transaction(write=False) as session:
        found = await coupon_by_code(session, who.merchant.id, read["code"])
    if found is None or found[2].external_id is None:
        return await _page(request, form, 404)
    order = OrderIn(
        id=read["order_id"][:64],
        currency=who.merchant.currency,
        items=[OrderItemIn(sku=COUNTER_SKU, unit_amount=read["amount"], quantity=1)],
    )
    try:
        async with request.app.ctx.db.transaction() as session:
            redeemed = await redeem(
                session,
                who.merchant,
                RedemptionRequest(customer=found[2].external_id, codes=[read["code"]], order=order),
            )
    except ConfettiError as refused:
        # Said in full (the coupon's own rules: a minimum order, its dates), above the form.
        return await _page(request, form, refused.status, refusal=refused.message)
    return await _page(request, Form(), redeemed=redeemed)
