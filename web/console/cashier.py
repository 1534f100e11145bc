"""The cashier screen, a shop counter on a phone: type (or scan into the field) a coupon's code
or a code of a code batch, see what it grants and whether it may be used, and redeem it.

A coupon is redeemed by core.redemptions against the order's amount typed (all or nothing, each
coupon used once; the order is one line of that amount). A batch's code is redeemed for the
customer typed, by core.codes' `try_code` as the API does: wrong guesses are counted, and a
code of another merchant is as unknown as a typo."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bots.conversation.i18n import Translator
from core.clock import utcnow
from core.codes.flows import try_code
from core.codes.service import code_by_text
from core.coupons.service import coupon_by_code, coupon_view
from core.customers.errors import CustomerNotFound
from core.customers.service import get_customer
from core.errors import ConfettiError
from core.redemptions.schemas import OrderIn, OrderItemIn, RedemptionRequest
from core.redemptions.service import redeem
from core.rewards.schemas import GrantedReward
from core.staff.models import Role
from web.console.access import current, requires
from web.console.counter_codes import code_at_counter
from web.console.forms import Form, money, read_fields, text, typed
from web.console.pages import console_page, translator
from web.refusals import page_refusal
from web.share.visitor import client_address

bp = Blueprint("console_cashier", url_prefix="/console/cashier")

COUNTER_SKU = "counter"  # the one line of an order typed at the counter


async def _page(request: Request, form: Form, status: int = 200, **context: object):
    """The screen, with the coupon or the batch's code the form's code names (if any)."""
    who = current(request)
    t = translator(request, who)
    coupon = code = None
    typed_code = form.value("code").strip()
    if typed_code:
        async with request.app.ctx.db.transaction(write=False) as session:
            found = await coupon_by_code(session, who.merchant.id, typed_code)
            in_batch = None if found else await code_by_text(session, who.merchant.id, typed_code)
            if in_batch is not None:
                code = await code_at_counter(session, t, *in_batch)
        if found is not None:
            held, template, customer = found
            coupon = coupon_view(held, template, customer.external_id, utcnow())
        elif code is None:
            form.errors.setdefault("code", t("console.cashier.unknown_any_code"))
    return console_page(
        request,
        who,
        "console/cashier.html",
        status,
        title=t("console.menu.cashier"),
        form=form,
        coupon=coupon,
        code=code,
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
        return await _page(request, form, refused.status, refusal=page_refusal(t, refused))
    return await _page(request, Form(), redeemed=redeemed)


@bp.post("/redeem-code")
@requires(Role.CASHIER)
async def redeem_code_at_counter(request: Request) -> HTTPResponse:
    """A batch's code for the customer typed (the shop's id for them, or a chat address such
    as `telegram:…`), who gets its reward."""
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    read = read_fields(form, {"code": text, "customer": text}, t)
    if not read.get("customer") and "customer" not in form.errors:
        form.errors["customer"] = t("console.error.required")
    if form.errors:
        return await _page(request, form, 422)
    try:
        async with request.app.ctx.db.transaction() as session:
            customer = await get_customer(session, who.merchant.id, read["customer"])
            tried = await try_code(
                session,
                who.merchant.id,
                customer,
                read["code"],
                client_ip=client_address(request),
                limit=request.app.ctx.settings.code_attempts_per_minute,
                now=utcnow(),
            )
        if tried.wrong is not None:  # refused only now: the wrong guess stays counted
            raise tried.wrong
    except CustomerNotFound:
        form.errors["customer"] = t("console.cashier.unknown_customer")
        return await _page(request, form, 404)
    except ConfettiError as refused:
        return await _page(request, form, refused.status, refusal=page_refusal(t, refused))
    return await _page(request, Form(), granted=_granted_text(t, tried.redeemed.reward))


def _granted_text(t: Translator, reward: GrantedReward) -> str:
    if reward.type == "points":
        return t("console.cashier.granted_points", points=reward.points)
    return t("console.cashier.granted_coupon", name=reward.coupon.template_name)
