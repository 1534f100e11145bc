"""What the customer holds: coupons (valid ones first), points, the catalogue to spend them on,
and codes to redeem by typing them."""

import uuid

from bots.conversation.actions import Action, option_id
from bots.conversation.context import Conversation
from bots.conversation.flows.activities import coupon_qr, menu_option
from bots.conversation.messages import Option, Reply
from bots.conversation.texts import coupon_line, coupon_terms, refusal_text, reward_text
from core.clock import utcnow
from core.codes.flows import try_code
from core.coupons.service import coupon_view, customer_coupon, list_customer_coupons
from core.coupons.templates import get_template
from core.points import catalogue
from core.points.balances import points_view
from core.points.flows import exchange

SHOWN = 10


async def my_coupons(conv: Conversation) -> list[Reply]:
    t = conv.t
    page = await list_customer_coupons(
        conv.session,
        conv.merchant.id,
        conv.external_id,
        status="available",
        limit=SHOWN,
        cursor=None,
    )
    if not page.items:
        return [Reply(text=t("coupons.none"), options=(_activities(conv), menu_option(conv)))]
    ordered = sorted(page.items, key=lambda c: (c.valid_until is None, c.valid_until))
    lines = [coupon_line(t, coupon) for coupon in ordered]
    text = t("coupons.title") + "\n\n" + "\n\n".join(lines)
    if page.next_cursor:
        text += "\n\n" + t("coupons.more")
    options = tuple(
        Option(
            id=option_id(Action.SHOW_QR, coupon.id),
            title=t("button.show_qr", name=coupon.template_name),
        )
        for coupon in ordered[:3]
    )
    return [Reply(text=text, options=(*options, menu_option(conv)))]


async def coupon_code(conv: Conversation, coupon_id: uuid.UUID) -> list[Reply]:
    """One of the customer's own coupons as a QR code; anyone else's id finds nothing."""
    coupon = await customer_coupon(conv.session, conv.customer.id, coupon_id)
    if coupon is None:
        return await my_coupons(conv)
    template = await get_template(conv.session, conv.merchant.id, coupon.template_id)
    shown = coupon_view(coupon, template, conv.external_id, utcnow())
    return [coupon_qr(conv, shown.code, coupon_terms(conv.t, shown))]


async def my_points(conv: Conversation) -> list[Reply]:
    t = conv.t
    points = await points_view(
        conv.session, conv.merchant.id, conv.external_id, limit=1, cursor=None
    )
    text = t("points.balance", points=points.balance)
    if points.expiring_soon:
        text += "\n" + t("points.expiring", points=points.expiring_soon)
    items = (await catalogue.list_items(conv.session, conv.merchant.id, limit=8, cursor=None)).items
    options = tuple(
        Option(
            id=option_id(Action.EXCHANGE, item.id),
            title=t("points.exchange", name=item.name, cost=item.cost),
        )
        for item in items
    )
    if items:
        text += "\n\n" + t("points.catalogue")
    return [Reply(text=text, options=(*options, menu_option(conv)))]


async def exchange_item(conv: Conversation, item_id: uuid.UUID) -> list[Reply]:
    t = conv.t
    result = await exchange(conv.session, conv.merchant.id, conv.external_id, item_id)
    text = reward_text(t, result.reward) + "\n" + t("points.balance", points=result.balance)
    return [
        Reply(
            text=text,
            options=(
                Option(id=option_id(Action.MY_POINTS), title=t("button.my_points")),
                menu_option(conv),
            ),
        )
    ]


async def ask_for_code(conv: Conversation) -> list[Reply]:
    conv.identity.awaiting = "code"
    return [Reply(text=conv.t("code.ask"), options=(menu_option(conv),))]


async def redeem_typed_code(conv: Conversation, typed: str) -> list[Reply]:
    """Wrong codes count against the customer's attempts, as through the API."""
    tried = await try_code(
        conv.session,
        conv.merchant.id,
        conv.customer,
        typed,
        client_ip=None,
        limit=conv.settings.code_attempts_per_minute,
        now=utcnow(),
    )
    if tried.wrong is not None:
        retry = Option(id=option_id(Action.REDEEM_CODE), title=conv.t("button.try_another_code"))
        return [Reply(text=refusal_text(conv.t, tried.wrong), options=(retry, menu_option(conv)))]
    conv.identity.awaiting = None
    text = conv.t("code.redeemed") + "\n" + reward_text(conv.t, tried.redeemed.reward)
    options = (
        Option(id=option_id(Action.MY_COUPONS), title=conv.t("button.my_coupons")),
        menu_option(conv),
    )
    return [Reply(text=text, options=options)]


def _activities(conv: Conversation) -> Option:
    return Option(id=option_id(Action.ACTIVITIES), title=conv.t("button.activities"))
