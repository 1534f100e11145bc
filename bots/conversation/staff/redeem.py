"""`/redeem CODE` (cashier and up): a customer's coupon redeemed at the counter, as the
console's cashier screen does it: the code, what it grants, the order's amount, what the
customer then pays, confirm. The redemption is core.redemptions' own."""

import uuid

from bots.conversation.context import Conversation
from bots.conversation.messages import Reply
from bots.conversation.staff.values import read_amount
from bots.conversation.staff.wizard import BadValue, Choice, Prompt, Step, Values, Wizard
from bots.conversation.texts import coupon_line
from core.clock import utcnow
from core.coupons.schemas import CouponOut
from core.coupons.service import coupon_by_code, coupon_view
from core.redemptions.schemas import OrderIn, OrderItemIn, RedemptionRequest
from core.redemptions.service import redeem, validate
from core.staff.models import Role

COUNTER_SKU = "counter"  # the one line of an order typed at the counter, as in the console
CONFIRM = "redeem"


async def _coupon(conv: Conversation, code: str) -> CouponOut | None:
    found = await coupon_by_code(conv.session, conv.merchant.id, code)
    if found is None or found[2].external_id is None:
        return None
    held, template, customer = found
    return coupon_view(held, template, customer.external_id, utcnow())


async def _ask_code(conv: Conversation, values: Values) -> Prompt:
    return Prompt(conv.t("staff.redeem.ask_code"))


async def _read_code(conv: Conversation, text: str, values: Values) -> str:
    coupon = await _coupon(conv, text) if text else None
    if coupon is None:
        raise BadValue("staff.redeem.unknown_code")
    if coupon.status != "available":
        raise BadValue(f"staff.redeem.coupon_{coupon.status}")
    return coupon.code


async def _ask_amount(conv: Conversation, values: Values) -> Prompt:
    coupon = await _coupon(conv, str(values["code"]))
    assert coupon is not None  # read at the step before; a coupon is never deleted
    text = coupon_line(conv.t, coupon) + "\n\n" + conv.t("staff.redeem.ask_amount")
    return Prompt(text)


async def _read_amount(conv: Conversation, text: str, values: Values) -> int:
    amount = read_amount(text, conv.merchant.currency)
    # The order's id is fixed with its amount: one wizard is one order at the counter.
    values.setdefault("order_id", f"bot-{uuid.uuid4().hex[:16]}")
    return amount


def _request(conv: Conversation, values: Values, customer: str) -> RedemptionRequest:
    order = OrderIn(
        id=str(values["order_id"]),
        currency=conv.merchant.currency,
        items=[OrderItemIn(sku=COUNTER_SKU, unit_amount=int(values["amount"]), quantity=1)],
    )
    return RedemptionRequest(customer=customer, codes=[str(values["code"])], order=order)


async def _ask_confirm(conv: Conversation, values: Values) -> Prompt:
    t = conv.t
    coupon = await _coupon(conv, str(values["code"]))
    assert coupon is not None and coupon.customer is not None
    quote = await validate(conv.session, conv.merchant, _request(conv, values, coupon.customer))
    money = conv.merchant.currency
    if quote.rejected or quote.total_discount == 0:
        reason = next((left.message for left in quote.not_applied if left.code), "")
        return Prompt(t("staff.redeem.not_applicable", reason=reason))
    text = t(
        "staff.redeem.preview",
        code=coupon.code,
        order=t.money(quote.order_total, money),
        discount=t.money(quote.total_discount, money),
        pays=t.money(quote.order_total - quote.total_discount, money),
    )
    return Prompt(text, choices=(Choice(CONFIRM, t("staff.button.redeem")),))


async def _read_confirm(conv: Conversation, text: str, values: Values) -> str:
    if text != CONFIRM:
        raise BadValue("staff.value.press_button")
    return text


async def _finish(conv: Conversation, values: Values) -> list[Reply]:
    coupon = await _coupon(conv, str(values["code"]))
    if coupon is None or coupon.customer is None:
        return [Reply(text=conv.t("staff.redeem.unknown_code"))]
    redeemed = await redeem(conv.session, conv.merchant, _request(conv, values, coupon.customer))
    t, money = conv.t, conv.merchant.currency
    text = t(
        "staff.redeem.done",
        code=coupon.code,
        discount=t.money(redeemed.total_discount, money),
        pays=t.money(redeemed.order_total - redeemed.total_discount, money),
    )
    return [Reply(text=text)]


REDEEM = Wizard(
    name="redeem",
    least_role=Role.CASHIER,
    steps=(
        Step("code", _ask_code, _read_code),
        Step("amount", _ask_amount, _read_amount),
        Step("confirm", _ask_confirm, _read_confirm),
    ),
    finish=_finish,
)
