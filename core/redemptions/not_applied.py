"""What a quote leaves out, and why, in words a shop can show: each code given that takes nothing
off, and each active promotion that does not apply to the order (outside its dates, in another
currency, below its minimum, out of scope, or not stackable with what applies)."""

from collections.abc import Callable
from datetime import UTC, datetime

from core.code_alphabet import display_code
from core.coupons.models import Coupon, CouponTemplate
from core.money import money_text
from core.redemptions import pricing
from core.redemptions.pricing import PROMOTION_PREFIX
from core.redemptions.schemas import NotAppliedOut, OfferRef

SCOPE_SHOWN = 5


def refused_code(
    raw: str, reason: str, coupon: Coupon | None, template: CouponTemplate | None
) -> NotAppliedOut:
    """A code refused before pricing, for what the coupon itself is (unknown, used, expired...)."""
    return NotAppliedOut(
        code=raw,
        promotion_id=None,
        name=template.name if template is not None else None,
        reason=reason,
        message=_coupon_state(reason, coupon),
    )


def _coupon_state(reason: str, coupon: Coupon | None) -> str:
    if coupon is None:
        return "No coupon has this code."
    if reason == "duplicate":
        return "This code is given more than once; it counts once."
    if reason == "not_owner":
        return "This coupon belongs to another customer."
    if reason == "used":
        return f"This coupon was used at {_when(coupon.used_at)}."
    if reason == "expired":
        return f"This coupon expired at {_when(coupon.valid_until)}."
    return f"This coupon is valid from {_when(coupon.valid_from)}."


def idle_promotion(template: CouponTemplate, now: datetime) -> NotAppliedOut | None:
    """An active promotion outside its claim window or validity: it applies to no order now."""
    starts = [t for t in (template.claim_starts_at, template.valid_from) if t and now < t]
    ends = [t for t in (template.claim_ends_at, template.valid_until) if t and now >= t]
    if ends:
        reason, message = "expired", f"The promotion ended at {_when(min(ends))}."
    elif starts:
        reason, message = "not_yet_valid", f"The promotion starts at {_when(max(starts))}."
    else:
        return None
    return _promotion(template, reason, message)


def priced_out(
    rejection: pricing.Rejection,
    currency: str,
    *,
    raw_code: str | None,
    template_of: Callable[[str], CouponTemplate],
) -> NotAppliedOut:
    """An offer that pricing rejected for this order (`raw_code` is None for a promotion);
    `template_of` finds the template of an offer by its pricing ref."""
    template = template_of(rejection.ref)
    blocked_by = None
    subject = "This promotion" if raw_code is None else "This coupon"
    if rejection.reason == "currency_mismatch":
        message = f"{subject} is in {template.currency}; the order is in {currency}."
    elif rejection.reason == "min_order_not_met":
        message = _shortfall(rejection, currency)
    elif rejection.reason == "out_of_scope":
        message = f"{subject} applies only to {_scope(template)}; no item of the order is."
    else:
        blocking = template_of(rejection.blocked_by)
        blocked_by = offer_ref(rejection.blocked_by, blocking)
        message = _not_stackable(blocked_by, blocking)
    if raw_code is None:
        out = _promotion(template, rejection.reason, message)
    else:
        out = NotAppliedOut(
            code=raw_code,
            promotion_id=None,
            name=template.name,
            reason=rejection.reason,
            message=message,
        )
    return out.model_copy(update={"blocked_by": blocked_by})


def offer_ref(ref: str, template: CouponTemplate) -> OfferRef:
    """How a quote names an offer: a coupon by its code, a promotion by its template."""
    if ref.startswith(PROMOTION_PREFIX):
        return OfferRef(code=None, promotion_id=template.id, name=template.name)
    return OfferRef(code=display_code(ref), promotion_id=None, name=template.name)


def _promotion(template: CouponTemplate, reason: str, message: str) -> NotAppliedOut:
    return NotAppliedOut(
        code=None, promotion_id=template.id, name=template.name, reason=reason, message=message
    )


def _shortfall(rejection: pricing.Rejection, currency: str) -> str:
    needed, had = money_text(rejection.needed, currency), money_text(rejection.had, currency)
    items = "items in its scope" if rejection.scope_only else "items"
    return (
        f"Needs {items} worth {needed} (before discounts, shipping not counted); "
        f"the order has {had}."
    )


def _scope(template: CouponTemplate) -> str:
    parts = []
    for label, values in (("SKUs", template.scope_skus), ("categories", template.scope_categories)):
        if values:
            shown = ", ".join(values[:SCOPE_SHOWN])
            more = f" and {len(values) - SCOPE_SHOWN} more" if len(values) > SCOPE_SHOWN else ""
            parts.append(f"{label} {shown}{more}")
    return " and ".join(parts)


def _not_stackable(ref: OfferRef, template: CouponTemplate) -> str:
    named = ref.code or f"the promotion '{ref.name}'"
    if not template.stackable:
        return f"Not stackable with {named}, which applies and is used alone."
    return f"Not stackable with {named}, which applies: this one is used alone."


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
