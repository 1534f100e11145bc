"""Checkout: validate (a quote that changes nothing), redeem (once), roll back (on refund).

Validate and redeem share one path, `_price_order`, so a redemption applies exactly what the
quote showed. Redeeming is all or nothing: if any presented code would be rejected, nothing is
redeemed and the answer names the code.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.code_alphabet import display_code, normalize_code
from core.coupons.models import Coupon, CouponTemplate
from core.coupons.templates import templates_by_id
from core.customers.models import Customer
from core.customers.service import get_customer
from core.db import get_owned
from core.events.service import record_event
from core.merchants.models import Merchant
from core.redemptions import pricing
from core.redemptions.errors import CouponRejected, RedemptionNotFound
from core.redemptions.models import Redemption, RedemptionDiscount
from core.redemptions.not_applied import idle_promotion, offer_ref, priced_out, refused_code
from core.redemptions.pricing import PROMOTION_PREFIX
from core.redemptions.schemas import (
    DiscountOut,
    NotAppliedOut,
    OrderIn,
    QuoteOut,
    RedemptionOut,
    RedemptionRequest,
    RejectedCode,
)


@dataclass
class PricedOrder:
    customer: Customer
    quote: QuoteOut
    coupons: dict[str, Coupon]  # by normalized code, those that applied
    templates: dict[uuid.UUID, CouponTemplate]


async def validate(
    session: AsyncSession, merchant: Merchant, request: RedemptionRequest
) -> QuoteOut:
    return (await _price_order(session, merchant, request, utcnow())).quote


async def _price_order(
    session: AsyncSession, merchant: Merchant, request: RedemptionRequest, now: datetime
) -> PricedOrder:
    customer = await get_customer(session, merchant.id, request.customer)
    presented = [normalize_code(code) for code in request.codes]
    coupons = await _coupons_by_code(session, merchant.id, presented)
    promotions, idle = await _active_promotions(session, merchant.id, now)
    templates = await templates_by_id(session, {c.template_id for c in coupons.values()})
    templates.update({promotion.id: promotion for promotion in promotions})

    not_applied: list[NotAppliedOut] = []
    offers: list[pricing.Offer] = []
    seen: set[str] = set()
    for raw, code in zip(request.codes, presented, strict=True):
        coupon = coupons.get(code)
        template = templates[coupon.template_id] if coupon is not None else None
        reason = _coupon_refusal(coupon, customer, now, code in seen)
        seen.add(code)
        if reason:
            not_applied.append(refused_code(raw, reason, coupon, template))
        else:
            offers.append(_offer(template, ref=code, amount_off=coupon.amount_off))
    offers += [_offer(p, ref=f"{PROMOTION_PREFIX}{p.id}", promotion=True) for p in promotions]

    result = pricing.quote(_order(request.order), offers)
    raw_by_code = dict(zip(presented, request.codes, strict=True))
    template_of = _template_finder(coupons, templates)
    not_applied += [
        priced_out(
            r, request.order.currency, raw_code=raw_by_code.get(r.ref), template_of=template_of
        )
        for r in result.rejected
    ]
    not_applied += idle
    quote = QuoteOut(
        order_id=request.order.id,
        currency=request.order.currency,
        order_total=result.order_total,
        discounts=[_discount_out(d, template_of(d.ref)) for d in result.applied],
        rejected=[
            RejectedCode(code=left.code, reason=left.reason)
            for left in not_applied
            if left.code is not None
        ],
        not_applied=not_applied,
        total_discount=result.total_discount,
        payable=result.payable,
    )
    applied = {d.ref: coupons[d.ref] for d in result.applied if d.ref in coupons}
    return PricedOrder(customer, quote, applied, templates)


def _template_finder(
    coupons: dict[str, Coupon], templates: dict[uuid.UUID, CouponTemplate]
) -> Callable[[str], CouponTemplate]:
    """The template of an offer, by its pricing ref (a coupon code or a promotion)."""

    def template_of(ref: str) -> CouponTemplate:
        if ref.startswith(PROMOTION_PREFIX):
            return templates[uuid.UUID(ref.removeprefix(PROMOTION_PREFIX))]
        return templates[coupons[ref].template_id]

    return template_of


def _coupon_refusal(
    coupon: Coupon | None, customer: Customer, now: datetime, duplicate: bool
) -> str | None:
    if coupon is None:
        return "not_found"
    if duplicate:
        return "duplicate"
    if coupon.customer_id != customer.id:
        return "not_owner"
    status = coupon.status_at(now)
    if status != "available":
        return status  # used | expired
    if coupon.valid_from is not None and now < coupon.valid_from:
        return "not_yet_valid"
    return None


async def _coupons_by_code(
    session: AsyncSession, merchant_id: uuid.UUID, codes: list[str]
) -> dict[str, Coupon]:
    if not codes:
        return {}
    rows = await session.execute(
        select(Coupon).where(Coupon.merchant_id == merchant_id, Coupon.code.in_(set(codes)))
    )
    return {coupon.code: coupon for coupon in rows.scalars()}


async def _active_promotions(
    session: AsyncSession, merchant_id: uuid.UUID, now: datetime
) -> tuple[list[CouponTemplate], list[NotAppliedOut]]:
    """The active auto-apply templates: those whose windows (claim and validity) include now,
    and why each of the others applies to no order now. Paused or archived ones are off."""
    query = (
        select(CouponTemplate)
        .where(
            CouponTemplate.merchant_id == merchant_id,
            CouponTemplate.auto_apply.is_(True),
            CouponTemplate.status == "active",
        )
        .order_by(CouponTemplate.created_at, CouponTemplate.id)
    )
    live, idle = [], []
    for template in (await session.execute(query)).scalars():
        left_out = idle_promotion(template, now)
        if left_out is None:
            live.append(template)
        else:
            idle.append(left_out)
    return live, idle


def _offer(
    template: CouponTemplate,
    *,
    ref: str,
    promotion: bool = False,
    amount_off: int | None = None,
) -> pricing.Offer:
    return pricing.Offer(
        ref=ref,
        kind=template.kind,
        currency=template.currency,
        amount_off=template.amount_off if amount_off is None else amount_off,
        threshold=template.threshold,
        percent_off=template.percent_off,
        max_discount=template.max_discount,
        min_order_amount=template.min_order_amount,
        skus=frozenset(template.scope_skus),
        categories=frozenset(template.scope_categories),
        stackable=template.stackable,
        is_promotion=promotion,
    )


def _order(order: OrderIn) -> pricing.Order:
    lines = tuple(
        pricing.OrderLine(
            sku=item.sku,
            category=item.category,
            unit_amount=item.unit_amount,
            quantity=item.quantity,
        )
        for item in order.items
    )
    return pricing.Order(
        currency=order.currency, lines=lines, shipping_amount=order.shipping_amount
    )


def _discount_out(applied: pricing.AppliedDiscount, template: CouponTemplate) -> DiscountOut:
    named = offer_ref(applied.ref, template)
    return DiscountOut(
        code=named.code,
        promotion_id=named.promotion_id,
        template_id=template.id,
        name=template.name,
        kind=applied.kind,
        amount=applied.amount,
        eligible_amount=applied.eligible_amount,
        position=applied.position,
    )


async def redeem(
    session: AsyncSession, merchant: Merchant, request: RedemptionRequest
) -> RedemptionOut:
    """Apply the quote and mark its coupons used; all or nothing."""
    now = utcnow()
    priced = await _price_order(session, merchant, request, now)
    refused = [left for left in priced.quote.not_applied if left.code is not None]
    if refused:
        first = refused[0]
        raise CouponRejected(
            first.code, first.reason, request.codes.index(first.code), first.message
        )
    redemption = Redemption(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        customer_id=priced.customer.id,
        order_id=request.order.id,
        currency=request.order.currency,
        order_total=priced.quote.order_total,
        total_discount=priced.quote.total_discount,
        not_applied=[left.model_dump(mode="json") for left in priced.quote.not_applied],
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    for discount in priced.quote.discounts:
        coupon = priced.coupons.get(normalize_code(discount.code)) if discount.code else None
        if coupon is not None:
            await _mark_used(session, coupon, now, request)
        session.add(_discount_row(redemption, discount, coupon))
        await record_event(
            session,
            merchant_id=merchant.id,
            type="coupon.redeemed" if coupon else "promotion.applied",
            payload={
                "redemption_id": str(redemption.id),
                "order_id": redemption.order_id,
                "template_id": str(discount.template_id),
                "coupon_id": str(coupon.id) if coupon else None,
                "customer_id": str(priced.customer.id),
                "amount": discount.amount,
                "currency": redemption.currency,
            },
        )
    await session.flush()
    return _redemption_out(redemption, priced.quote, request.customer)


async def _mark_used(
    session: AsyncSession, coupon: Coupon, now: datetime, request: RedemptionRequest
) -> None:
    # Conditional: of concurrent redemptions of one coupon, exactly one sees it available.
    result = await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == "available")
        .values(status="used", used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raw = next(c for c in request.codes if normalize_code(c) == coupon.code)
        why = "This coupon was used by another redemption at the same moment."
        raise CouponRejected(raw, "used", request.codes.index(raw), why)


def _discount_row(
    redemption: Redemption, discount: DiscountOut, coupon: Coupon | None
) -> RedemptionDiscount:
    return RedemptionDiscount(
        redemption_id=redemption.id,
        template_id=discount.template_id,
        coupon_id=coupon.id if coupon else None,
        ref=coupon.code if coupon else f"{PROMOTION_PREFIX}{discount.template_id}",
        kind=discount.kind,
        amount=discount.amount,
        eligible_amount=discount.eligible_amount,
        position=discount.position,
    )


def _redemption_out(redemption: Redemption, quote: QuoteOut, customer: str) -> RedemptionOut:
    return RedemptionOut(
        **quote.model_dump(),
        id=redemption.id,
        customer=customer,
        status=redemption.status,
        created_at=redemption.created_at,
        rolled_back_at=redemption.rolled_back_at,
    )


async def get_redemption(
    session: AsyncSession, merchant_id: uuid.UUID, redemption_id: uuid.UUID, *, lock: bool = False
) -> Redemption:
    return await get_owned(
        session, Redemption, merchant_id, redemption_id, RedemptionNotFound(), lock=lock
    )


async def rollback(
    session: AsyncSession, merchant_id: uuid.UUID, redemption_id: uuid.UUID
) -> Redemption:
    """Undo a redemption (a refund): its coupons are available again if still valid. Rolling
    back twice changes nothing the second time."""
    redemption = await get_redemption(session, merchant_id, redemption_id, lock=True)
    if redemption.status == "rolled_back":
        return redemption
    now = utcnow()
    redemption.status = "rolled_back"
    redemption.rolled_back_at = now
    for discount in redemption.discounts:
        if discount.coupon_id is None:
            continue
        await session.execute(
            update(Coupon)
            .where(Coupon.id == discount.coupon_id, Coupon.status == "used")
            .values(status="available", used_at=None)
            .execution_options(synchronize_session=False)
        )
        await record_event(
            session,
            merchant_id=merchant_id,
            type="coupon.rolled_back",
            payload={
                "redemption_id": str(redemption.id),
                "coupon_id": str(discount.coupon_id),
                "amount": discount.amount,
            },
        )
    await session.flush()
    return redemption


async def redemption_view(
    session: AsyncSession, merchant_id: uuid.UUID, redemption: Redemption
) -> RedemptionOut:
    customer = await session.get(Customer, redemption.customer_id)
    templates = await templates_by_id(session, {d.template_id for d in redemption.discounts})
    discounts = [
        DiscountOut(
            code=None if d.coupon_id is None else display_code(d.ref),
            promotion_id=d.template_id if d.coupon_id is None else None,
            template_id=d.template_id,
            name=templates[d.template_id].name,
            kind=d.kind,
            amount=d.amount,
            eligible_amount=d.eligible_amount,
            position=d.position,
        )
        for d in redemption.discounts
    ]
    return RedemptionOut(
        order_id=redemption.order_id,
        currency=redemption.currency,
        order_total=redemption.order_total,
        discounts=discounts,
        rejected=[],
        not_applied=[NotAppliedOut.model_validate(left) for left in redemption.not_applied],
        total_discount=redemption.total_discount,
        payable=redemption.order_total - redemption.total_discount,
        id=redemption.id,
        customer=customer.external_id or str(customer.id),
        status=redemption.status,
        created_at=redemption.created_at,
        rolled_back_at=redemption.rolled_back_at,
    )
