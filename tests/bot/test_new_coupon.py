"""`/new_coupon`: the whole wizard to a coupon customers can claim, a wrong value refused at
each step, the percent kind's optional cap, a draft, and times read and shown in the merchant's
timezone."""

from datetime import UTC, datetime

from sqlalchemy import select, update

from core.coupons.models import CouponTemplate
from core.merchants.models import Merchant
from core.staff.models import Role


async def templates(staff) -> list[CouponTemplate]:
    async with staff.shop.db.transaction(write=False) as session:
        return list((await session.execute(select(CouponTemplate))).scalars())


async def in_madrid(staff) -> None:
    async with staff.shop.db.transaction() as session:
        await session.execute(update(Merchant).values(timezone="Europe/Madrid"))


async def test_a_manager_creates_a_threshold_coupon_customers_can_claim(staff):
    await in_madrid(staff)
    manager = await staff.member(Role.MANAGER)

    kind = await manager.type("/new_coupon")
    assert kind[-1].options[:4] == ("w:fixed", "w:threshold", "w:percent", "w:free_order")
    await manager.press("w:threshold")
    await manager.type("Five off thirty")
    await manager.type("5")
    await manager.type("30.00")
    await manager.type("100")
    await manager.press("w:unlimited")
    await manager.type("2026-12-31 23:59")
    await manager.press("w:now")
    preview = await manager.type("2026-12-24 18:00")

    text = preview[-1].text
    assert "how customers will see it" in text
    assert "🎟 Five off thirty\n€5.00 off when you spend €30.00 or more" in text
    assert "Valid until 31 Dec 2026, 23:59" in text, "shown in the merchant's time"
    assert "Stock: 100 · per customer: unlimited" in text
    assert "to 24 Dec 2026, 18:00" in text
    assert preview[-1].options[:2] == ("w:active", "w:draft")
    created = await manager.press("w:active")

    assert "customers can claim it" in created[-1].text
    (template,) = await templates(staff)
    assert (template.kind, template.amount_off, template.threshold) == ("threshold", 500, 3000)
    assert template.total_stock == 100 and template.per_customer_limit is None
    assert template.status == "active"
    assert template.valid_until == datetime(2026, 12, 31, 22, 59, tzinfo=UTC), "stored in UTC"
    assert template.claim_ends_at == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    assert (await staff.shop.call("get", f"/coupon-templates/{template.id}")).status == 200


async def test_a_wrong_value_at_each_step_is_refused_there_with_what_is_expected(staff):
    manager = await staff.member(Role.MANAGER)
    await manager.type("/new_coupon")
    steps = [
        ("cheap", "press one of the buttons", "w:fixed"),
        ("x" * 201, "name of 1 to 200 characters", "Five off"),
        ("five", "type an amount, such as 12.50", "5"),
        ("lots", "whole number from 1 to 1000000000", "10"),
        ("0", "whole number from 1 to 1000000", "1"),
        ("next week", "YYYY-MM-DD HH:MM", "30"),
        ("2026-13-01 10:00", "YYYY-MM-DD HH:MM", "w:now"),
        ("2020-01-01 10:00", "too early", "w:no_end"),
    ]
    for wrong, expected, right in steps:
        refused = await manager.type(wrong)
        assert expected in refused[0].text, (wrong, refused[0].text)
        question = refused[-1].text
        moved = await (manager.press(right) if right.startswith("w:") else manager.type(right))
        assert moved[-1].text != question, f"{right} moves on"
    drafted = await manager.press("w:draft")

    assert "saved as a draft" in drafted[-1].text
    (template,) = await templates(staff)
    assert (template.status, template.valid_days, template.total_stock) == ("draft", 30, 10)


async def test_a_percent_coupon_asks_for_an_optional_cap_and_back_skips_what_does_not_apply(
    staff,
):
    manager = await staff.member(Role.MANAGER)
    await manager.type("/new_coupon")
    await manager.press("w:percent")
    await manager.type("Fifteen percent")
    refused = await manager.type("150")
    assert "percent from 0.01 to 100" in refused[0].text
    cap = await manager.type("15")
    assert "No cap" in cap[-1].text and cap[-1].options[0] == "w:no_cap"
    back = await manager.press("wb")
    assert "How many percent off" in back[-1].text
    await manager.type("12.5")
    await manager.press("w:no_cap")
    await manager.press("w:unlimited")
    await manager.type("1")
    await manager.type("7")
    await manager.press("w:now")
    preview = await manager.press("w:no_end")

    assert "🎟 Fifteen percent\n12.5% off" in preview[-1].text
    await manager.press("w:active")
    (template,) = await templates(staff)
    assert (template.percent_off, template.max_discount) == (12.5, None)


async def test_a_cashier_may_not_start_new_coupon(staff):
    cashier = await staff.member(Role.CASHIER)

    refused = await cashier.type("/new_coupon")

    assert "Your role does not allow that." in refused[-1].text
    assert await templates(staff) == []
