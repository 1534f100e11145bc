"""Plain factory functions with overrides; fixtures wrap them."""

from core.db import Database
from core.merchants.models import Merchant
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant, issue_api_key


async def merchant_with_key(
    db: Database, *, name: str = "Test Shop", currency: str = "EUR", timezone: str = "UTC"
) -> tuple[Merchant, str]:
    async with db.transaction() as session:
        merchant = await create_merchant(
            session, MerchantCreate(name=name, currency=currency, timezone=timezone)
        )
        _, key = await issue_api_key(session, merchant.id, name="test key")
    return merchant, key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def customer(db: Database, merchant: Merchant, external_id: str = "cust-1", **fields):
    from core.customers.schemas import CustomerUpsert
    from core.customers.service import upsert_customer

    async with db.transaction() as session:
        created, _ = await upsert_customer(
            session, merchant.id, external_id, CustomerUpsert(**fields)
        )
    return created


def template_body(**overrides) -> dict:
    """A valid coupon-template request body: 5.00 off, unlimited, claimable now."""
    return {"name": "Five off", "kind": "fixed", "amount_off": 500, **overrides}


async def coupon_template(db: Database, merchant: Merchant, **overrides):
    """`shard_above` goes to create_template, every other override into the body."""
    from core.coupons.schemas import CouponTemplateCreate
    from core.coupons.templates import create_template

    options = {"shard_above": overrides.pop("shard_above")} if "shard_above" in overrides else {}
    async with db.transaction() as session:
        return await create_template(
            session, merchant, CouponTemplateCreate(**template_body(**overrides)), **options
        )
