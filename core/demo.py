"""The demo merchant `make run` starts with: a shop, two customers, and coupons of every kind."""

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.service import create_template
from core.customers.schemas import CustomerUpsert
from core.customers.service import upsert_customer
from core.merchants.models import ApiKey, Merchant
from core.merchants.schemas import MerchantCreate
from core.merchants.service import KEY_PREFIX, create_merchant, issue_api_key

DEMO_MERCHANT = MerchantCreate(name="Demo Tea Shop", currency="EUR", timezone="Europe/Madrid")
DEMO_CUSTOMERS = {"demo-alice": "Alice", "demo-bob": "Bob"}


def demo_api_key(secret_key: str) -> str:
    """The demo merchant's key, derived from the secret key so each `make run` can print it
    while only its hash is stored, like every other key."""
    digest = hmac.new(secret_key.encode(), b"confetti demo merchant api key", hashlib.sha256)
    return KEY_PREFIX + digest.hexdigest()


async def ensure_demo_merchant(session: AsyncSession, secret_key: str) -> tuple[Merchant, str]:
    """The demo merchant and its key, created with its demo data on first call."""
    raw_key = demo_api_key(secret_key)
    key_hash = hashlib.sha256(raw_key.encode()).hexdigest()
    existing = (
        await session.execute(
            select(Merchant)
            .join(ApiKey, ApiKey.merchant_id == Merchant.id)
            .where(ApiKey.key_hash == key_hash)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing, raw_key
    merchant = await create_merchant(session, DEMO_MERCHANT)
    await issue_api_key(session, merchant.id, name="demo", raw_key=raw_key)
    await _seed(session, merchant)
    return merchant, raw_key


async def _seed(session: AsyncSession, merchant: Merchant) -> None:
    for external_id, name in DEMO_CUSTOMERS.items():
        await upsert_customer(session, merchant.id, external_id, CustomerUpsert(name=name))
    soon = utcnow().replace(microsecond=0) + timedelta(hours=1)
    templates = [
        {
            "name": "5 € off",
            "kind": "fixed",
            "amount_off": 500,
            "total_stock": 500,
            "per_customer_limit": 2,
            "valid_days": 30,
        },
        {
            "name": "10 € off orders of 50 €",
            "kind": "threshold",
            "amount_off": 1000,
            "threshold": 5000,
            "valid_days": 30,
            "stackable": True,
        },
        {
            "name": "15 % off tea",
            "kind": "percent",
            "percent_off": 15,
            "max_discount": 3000,
            "scope": {"categories": ["tea"]},
            "valid_days": 14,
        },
        {
            "name": "Autumn promotion: 5 % off everything",
            "kind": "percent",
            "percent_off": 5,
            "auto_apply": True,
            "stackable": True,
        },
        {
            "name": "Flash sale: your order free, up to 20 €",
            "kind": "free_order",
            "max_discount": 2000,
            "total_stock": 10,
            "per_customer_limit": 1,
            "claim_starts_at": soon.isoformat(),
            "claim_ends_at": (soon + timedelta(hours=2)).isoformat(),
            "valid_days": 7,
        },
    ]
    for body in templates:
        await create_template(session, merchant, CouponTemplateCreate.model_validate(body))
