from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.redemptions.pricing import Offer, Order, OrderLine, Quote, Rejection, quote

# --- factories -------------------------------------------------------------------------------


def line(
    sku: str = "sku-1", *, category: str | None = None, unit_amount: int = 1000, quantity: int = 1
) -> OrderLine:
    return OrderLine(sku=sku, category=category, unit_amount=unit_amount, quantity=quantity)


def order(*lines: OrderLine, shipping_amount: int = 0, currency: str = "EUR") -> Order:
    return Order(currency=currency, lines=lines or (line(),), shipping_amount=shipping_amount)


def fixed(ref: str = "FIXED", amount_off: int = 100, **overrides: object) -> Offer:
    return Offer(ref=ref, kind="fixed", currency="EUR", amount_off=amount_off, **overrides)


def threshold(
    ref: str = "SPEND", threshold: int = 5000, amount_off: int = 500, **overrides: object
) -> Offer:
    return Offer(
        ref=ref,
        kind="threshold",
        currency="EUR",
        threshold=threshold,
        amount_off=amount_off,
        **overrides,
    )


def free_order(ref: str = "FREE", max_discount: int = 10_000, **overrides: object) -> Offer:
    return Offer(ref=ref, kind="free_order", currency="EUR", max_discount=max_discount, **overrides)


def percent(ref: str = "PCT", percent_off: str = "10", **overrides: object) -> Offer:
    return Offer(
        ref=ref, kind="percent", currency="EUR", percent_off=Decimal(percent_off), **overrides
    )


def as_promotion(offer: Offer, template_id: int = 1) -> Offer:
    return replace(offer, ref=f"promotion:{template_id}", is_promotion=True)


def applied_amounts(result: Quote) -> dict[str, int]:
    return {discount.ref: discount.amount for discount in result.applied}


def rejection_reasons(result: Quote) -> dict[str, str]:
    return {rejection.ref: rejection.reason for rejection in result.rejected}


# --- impossible values -----------------------------------------------------------------------


def test_order_line_with_negative_unit_amount_raises() -> None:
    with pytest.raises(ValueError, match="unit_amount"):
        line(unit_amount=-1)


def test_order_line_with_zero_quantity_raises() -> None:
    with pytest.raises(ValueError, match="quantity"):
        line(quantity=0)


def test_order_with_negative_shipping_raises() -> None:
    with pytest.raises(ValueError, match="shipping_amount"):
        order(shipping_amount=-1)


def test_offer_with_negative_amount_off_raises() -> None:
    with pytest.raises(ValueError, match="amount_off"):
        fixed(amount_off=-1)


def test_offer_with_float_money_raises() -> None:
    with pytest.raises(ValueError, match="min_order_amount"):
        fixed(min_order_amount=10.5)


@pytest.mark.parametrize("percent_off", ["0", "-5", "100.01", "NaN"])
def test_percent_outside_zero_to_hundred_raises(percent_off: str) -> None:
    with pytest.raises(ValueError, match="percent_off"):
        percent(percent_off=percent_off)


def test_percent_given_as_float_raises() -> None:
    with pytest.raises(ValueError, match="percent_off"):
        Offer(ref="PCT", kind="percent", currency="EUR", percent_off=12.5)


def test_free_order_without_max_discount_raises() -> None:
    with pytest.raises(ValueError, match="max_discount"):
        Offer(ref="FREE", kind="free_order", currency="EUR")


def test_threshold_without_threshold_raises() -> None:
    with pytest.raises(ValueError, match="threshold"):
        Offer(ref="SPEND", kind="threshold", currency="EUR", amount_off=500)


def test_unknown_offer_kind_raises() -> None:
    with pytest.raises(ValueError, match="kind"):
        Offer(ref="BOGO", kind="buy_one_get_one", currency="EUR")


# --- eligibility -----------------------------------------------------------------------------


def test_quote_without_offers_charges_the_order_total() -> None:
    result = quote(order(line(unit_amount=1500), shipping_amount=300), [])

    assert result == Quote(
        order_total=1800, applied=(), rejected=(), total_discount=0, payable=1800
    )


def test_currency_mismatch_rejected() -> None:
    result = quote(order(currency="EUR"), [replace(fixed(), currency="USD")])

    assert rejection_reasons(result) == {"FIXED": "currency_mismatch"}


def test_currency_mismatch_is_reported_before_other_reasons() -> None:
    offer = replace(fixed(min_order_amount=10**9, skus=frozenset({"elsewhere"})), currency="USD")

    assert rejection_reasons(quote(order(), [offer])) == {"FIXED": "currency_mismatch"}


def test_min_order_not_met_rejected() -> None:
    result = quote(order(line(unit_amount=999)), [fixed(min_order_amount=1000)])

    assert rejection_reasons(result) == {"FIXED": "min_order_not_met"}


def test_min_order_ignores_shipping() -> None:
    result = quote(
        order(line(unit_amount=900), shipping_amount=500), [fixed(min_order_amount=1000)]
    )

    assert rejection_reasons(result) == {"FIXED": "min_order_not_met"}


def test_min_order_is_judged_before_any_discount() -> None:
    offers = [
        fixed("FIRST", amount_off=500),
        fixed("SECOND", amount_off=100, min_order_amount=1000),
    ]

    result = quote(order(line(unit_amount=1000)), offers)

    assert applied_amounts(result) == {"FIRST": 500, "SECOND": 100}


def test_scoped_offer_matching_no_line_is_rejected_out_of_scope() -> None:
    offer = fixed(skus=frozenset({"sku-9"}), categories=frozenset({"hats"}))

    result = quote(order(line("sku-1", category="shoes")), [offer])

    assert rejection_reasons(result) == {"FIXED": "out_of_scope"}


def test_scoped_offer_matching_a_free_line_applies_for_zero() -> None:
    result = quote(order(line("gift", unit_amount=0)), [fixed(skus=frozenset({"gift"}))])

    assert applied_amounts(result) == {"FIXED": 0}


def test_threshold_below_threshold_is_rejected_min_order_not_met() -> None:
    result = quote(order(line(unit_amount=4999)), [threshold(threshold=5000)])

    assert rejection_reasons(result) == {"SPEND": "min_order_not_met"}


def test_threshold_met_exactly_applies() -> None:
    result = quote(order(line(unit_amount=5000)), [threshold(threshold=5000, amount_off=500)])

    assert applied_amounts(result) == {"SPEND": 500}


def test_threshold_counts_only_in_scope_lines() -> None:
    lines = (line("a", category="shoes", unit_amount=3000), line("b", unit_amount=9000))
    offer = threshold(threshold=5000, categories=frozenset({"shoes"}))

    assert rejection_reasons(quote(order(*lines), [offer])) == {"SPEND": "min_order_not_met"}


def test_threshold_ignores_shipping() -> None:
    result = quote(order(line(unit_amount=4000), shipping_amount=2000), [threshold(threshold=5000)])

    assert rejection_reasons(result) == {"SPEND": "min_order_not_met"}


def test_promotion_that_does_not_apply_is_rejected_with_what_it_needed() -> None:
    promotion = as_promotion(fixed(min_order_amount=10**6))

    result = quote(order(), [promotion])

    assert (result.applied, result.rejected) == (
        (),
        (Rejection("promotion:1", "min_order_not_met", needed=10**6, had=1000),),
    )


def test_a_scoped_threshold_not_reached_says_it_counted_its_scope_only() -> None:
    offer = threshold("SPEND", threshold=2000, skus=frozenset({"A"}))

    result = quote(order(line("A", unit_amount=1500), line("B", unit_amount=5000)), [offer])

    assert result.rejected == (
        Rejection("SPEND", "min_order_not_met", needed=2000, had=1500, scope_only=True),
    )


# --- stacking --------------------------------------------------------------------------------


def test_stackable_offers_all_apply() -> None:
    offers = [fixed("A", amount_off=100), fixed("B", amount_off=200), as_promotion(percent())]

    result = quote(order(line(unit_amount=10_000)), offers)

    assert applied_amounts(result) == {"A": 100, "B": 200, "promotion:1": 970}


def test_non_stackable_coupon_shuts_out_later_coupons() -> None:
    offers = [fixed("ALONE", stackable=False), fixed("LATER")]

    result = quote(order(), offers)

    assert (applied_amounts(result), rejection_reasons(result)) == (
        {"ALONE": 100},
        {"LATER": "not_stackable"},
    )


def test_non_stackable_coupon_after_an_accepted_coupon_is_rejected() -> None:
    offers = [fixed("FIRST"), fixed("ALONE", stackable=False)]

    result = quote(order(), offers)

    assert rejection_reasons(result) == {"ALONE": "not_stackable"}


def test_non_stackable_coupon_shuts_out_promotions_naming_itself() -> None:
    offers = [as_promotion(percent()), fixed("ALONE", stackable=False)]

    result = quote(order(), offers)

    assert (applied_amounts(result), result.rejected) == (
        {"ALONE": 100},
        (Rejection("promotion:1", "not_stackable", blocked_by="ALONE"),),
    )


def test_non_stackable_promotion_does_not_apply_next_to_a_coupon_it_names() -> None:
    offers = [as_promotion(percent(stackable=False)), fixed("COUPON")]

    result = quote(order(), offers)

    assert (applied_amounts(result), result.rejected) == (
        {"COUPON": 100},
        (Rejection("promotion:1", "not_stackable", blocked_by="COUPON"),),
    )


def test_non_stackable_promotion_applies_when_it_is_the_only_offer() -> None:
    result = quote(order(), [as_promotion(percent(stackable=False))])

    assert applied_amounts(result) == {"promotion:1": 100}


def test_ineligible_non_stackable_coupon_shuts_nothing_out() -> None:
    offers = [fixed("TOO_BIG", stackable=False, min_order_amount=10**6), fixed("SMALL")]

    result = quote(order(), offers)

    assert (applied_amounts(result), rejection_reasons(result)) == (
        {"SMALL": 100},
        {"TOO_BIG": "min_order_not_met"},
    )


def test_coupons_are_considered_before_promotions_given_earlier() -> None:
    offers = [as_promotion(fixed(stackable=False)), fixed("COUPON", stackable=False)]

    result = quote(order(), offers)

    assert applied_amounts(result) == {"COUPON": 100}


# --- application order and amounts -----------------------------------------------------------


def test_fixed_before_percent_regardless_of_code_order() -> None:
    offers = [percent("PCT", "10"), fixed("FIXED", amount_off=2000)]

    result = quote(order(line(unit_amount=10_000)), offers)

    assert [(d.ref, d.eligible_amount, d.amount) for d in result.applied] == [
        ("FIXED", 10_000, 2000),
        ("PCT", 8000, 800),
    ]


def test_free_order_applies_after_amounts_off_and_before_percent() -> None:
    offers = [percent(), free_order(max_discount=1000), threshold(threshold=0, amount_off=500)]

    result = quote(order(line(unit_amount=10_000)), offers)

    assert [d.ref for d in result.applied] == ["SPEND", "FREE", "PCT"]


def test_applied_positions_count_from_one_in_application_order() -> None:
    offers = [percent(), fixed("A"), fixed("B")]

    result = quote(order(), offers)

    assert [(d.ref, d.position) for d in result.applied] == [("A", 1), ("B", 2), ("PCT", 3)]


def test_fixed_takes_at_most_what_is_left() -> None:
    offers = [fixed("A", amount_off=700), fixed("B", amount_off=700)]

    result = quote(order(line(unit_amount=1000)), offers)

    assert [(d.eligible_amount, d.amount) for d in result.applied] == [(1000, 700), (300, 300)]


def test_accepted_offer_with_nothing_left_applies_for_zero() -> None:
    offers = [fixed("ALL", amount_off=1000), percent()]

    result = quote(order(line(unit_amount=1000)), offers)

    assert applied_amounts(result) == {"ALL": 1000, "PCT": 0}


def test_percent_rounds_half_up_once_per_order() -> None:
    # Per line, 10 % of 5 is 0.5 → 1 each, 3 in all; once for the order, 10 % of 15 is 1.5 → 2.
    lines = (line("a", unit_amount=5), line("b", unit_amount=5), line("c", unit_amount=5))

    result = quote(order(*lines), [percent(percent_off="10")])

    assert applied_amounts(result) == {"PCT": 2}


def test_percent_rounds_below_half_down() -> None:
    result = quote(order(line(unit_amount=1049)), [percent(percent_off="12.5")])

    assert applied_amounts(result) == {"PCT": 131}  # 131.125


def test_percent_is_exact_on_very_large_amounts() -> None:
    huge = 10**40 + 5

    result = quote(order(line(unit_amount=huge)), [percent(percent_off="10")])

    assert applied_amounts(result) == {"PCT": 10**39 + 1}  # x.5 rounds up


def test_percent_of_a_hundred_takes_exactly_the_eligible_amount() -> None:
    result = quote(order(line(unit_amount=1999)), [percent(percent_off="100")])

    assert applied_amounts(result) == {"PCT": 1999}


def test_percent_is_capped_by_max_discount() -> None:
    result = quote(order(line(unit_amount=10_000)), [percent(percent_off="50", max_discount=1200)])

    assert applied_amounts(result) == {"PCT": 1200}


def test_scoped_percent_applies_only_to_category_lines() -> None:
    lines = (line("a", category="shoes", unit_amount=4000), line("b", category="hats"))
    offer = percent(percent_off="25", categories=frozenset({"shoes"}))

    result = quote(order(*lines), [offer])

    assert [(d.eligible_amount, d.amount, d.allocation) for d in result.applied] == [
        (4000, 1000, (1000, 0))
    ]


def test_sku_or_category_puts_a_line_in_scope() -> None:
    lines = (line("a", category="shoes"), line("b", category="hats"), line("c", category="bags"))
    offer = percent(percent_off="100", skus=frozenset({"a"}), categories=frozenset({"hats"}))

    result = quote(order(*lines), [offer])

    assert result.applied[0].allocation == (1000, 1000, 0)


def test_fixed_never_discounts_shipping() -> None:
    result = quote(order(line(unit_amount=300), shipping_amount=500), [fixed(amount_off=1000)])

    assert (result.total_discount, result.payable) == (300, 500)


def test_free_order_covers_shipping_up_to_cap() -> None:
    result = quote(
        order(line(unit_amount=1000), shipping_amount=500), [free_order(max_discount=1200)]
    )

    assert [(d.eligible_amount, d.amount) for d in result.applied] == [(1500, 1200)]


def test_free_order_under_its_cap_makes_the_order_free() -> None:
    result = quote(order(line(unit_amount=1000), shipping_amount=500), [free_order()])

    assert (result.total_discount, result.payable) == (1500, 0)


def test_scoped_free_order_leaves_shipping_alone() -> None:
    offer = free_order(skus=frozenset({"sku-1"}))

    result = quote(order(line("sku-1", unit_amount=1000), shipping_amount=500), [offer])

    assert (result.applied[0].shipping_allocation, result.payable) == (0, 500)


# --- allocation ------------------------------------------------------------------------------


def test_discount_is_allocated_in_proportion_to_line_amounts() -> None:
    lines = (line("a", unit_amount=1000), line("b", unit_amount=3000))

    result = quote(order(*lines), [fixed(amount_off=400)])

    assert result.applied[0].allocation == (100, 300)


def test_allocation_leftover_units_go_to_largest_remainders_then_earlier_lines() -> None:
    # 100 over three equal lines: 33.33 each, the one leftover unit goes to the first line.
    lines = (line("a", unit_amount=500), line("b", unit_amount=500), line("c", unit_amount=500))

    result = quote(order(*lines), [fixed(amount_off=100)])

    assert result.applied[0].allocation == (34, 33, 33)


def test_later_offer_is_allocated_on_reduced_remainders() -> None:
    lines = (line("a", unit_amount=1000), line("b", unit_amount=1000))
    offers = [fixed("ON_A", amount_off=500, skus=frozenset({"a"})), percent(percent_off="10")]

    result = quote(order(*lines), offers)

    assert [d.allocation for d in result.applied] == [(500, 0), (50, 100)]


def test_free_order_allocates_part_of_its_discount_to_shipping() -> None:
    result = quote(
        order(line(unit_amount=1500), shipping_amount=500), [free_order(max_discount=1000)]
    )

    assert (result.applied[0].allocation, result.applied[0].shipping_allocation) == ((750,), 250)


# --- laws ------------------------------------------------------------------------------------

SKU_POOL = [f"sku-{i}" for i in range(8)]
CATEGORY_POOL = ["shoes", "hats", "bags", "socks"]
LAWS = settings(max_examples=300, deadline=None)

random_order_lines = st.builds(
    OrderLine,
    sku=st.sampled_from(SKU_POOL),
    category=st.none() | st.sampled_from(CATEGORY_POOL),
    unit_amount=st.integers(0, 10**7),
    quantity=st.integers(1, 50),
)
random_orders = st.builds(
    Order,
    currency=st.just("EUR"),
    lines=st.lists(random_order_lines, min_size=1, max_size=20).map(tuple),
    shipping_amount=st.integers(0, 10**7),
)
random_money = st.integers(0, 10**8)


# Scopes draw from the pools the orders draw from, plus names no order has: an offer may be
# scoped to lines the order has, to lines it lacks, or both.
common_offer_fields = {
    "ref": st.just("unnamed"),
    "currency": st.sampled_from(["EUR", "EUR", "EUR", "USD"]),
    "min_order_amount": st.just(0) | st.integers(0, 10**10),
    # Empty scopes often, so whole-order offers (the only ones that discount shipping) are common.
    "skus": st.just(frozenset())
    | st.frozensets(st.sampled_from([*SKU_POOL, "sku-elsewhere"]), max_size=3),
    "categories": st.just(frozenset())
    | st.frozensets(st.sampled_from([*CATEGORY_POOL, "elsewhere"]), max_size=2),
    "stackable": st.sampled_from([True, True, True, False]),
    "is_promotion": st.booleans(),
}
random_offers = st.one_of(
    st.builds(Offer, kind=st.just("fixed"), amount_off=random_money, **common_offer_fields),
    st.builds(
        Offer,
        kind=st.just("threshold"),
        amount_off=random_money,
        threshold=st.integers(0, 10**9),
        **common_offer_fields,
    ),
    st.builds(Offer, kind=st.just("free_order"), max_discount=random_money, **common_offer_fields),
    st.builds(
        Offer,
        kind=st.just("percent"),
        percent_off=st.decimals(Decimal("0.001"), Decimal(100), places=3),
        max_discount=st.none() | random_money,
        **common_offer_fields,
    ),
)


def with_unique_refs(offers: list[Offer]) -> list[Offer]:
    return [
        replace(offer, ref=f"promotion:{i}" if offer.is_promotion else f"CODE{i}")
        for i, offer in enumerate(offers)
    ]


orders_with_offers = st.tuples(
    random_orders, st.lists(random_offers, max_size=6).map(with_unique_refs)
)


@LAWS
@given(orders_with_offers)
def test_every_discount_is_at_most_its_eligible_amount(case: tuple[Order, list[Offer]]) -> None:
    result = quote(*case)

    assert all(0 <= d.amount <= d.eligible_amount for d in result.applied)


@LAWS
@given(orders_with_offers)
def test_total_discount_never_exceeds_the_order_total(case: tuple[Order, list[Offer]]) -> None:
    result = quote(*case)

    assert result.total_discount == sum(d.amount for d in result.applied)
    assert result.total_discount <= result.order_total == case[0].total


@LAWS
@given(orders_with_offers)
def test_payable_is_never_negative_and_adds_up(case: tuple[Order, list[Offer]]) -> None:
    result = quote(*case)

    assert result.payable >= 0
    assert result.payable + result.total_discount == result.order_total


@LAWS
@given(orders_with_offers)
def test_every_offer_is_applied_or_rejected_exactly_once(case: tuple[Order, list[Offer]]) -> None:
    _, offers = case

    result = quote(*case)

    outcomes = Counter([d.ref for d in result.applied] + [r.ref for r in result.rejected])
    assert outcomes == Counter(offer.ref for offer in offers)


@LAWS
@given(orders_with_offers)
def test_a_stacking_rejection_names_an_offer_that_applied(case: tuple[Order, list[Offer]]) -> None:
    result = quote(*case)

    applied = {discount.ref for discount in result.applied}
    blockers = {r.blocked_by for r in result.rejected if r.reason == "not_stackable"}
    assert blockers <= applied


@LAWS
@given(orders_with_offers)
def test_allocation_sums_to_each_discount(case: tuple[Order, list[Offer]]) -> None:
    result = quote(*case)

    assert all(sum(d.allocation) + d.shipping_allocation == d.amount for d in result.applied)


@LAWS
@given(orders_with_offers)
def test_no_line_or_shipping_is_discounted_below_zero(case: tuple[Order, list[Offer]]) -> None:
    priced_order, _ = case

    result = quote(*case)

    for index, order_line in enumerate(priced_order.lines):
        parts = [d.allocation[index] for d in result.applied]
        assert min(parts, default=0) >= 0 and sum(parts) <= order_line.total
    shipping_parts = [d.shipping_allocation for d in result.applied]
    assert (
        min(shipping_parts, default=0) >= 0 and sum(shipping_parts) <= priced_order.shipping_amount
    )


@LAWS
@given(orders_with_offers)
def test_only_a_whole_order_free_order_discounts_shipping(case: tuple[Order, list[Offer]]) -> None:
    _, offers = case

    result = quote(*case)

    whole_order_free_refs = {o.ref for o in offers if o.kind == "free_order" and o.is_whole_order}
    assert all(d.ref in whole_order_free_refs for d in result.applied if d.shipping_allocation)


@LAWS
@given(orders_with_offers)
def test_quoting_is_deterministic(case: tuple[Order, list[Offer]]) -> None:
    assert quote(*case) == quote(*case)
