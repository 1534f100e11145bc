"""An activity's funnel on a hand-made shop whose right answer is known: seven viewers (two of
them anonymous), five known, four who played, three winners, one coupon used in an order (a
second used and refunded)."""

from zoneinfo import ZoneInfo

from core.clock import utcnow
from tests.analytics.store import (
    coupon_template,
    coupon_wheel,
    open_store,
    redeem,
    report,
    view,
    won_code,
)
from tests.factories import customer

# Fourteen hours ahead of UTC: the merchant's day is often not UTC's.
TIMEZONE = "Pacific/Kiritimati"


async def _funnel_shop(client, db):
    shop = await open_store(client, db, timezone=TIMEZONE)
    template = await coupon_template(shop)
    wheel = await shop.live(coupon_wheel(template["id"], stock=3))
    await customer(db, shop.merchant, "erin", name="Erin")  # new: known only since the wheel
    for who, channel in (("alice", "telegram"), ("bob", "whatsapp"), ("carol", "web")):
        await view(shop, wheel, channel, who)
    await view(shop, wheel, "web", "erin")
    await view(shop, wheel, "web")
    await view(shop, wheel, "web")
    codes = {who: await won_code(shop, wheel, who) for who in ("alice", "bob", "erin")}
    assert await won_code(shop, wheel, "dave") is None  # the coupon's stock is gone
    await redeem(shop, "alice", [codes["alice"]], "order-1", 3000)
    refunded = await redeem(shop, "bob", [codes["bob"]], "order-2", 3000)
    rollback = await shop.call("post", f"/redemptions/{refunded['id']}/rollback")
    assert rollback.status == 200
    return shop, wheel


def _counts(steps: list[dict]) -> list[int]:
    return [step["customers"] for step in steps]


async def test_funnel_counts_each_customer_once_per_step_in_order(client, db) -> None:
    shop, wheel = await _funnel_shop(client, db)
    funnel = await report(shop, f"/activities/{wheel['id']}/funnel")
    assert _counts(funnel["steps"]) == [7, 5, 4, 3, 1]
    assert [step["conversion"] for step in funnel["steps"]] == [None, 0.7143, 0.8, 0.75, 0.3333]
    assert funnel["steps"][-1]["of_viewed"] == 0.1429


async def test_funnel_splits_new_returning_and_anonymous_viewers(client, db) -> None:
    shop, wheel = await _funnel_shop(client, db)
    split = (await report(shop, f"/activities/{wheel['id']}/funnel"))["by_customer_kind"]
    assert _counts(split["new"]) == [1, 1, 1, 1, 0]
    assert _counts(split["returning"]) == [4, 4, 3, 2, 1]
    assert _counts(split["anonymous"]) == [2, 0, 0, 0, 0]


async def test_funnel_counts_customers_where_they_first_met_the_activity(client, db) -> None:
    shop, wheel = await _funnel_shop(client, db)
    by_channel = (await report(shop, f"/activities/{wheel['id']}/funnel"))["by_channel"]
    assert {name: _counts(steps) for name, steps in by_channel.items()} == {
        "api": [1, 1, 1, 0, 0],  # dave played through the API without a view
        "telegram": [1, 1, 1, 1, 1],
        "web": [4, 2, 1, 1, 0],
        "whatsapp": [1, 1, 1, 1, 0],
    }
    only = await report(shop, f"/activities/{wheel['id']}/funnel", channel="telegram")
    assert _counts(only["steps"]) == [1, 1, 1, 1, 1]


async def test_funnel_rows_fall_on_the_merchants_day(client, db) -> None:
    shop, wheel = await _funnel_shop(client, db)
    funnel = await report(shop, f"/activities/{wheel['id']}/funnel")
    today = utcnow().astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
    assert {row["day"] for row in funnel["rows"]} == {today}
    assert sum(row["viewed"] for row in funnel["rows"]) == 7
    assert funnel["timezone"] == TIMEZONE


async def test_funnel_window_ends_where_to_says(client, db) -> None:
    shop, wheel = await _funnel_shop(client, db)
    funnel = await report(shop, f"/activities/{wheel['id']}/funnel", to=wheel["starts_at"])
    assert _counts(funnel["steps"]) == [0, 0, 0, 0, 0]
    assert funnel["window_to"] == funnel["window_from"]


async def test_funnel_as_csv_streams_the_same_rows(client, db) -> None:
    shop, wheel = await _funnel_shop(client, db)
    path = f"/activities/{wheel['id']}/funnel"
    rows = (await report(shop, path))["rows"]
    response = await shop.call("get", f"/analytics{path}", params={"format": "csv"})
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "day,channel,customer_kind,viewed,joined,played,won,reward_used"
    first = rows[0]
    assert lines[1] == ",".join(str(value) for value in first.values())
    assert len(lines) == len(rows) + 1
