"""Customers in the console: a search by name, shop id or chat address, paged by keyset; one
customer's page with their coupons, points and tries, all read through core's services."""

import re
import uuid
from datetime import timedelta

from core.clock import utcnow
from core.customers.models import Customer
from core.customers.schemas import CustomerUpsert
from core.customers.service import enter_by_channel, upsert_customer
from core.staff.models import Role
from tests.web.console.customer_history import customer_with_history
from tests.web.console.staff import log_in, owner, staff

_CUSTOMER_LINK = re.compile(r'<a href="/console/customers/[0-9a-f-]{36}">([^<]+)</a>')


async def _customer(db, merchant, external_id: str, name: str | None = None) -> Customer:
    async with db.transaction() as session:
        customer, _ = await upsert_customer(
            session, merchant.id, external_id, CustomerUpsert(name=name)
        )
    return customer


def _names_listed(html: str) -> list[str]:
    return _CUSTOMER_LINK.findall(html)


async def test_a_search_finds_by_a_part_of_the_name_the_start_of_the_id_or_a_chat_address(
    client, db, merchant, token
) -> None:
    await _customer(db, merchant, "shop-17", "Ana Lima")
    await _customer(db, merchant, "shop-18", "Bruno Sousa")
    async with db.transaction() as session:
        await enter_by_channel(session, merchant.id, "telegram", "4242", name="Carla Dias")
    for query, expected in (
        ("lima", ["Ana Lima"]),
        ("shop-1", ["Bruno Sousa", "Ana Lima"]),  # newest first
        ("4242", ["Carla Dias"]),
        ("%", []),  # a LIKE wildcard typed is a character, not "anything"
    ):
        _, page = await client.get("/console/customers/", params={"q": query})
        assert page.status == 200
        assert _names_listed(page.text) == expected, query
        if not expected:
            assert "No customer matches" in page.text


async def test_the_channel_filter_keeps_only_customers_known_on_that_channel(
    client, db, merchant, token
) -> None:
    await _customer(db, merchant, "shop-1", "Ana Lima")
    async with db.transaction() as session:
        await enter_by_channel(session, merchant.id, "whatsapp", "34600111222", name="Dora")
    _, page = await client.get("/console/customers/", params={"channel": "whatsapp"})
    assert _names_listed(page.text) == ["Dora"]


async def test_pages_follow_one_another_without_overlap_by_keyset(
    client, db, merchant, token
) -> None:
    start = utcnow()
    async with db.transaction() as session:
        session.add_all(
            Customer(
                merchant_id=merchant.id,
                external_id=f"c{number:03}",
                name=f"Customer {number:03}",
                created_at=start + timedelta(seconds=number),
            )
            for number in range(55)
        )
    _, first = await client.get("/console/customers/")
    names = _names_listed(first.text)
    assert (len(names), names[0], names[-1]) == (50, "Customer 054", "Customer 005")
    next_link = first.text.split('href="/console/customers/?', 1)[1].split('"')[0]
    _, second = await client.get("/console/customers/?" + next_link.replace("&amp;", "&"))
    names_after = _names_listed(second.text)
    assert names_after == [f"Customer {number:03}" for number in (4, 3, 2, 1, 0)]
    assert "Next page" not in second.text


async def test_a_bad_channel_is_shown_beside_its_field_with_the_search_typed_kept(
    client, db, merchant, token
) -> None:
    _, page = await client.get("/console/customers/", params={"q": "Ana", "channel": "fax"})
    assert page.status == 422
    assert 'id="channel-error"' in page.text and "Choose a channel" in page.text
    assert 'value="Ana"' in page.text


async def test_a_cursor_not_given_out_is_a_proper_page(client, token) -> None:
    _, page = await client.get("/console/customers/", params={"cursor": "nonsense"})
    assert page.status == 400
    assert page.headers["content-type"].startswith("text/html")


async def test_a_cashier_is_refused_the_customers_screens(client, db, merchant) -> None:
    customer = await _customer(db, merchant, "shop-1", "Ana Lima")
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    for path in ("/console/customers/", f"/console/customers/{customer.id}"):
        _, page = await client.get(path)
        assert page.status == 403, path
        assert "Ana Lima" not in page.text


async def test_a_customers_page_shows_their_coupons_points_and_tries(
    client, db, merchant, token
) -> None:
    customer, coupon = await customer_with_history(db, merchant)
    _, page = await client.get(f"/console/customers/{customer.id}")
    assert page.status == 200
    assert "Ana Lima" in page.text and "shop-17" in page.text
    assert "<dd>100</dd>" in page.text  # the balance
    assert "+120" in page.text and "-20" in page.text
    assert "Five off" in page.text and coupon.code[:4] in page.text.replace("-", "")
    assert "Spring wheel" in page.text and "Free tea" in page.text


async def test_another_merchants_customer_is_not_found(client, db, token) -> None:
    other = await owner(db, "other@shop.example", name="Other Shop")
    customer = await _customer(db, other, "shop-17", "Ana Lima")
    _, page = await client.get(f"/console/customers/{customer.id}")
    assert page.status == 404
    assert "Ana Lima" not in page.text
    _, unknown = await client.get(f"/console/customers/{uuid.uuid4()}")
    assert unknown.status == 404
