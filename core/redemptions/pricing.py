"""Checkout pricing: which offers apply to an order, in which order, and how much each takes off.

Pure: frozen dataclasses in, frozen dataclasses out; no database, no I/O. Money is integer minor
units (cents), never floats; percents are `Decimal`.

An offer is either a coupon the customer presented (`ref` is its code) or one of the merchant's
automatic promotions (`is_promotion=True`, `ref` is `"promotion:<template id>"`). `quote` follows
these rules:

1. Consideration order. Coupons in the order given, then promotions in the order given.
2. Eligibility, judged on the original order, so the order of application never changes who
   qualifies. Checked in this order; the first that fails gives the reason:
   - the offer's currency differs from the order's → `currency_mismatch`;
   - `order.items_total` (before any discount, shipping excluded) < `min_order_amount`
     → `min_order_not_met`;
   - the offer is scoped and no order line matches its scope → `out_of_scope` (a line that
     matches but costs 0 still counts as a match);
   - `threshold` kind: the in-scope items amount (before any discount, shipping excluded)
     < `threshold` → `min_order_not_met`.
3. Stacking. Going through the eligible offers in consideration order, an offer is rejected
   `not_stackable` if it is non-stackable and another offer is already accepted, or if a
   non-stackable offer is already accepted. So a non-stackable coupon shuts out the coupons after
   it and every promotion; a non-stackable promotion applies only when no other offer does.
   An offer rejected for eligibility shuts nothing out.
4. Application order. Accepted `fixed` and `threshold` offers first, then `free_order`, then
   `percent`; within a group, in consideration order. Each offer works on what is left of its
   in-scope lines after the discounts applied before it.
5. Amounts, on the remaining eligible amount E:
   - `fixed`, `threshold`: min(amount_off, E);
   - `free_order`: min(E, max_discount);
   - `percent`: E * percent_off / 100 rounded half-up to a whole minor unit, once for the order
     (not per line), then capped by max_discount when set. It never exceeds E: percent_off is
     at most 100, and rounding half-up cannot pass the whole number E.
   An accepted offer with nothing left to discount is still listed as applied, for 0.
   `max_discount` is ignored on `fixed` and `threshold` offers.
6. Scope. A line is in scope if its sku is in `skus` or its category is in `categories`; an offer
   with both empty covers the whole order. Shipping is discounted only by a whole-order
   `free_order` offer, and then it is part of that offer's eligible amount.
7. Allocation. Each discount is split across its in-scope lines (and shipping, where eligible) in
   proportion to what is left of each, by the largest-remainder method: each part gets the floor
   of its exact share, then the leftover minor units go one each to the parts with the largest
   fractional remainders, ties to the earlier line (shipping counts as after the last line). The
   parts are whole minor units summing exactly to the discount, and later offers see the reduced
   remainders. `AppliedDiscount.allocation` holds the part of each order line (same order as
   `order.lines`, 0 for lines out of scope); `shipping_allocation` the part of shipping.
8. Guarantees. Every discount ≤ its eligible amount; total_discount ≤ order_total;
   payable = order_total - total_discount ≥ 0.

Offers that do not apply, coupons and promotions alike, come back in `Quote.rejected` with their
reason, in consideration order, and what it was measured by: `blocked_by` (for `not_stackable`,
the accepted offer it could not stack with: a non-stackable one if any, else the first), `needed`
and `had` (for `min_order_not_met`, the amount the offer asks for and the order's, counted over
the offer's scope when `scope_only`). Every offer given is either applied or rejected, exactly
once. The same coupon given twice is considered twice: refusing a code already used belongs to
the redemption service, which knows the coupon's state.

Validating input (ranges, formats, messages) is the API schemas' job. The dataclasses here raise
ValueError only for values no caller should ever build: money that is negative or not an int,
quantity < 1, percent_off that is not a Decimal in (0, 100], an unknown kind, or an offer missing
the field its kind needs (`amount_off` for fixed and threshold, `threshold` for threshold,
`max_discount` for free_order, `percent_off` for percent).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

OfferKind = Literal["fixed", "threshold", "free_order", "percent"]
PROMOTION_PREFIX = "promotion:"  # a promotion's ref: "promotion:<template id>"
RejectionReason = Literal["min_order_not_met", "out_of_scope", "not_stackable", "currency_mismatch"]

# The fields an offer of each kind cannot do without.
_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "fixed": ("amount_off",),
    "threshold": ("amount_off", "threshold"),
    "free_order": ("max_discount",),
    "percent": ("percent_off",),
}

# Rule 4: groups by kind, so the result never depends on the order the codes were typed in, and a
# percent is always taken from what is left after the amounts off.
_APPLICATION_GROUP: dict[str, int] = {"fixed": 0, "threshold": 0, "free_order": 1, "percent": 2}


def _require_money(name: str, value: object) -> None:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer in minor units, got {value!r}")


@dataclass(frozen=True)
class OrderLine:
    sku: str
    category: str | None
    unit_amount: int
    quantity: int

    def __post_init__(self) -> None:
        _require_money("unit_amount", self.unit_amount)
        if self.quantity < 1:
            raise ValueError(f"quantity must be >= 1, got {self.quantity!r}")

    @property
    def total(self) -> int:
        return self.unit_amount * self.quantity


@dataclass(frozen=True)
class Order:
    currency: str
    lines: tuple[OrderLine, ...]
    shipping_amount: int = 0

    def __post_init__(self) -> None:
        _require_money("shipping_amount", self.shipping_amount)

    @property
    def items_total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def total(self) -> int:
        return self.items_total + self.shipping_amount


@dataclass(frozen=True)
class Offer:
    ref: str
    kind: OfferKind
    currency: str
    amount_off: int | None = None
    threshold: int | None = None
    percent_off: Decimal | None = None
    max_discount: int | None = None
    min_order_amount: int = 0
    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    stackable: bool = True
    is_promotion: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _REQUIRED_FIELDS:
            raise ValueError(f"unknown offer kind {self.kind!r}")
        for name in _REQUIRED_FIELDS[self.kind]:
            if getattr(self, name) is None:
                raise ValueError(f"a {self.kind} offer needs {name}")
        for name in ("amount_off", "threshold", "max_discount", "min_order_amount"):
            if getattr(self, name) is not None:
                _require_money(name, getattr(self, name))
        if self.percent_off is not None and not _is_percent(self.percent_off):
            raise ValueError(f"percent_off must be a Decimal in (0, 100], got {self.percent_off!r}")

    @property
    def is_whole_order(self) -> bool:
        return not self.skus and not self.categories

    def covers(self, line: OrderLine) -> bool:
        return self.is_whole_order or line.sku in self.skus or line.category in self.categories


def _is_percent(value: object) -> bool:
    # is_finite first: comparing a Decimal NaN raises instead of answering.
    return isinstance(value, Decimal) and value.is_finite() and 0 < value <= 100


@dataclass(frozen=True)
class AppliedDiscount:
    ref: str
    kind: OfferKind
    amount: int
    eligible_amount: int
    position: int
    allocation: tuple[int, ...]  # the part taken off each order line, in order.lines order
    shipping_allocation: int  # the part taken off shipping


@dataclass(frozen=True)
class Rejection:
    ref: str
    reason: RejectionReason
    blocked_by: str | None = None  # not_stackable: the ref it could not stack with
    needed: int | None = None  # min_order_not_met: what the offer asks for
    had: int | None = None  # min_order_not_met: what the order has
    scope_only: bool = False  # min_order_not_met: counted over the offer's scope only


@dataclass(frozen=True)
class Quote:
    order_total: int
    applied: tuple[AppliedDiscount, ...]
    rejected: tuple[Rejection, ...]
    total_discount: int
    payable: int


def quote(order: Order, offers: Sequence[Offer]) -> Quote:
    """Price `order` with `offers`; see the module docstring for the rules."""
    accepted, rejected = _select_offers(order, _consideration_order(offers))
    applied = _apply_in_order(order, _application_order(accepted))
    total_discount = sum(discount.amount for discount in applied)
    return Quote(
        order_total=order.total,
        applied=applied,
        rejected=rejected,
        total_discount=total_discount,
        payable=order.total - total_discount,
    )


def _consideration_order(offers: Sequence[Offer]) -> list[Offer]:
    coupons = [offer for offer in offers if not offer.is_promotion]
    promotions = [offer for offer in offers if offer.is_promotion]
    return coupons + promotions


def _select_offers(order: Order, offers: list[Offer]) -> tuple[list[Offer], tuple[Rejection, ...]]:
    accepted: list[Offer] = []
    rejected: list[Rejection] = []
    for offer in offers:
        rejection = _ineligibility(order, offer) or _stacking_conflict(offer, accepted)
        if rejection is None:
            accepted.append(offer)
        else:
            rejected.append(rejection)
    return accepted, tuple(rejected)


def _ineligibility(order: Order, offer: Offer) -> Rejection | None:
    if offer.currency != order.currency:
        return Rejection(offer.ref, "currency_mismatch")
    if order.items_total < offer.min_order_amount:
        return Rejection(
            offer.ref, "min_order_not_met", needed=offer.min_order_amount, had=order.items_total
        )
    in_scope_lines = [line for line in order.lines if offer.covers(line)]
    if not offer.is_whole_order and not in_scope_lines:
        return Rejection(offer.ref, "out_of_scope")
    in_scope_total = sum(line.total for line in in_scope_lines)
    if offer.kind == "threshold" and in_scope_total < offer.threshold:
        return Rejection(
            offer.ref,
            "min_order_not_met",
            needed=offer.threshold,
            had=in_scope_total,
            scope_only=not offer.is_whole_order,
        )
    return None


def _stacking_conflict(offer: Offer, accepted: list[Offer]) -> Rejection | None:
    alone = [other for other in accepted if not other.stackable]
    if alone or (accepted and not offer.stackable):
        return Rejection(offer.ref, "not_stackable", blocked_by=(alone or accepted)[0].ref)
    return None


def _application_order(accepted: list[Offer]) -> list[Offer]:
    # sorted is stable, so consideration order holds within a group.
    return sorted(accepted, key=lambda offer: _APPLICATION_GROUP[offer.kind])


def _apply_in_order(order: Order, offers: list[Offer]) -> tuple[AppliedDiscount, ...]:
    remaining_lines = tuple(line.total for line in order.lines)
    remaining_shipping = order.shipping_amount
    applied: list[AppliedDiscount] = []
    for position, offer in enumerate(offers, start=1):
        discount = _apply_offer(order, offer, position, remaining_lines, remaining_shipping)
        remaining_lines = tuple(
            left - part for left, part in zip(remaining_lines, discount.allocation, strict=True)
        )
        remaining_shipping -= discount.shipping_allocation
        applied.append(discount)
    return tuple(applied)


def _apply_offer(
    order: Order,
    offer: Offer,
    position: int,
    remaining_lines: tuple[int, ...],
    remaining_shipping: int,
) -> AppliedDiscount:
    eligible_lines = tuple(
        left if offer.covers(line) else 0
        for line, left in zip(order.lines, remaining_lines, strict=True)
    )
    eligible_shipping = remaining_shipping if _discounts_shipping(offer) else 0
    eligible_amount = sum(eligible_lines) + eligible_shipping
    amount = _discount_amount(offer, eligible_amount)
    *allocation, shipping_allocation = _allocate_largest_remainder(
        amount, (*eligible_lines, eligible_shipping)
    )
    return AppliedDiscount(
        ref=offer.ref,
        kind=offer.kind,
        amount=amount,
        eligible_amount=eligible_amount,
        position=position,
        allocation=tuple(allocation),
        shipping_allocation=shipping_allocation,
    )


def _discounts_shipping(offer: Offer) -> bool:
    return offer.kind == "free_order" and offer.is_whole_order


def _discount_amount(offer: Offer, eligible_amount: int) -> int:
    if offer.kind in ("fixed", "threshold"):
        return min(offer.amount_off, eligible_amount)
    if offer.kind == "free_order":
        return min(offer.max_discount, eligible_amount)
    return _percent_discount(offer, eligible_amount)


def _percent_discount(offer: Offer, eligible_amount: int) -> int:
    # Never above eligible_amount: percent_off <= 100, and rounding half-up stops at that integer.
    amount = _percent_of(eligible_amount, offer.percent_off)
    if offer.max_discount is None:
        return amount
    return min(amount, offer.max_discount)


def _percent_of(amount: int, percent: Decimal) -> int:
    """`amount * percent / 100`, rounded half-up to a whole minor unit.

    Exact integer arithmetic rather than Decimal: the default Decimal context keeps 28 significant
    digits and would silently round a large enough product.
    """
    numerator, denominator = percent.as_integer_ratio()
    divisor = denominator * 100
    # floor(x + 1/2) with x = amount * numerator / divisor, all non-negative.
    return (2 * amount * numerator + divisor) // (2 * divisor)


def _allocate_largest_remainder(total: int, weights: tuple[int, ...]) -> tuple[int, ...]:
    """Split `total` (≤ sum of weights) into whole parts proportional to `weights`.

    Each part is at most its weight, so no line is ever discounted below zero.
    """
    weight_sum = sum(weights)
    if weight_sum == 0:
        return tuple(0 for _ in weights)  # nothing was eligible, so total is 0 too
    floors_and_remainders = [divmod(total * weight, weight_sum) for weight in weights]
    parts = [floor for floor, _ in floors_and_remainders]
    leftover = total - sum(parts)
    # sorted is stable, so equal remainders favour the earlier line.
    largest_first = sorted(range(len(weights)), key=lambda i: -floors_and_remainders[i][1])
    for index in largest_first[:leftover]:
        parts[index] += 1
    return tuple(parts)
