"""What the chat says of a coupon, in English and Spanish: the terms of its kind, and a limit
that counts the coupons already used."""

import pytest
from sqlalchemy import select

from core.coupons.models import Coupon
from core.customers.models import Customer
from tests.activities.shop import window
from tests.channels.chats import option
from tests.factories import coupon_template


def plain(text: str) -> str:
    """Babel writes a no-break space between the amount and the euro sign in Spanish."""
    return text.replace("\xa0", " ")


async def collection(shop, template) -> dict:
    body = {"kind": "collection", "name": "Coupons", **window(), "templates": [str(template.id)]}
    return await shop.live(body)


TERMS = {
    "percent": (
        {"percent_off": 15, "max_discount": 2000, "amount_off": None},
        "15% off, up to €20.00",
        "15 % de descuento, hasta 20,00 €",
    ),
    "threshold": (
        {"threshold": 3000, "amount_off": 500},
        "€5.00 off when you spend €30.00 or more",
        "5,00 € de descuento al gastar 30,00 € o más",
    ),
    "free_order": (
        {"max_discount": 4000, "amount_off": None, "min_order_amount": 1500},
        "A free order, up to €40.00 on orders of €15.00 or more",
        "Un pedido gratis, hasta 40,00 € en pedidos desde 15,00 €",
    ),
}


@pytest.mark.parametrize("kind", sorted(TERMS))
async def test_a_coupon_shows_the_terms_of_its_kind_in_english_and_spanish(chat, shop, kind):
    fields, english, spanish = TERMS[kind]
    template = await coupon_template(shop.db, shop.merchant, kind=kind, **fields)
    activity = await collection(shop, template)
    card = await chat.start(activity["slug"], activity["slug"])

    collected = await chat.press(option(card[-1], "c:"))
    await chat.press("l:es")
    mine = await chat.press("cp")

    assert english in collected[0].text
    assert spanish in plain(mine[-1].text)


async def test_a_limit_reached_with_the_only_coupon_used_is_told_truly(chat, shop):
    template = await coupon_template(shop.db, shop.merchant, per_customer_limit=1)
    activity = await collection(shop, template)
    card = await chat.start(activity["slug"], activity["slug"])
    collect = option(card[-1], "c:")
    await chat.press(collect)
    async with shop.db.transaction(write=False) as session:
        holder, code = (
            await session.execute(
                select(Customer.external_id, Coupon.code).join(
                    Coupon, Coupon.customer_id == Customer.id
                )
            )
        ).one()
    order = {
        "id": "o-1",
        "currency": "EUR",
        "items": [{"sku": "A", "unit_amount": 900, "quantity": 1}],
    }
    redeemed = await shop.call(
        "post",
        "/redemptions",
        {"customer": holder, "codes": [code], "order": order},
        headers={"Idempotency-Key": "o-1"},
    )
    assert redeemed.status == 201, redeemed.text

    english = await chat.press(collect)
    await chat.press("l:es")
    spanish = await chat.press(collect)

    assert "You've reached the limit for this one" in english[-1].text
    assert "even those already used" in english[-1].text
    assert "Ya llegaste al límite de esta oferta" in spanish[-1].text
    assert "incluso los ya usados" in spanish[-1].text
