"""Sold out, refused from memory: no statement reaches the database once a process knows, and
stock coming back (a top-up, a rolled-back take) clears what every process knew."""

import httpx
import pytest

from core.coupons.errors import OutOfStock
from core.coupons.service import claim_coupon
from core.db import Database
from core.stock import service as stock
from core.stock.models import StockOwner
from core.stock.sold_out import MARK_SECONDS, key_of
from tests.factories import bearer, coupon_template, customer, merchant_with_key
from tests.statements import counted_statements
from tests.waiting import wait_until
from tests.web.serving import serving
from web.app import create_app


async def _claim(db: Database, merchant_id, template_id, external_id: str) -> None:
    async with db.transaction() as session:
        await claim_coupon(session, merchant_id, template_id, external_id)


async def test_a_sold_out_template_is_refused_without_a_database_statement(db) -> None:
    merchant, _ = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=1)
    for name in ("alice", "bob", "carol"):
        await customer(db, merchant, name)
    await _claim(db, merchant.id, template.id, "alice")
    with pytest.raises(OutOfStock):
        await _claim(db, merchant.id, template.id, "bob")  # the database says so, once
    with counted_statements(db) as sent, pytest.raises(OutOfStock):
        await _claim(db, merchant.id, template.id, "carol")
    assert sent == []


async def test_another_merchant_naming_a_sold_out_template_is_not_told_it_is_sold_out(db):
    merchant, _ = await merchant_with_key(db)
    other, _ = await merchant_with_key(db, name="Other Shop")
    template = await coupon_template(db, merchant, total_stock=0)
    await customer(db, merchant, "alice")
    await customer(db, other, "mallory")
    with pytest.raises(OutOfStock):
        await _claim(db, merchant.id, template.id, "alice")
    assert db.sold_out.is_sold_out(template.stock_owner)
    foreign = StockOwner(template.stock_owner.kind, template.id, other.id)
    assert not db.sold_out.is_sold_out(foreign)


async def test_a_rolled_back_take_announces_its_units_back(db) -> None:
    merchant, _ = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=1)
    heard: list = []
    unregister = db.sold_out.on_units_returned(heard.extend)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            assert await stock.take_stock(session, template.stock_owner)
            raise RuntimeError("what came after the take failed")
    unregister()
    assert heard == [key_of(template.stock_owner)]


async def test_a_top_up_in_one_app_clears_the_mark_in_another(settings, make_broker) -> None:
    """Two web processes in all but the process: each its own Database (and marks) and broker
    connection, sharing the database and the broker's namespace."""
    first_broker = await make_broker()
    second_broker = await make_broker(namespace=first_broker.namespace)
    first_db, second_db = Database(settings), Database(settings)
    merchant, key = await merchant_with_key(first_db)
    template = await coupon_template(first_db, merchant, total_stock=1)
    for name in ("alice", "bob"):
        await customer(first_db, merchant, name)
    first = create_app(settings, db=first_db, broker=first_broker)
    second = create_app(settings, db=second_db, broker=second_broker)
    claim_path = f"/api/v1/coupon-templates/{template.id}/claim"
    try:
        async with (
            serving(first) as first_url,
            serving(second) as second_url,
            httpx.AsyncClient(headers=bearer(key)) as http,
        ):
            claimed = await http.post(second_url + claim_path, json={"customer": "alice"})
            refused = await http.post(second_url + claim_path, json={"customer": "bob"})
            assert (claimed.status_code, refused.json()["error"]["code"]) == (201, "out_of_stock")
            assert second_db.sold_out.is_sold_out(template.stock_owner)

            topped_up = await http.patch(
                f"{first_url}/api/v1/coupon-templates/{template.id}", json={"total_stock": 2}
            )
            assert topped_up.status_code == 200
            # Heard through the broker, well before the mark would lapse by itself.
            await wait_until(
                lambda: not second_db.sold_out.is_sold_out(template.stock_owner),
                within=MARK_SECONDS / 2,
            )
            again = await http.post(second_url + claim_path, json={"customer": "bob"})
            assert again.status_code == 201
    finally:
        await first_db.dispose()
        await second_db.dispose()
