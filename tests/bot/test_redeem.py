"""`/redeem CODE` at the counter, and the wizard engine it runs on: a bad value refused at its
step, back a step, /cancel, 30 minutes of silence, a restart of the service mid-wizard, and the
role checked on every step."""

from sqlalchemy import select

from bots.channels import ChatChannels
from core.coupons.models import Coupon
from core.staff.models import Role
from tests.bot.staff import is_customer_menu
from workers.runtime import WorkerRuntime


def offered(seen) -> tuple[str, ...]:
    return seen.options


async def coupon_status(staff) -> str:
    async with staff.shop.db.transaction(write=False) as session:
        return (await session.execute(select(Coupon.status))).scalar_one()


async def test_a_cashier_redeems_a_coupon_seeing_what_it_grants_and_what_the_customer_pays(staff):
    code = await staff.coupon_of("alice")
    cashier = await staff.member(Role.CASHIER)

    asked = await cashier.type(f"/redeem {code.lower()}")
    assert "€5.00 off" in asked[-1].text and "order's amount" in asked[-1].text
    preview = await cashier.type("20")
    assert "Discount: -€5.00" in preview[-1].text and "pays: €15.00" in preview[-1].text
    assert offered(preview[-1]) == ("w:redeem", "wb", "wx")
    done = await cashier.press("w:redeem")

    assert "redeemed: -€5.00" in done[-1].text and "pays €15.00" in done[-1].text
    assert await coupon_status(staff) == "used"
    again = await cashier.press("w:redeem")
    assert "Nothing is in progress" in again[-1].text, "a second press redeems nothing"


async def test_a_wrong_value_is_refused_at_its_step_with_what_is_expected(staff):
    code = await staff.coupon_of("alice")
    cashier = await staff.member(Role.CASHIER)

    unknown = await cashier.type("/redeem NOPE-NOPE")
    assert "No coupon of yours has this code" in unknown[0].text
    assert "coupon code" in unknown[-1].text, "asked again"
    await cashier.type(code)
    for wrong in ("twelve", "0", "12.345", "-3"):
        refused = await cashier.type(wrong)
        assert "type an amount, such as 12.50" in refused[0].text, wrong
        assert "order's amount" in refused[-1].text
    preview = await cashier.type("12,50")
    typed_not_pressed = await cashier.type("yes")
    assert "Discount" in preview[-1].text
    assert "press one of the buttons" in typed_not_pressed[0].text
    assert await coupon_status(staff) == "available"


async def test_back_returns_to_the_step_before_and_cancel_changes_nothing(staff):
    code = await staff.coupon_of("alice")
    cashier = await staff.member(Role.MANAGER)
    await cashier.type(f"/redeem {code}")
    await cashier.type("20")

    back = await cashier.press("wb")
    assert "order's amount" in back[-1].text
    back_again = await cashier.type("/back")
    assert "coupon code" in back_again[-1].text
    cancelled = await cashier.type("/cancel")

    assert "Cancelled. Nothing was changed." in cancelled[-1].text
    assert is_customer_menu((await cashier.type("20"))[-1]), "no wizard: plain text is a chat"
    assert await coupon_status(staff) == "available"


async def test_a_wizard_silent_for_30_minutes_is_gone(staff):
    code = await staff.coupon_of("alice")
    cashier = await staff.member(Role.CASHIER)
    await cashier.type(f"/redeem {code}")
    await staff.age_wizards(minutes=29)
    assert "Discount" in (await cashier.type("20"))[-1].text, "29 minutes: still there"

    await staff.age_wizards(minutes=31)
    late = await cashier.press("w:redeem")

    assert "stopped after 30 minutes" in late[-1].text and "/redeem" in late[-1].text
    assert await coupon_status(staff) == "available"


async def test_a_wizard_survives_a_restart_of_the_service(staff, worker, settings, app):
    code = await staff.coupon_of("alice")
    cashier = await staff.member(Role.CASHIER)
    await cashier.type(f"/redeem {code}")

    await worker.stop()
    channels = ChatChannels(settings)
    restarted = WorkerRuntime(
        settings, staff.shop.db, app.ctx.broker, jobs=worker.jobs, channels=channels
    )
    await restarted.start()
    try:
        await cashier.type("20")
        done = await cashier.press("w:redeem")
    finally:
        await restarted.stop()
        await channels.close()

    assert "redeemed" in done[-1].text
    assert await coupon_status(staff) == "used"
