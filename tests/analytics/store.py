"""A small shop whose every number is known, driven through the public API: a coupon template,
a wheel whose winning prize is that coupon, customers who view, play, win and redeem."""

from datetime import timedelta

from core.clock import utcnow
from tests.activities.shop import Shop
from tests.factories import customer, merchant_with_key

OLD_CUSTOMERS = ("alice", "bob", "carol", "dave")


async def open_store(client, db, *, timezone: str = "UTC") -> Shop:
    shop = Shop(client, db)
    shop.merchant, shop.key = await merchant_with_key(db, timezone=timezone)
    for name in OLD_CUSTOMERS:
        await customer(db, shop.merchant, name, name=name.title())
    return shop


async def created(shop: Shop, path: str, body: dict) -> dict:
    response = await shop.call("post", path, body)
    assert response.status in (200, 201), response.text
    return response.json


async def coupon_template(shop: Shop, **overrides) -> dict:
    body = {"name": "Five off", "kind": "fixed", "amount_off": 500, **overrides}
    return await created(shop, "/coupon-templates", body)


def coupon_wheel(template_id: str, *, stock: int, cost: int = 800, **overrides) -> dict:
    """Every draw lands on the coupon (weight 10**6 against 1) until its stock is gone, then
    on the consolation prize: who wins is known in advance."""
    start = utcnow() - timedelta(minutes=1)
    return {
        "kind": "lucky_draw",
        "name": "Coupon wheel",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "prizes": [
            {
                "name": "Five off",
                "weight": 10**6,
                "stock": stock,
                "cost": cost,
                "reward": {"type": "coupon", "template_id": template_id},
            },
            {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
        ],
        **overrides,
    }


async def view(shop: Shop, activity: dict, channel: str, who: str | None = None) -> None:
    body = {"channel": channel} | ({"customer": who} if who else {})
    response = await shop.call("post", f"/activities/{activity['id']}/views", body)
    assert response.status == 202, response.text


async def won_code(shop: Shop, activity: dict, who: str) -> str | None:
    response = await shop.play(activity, who)
    assert response.status == 200, response.text
    coupon = response.json["reward"]["coupon"]
    return coupon["code"] if coupon else None


def order(number: str, unit_amount: int) -> dict:
    line = {"sku": "TEA", "unit_amount": unit_amount, "quantity": 1}
    return {"id": number, "currency": "EUR", "items": [line]}


async def redeem(shop: Shop, who: str, codes: list[str], number: str, amount: int) -> dict:
    body = {"customer": who, "codes": codes, "order": order(number, amount)}
    response = await shop.call("post", "/redemptions", body, headers={"Idempotency-Key": number})
    assert response.status == 201, response.text
    return response.json


async def report(shop: Shop, path: str, **params) -> dict:
    response = await shop.call("get", f"/analytics{path}", params=params)
    assert response.status == 200, response.text
    return response.json
