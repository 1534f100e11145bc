"""The demo merchant `make run` starts with: a shop, two customers, and coupons of every kind."""

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.schemas import ActivityCreate
from core.activities.service import create_activity, publish
from core.clock import utcnow
from core.codes.models import CodeBatch
from core.codes.schemas import CodeBatchCreate
from core.codes.service import create_batch, import_codes
from core.coupons.models import CouponTemplate
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.customers.schemas import CustomerUpsert
from core.customers.service import upsert_customer
from core.merchants.models import ApiKey, Merchant
from core.merchants.schemas import MerchantCreate
from core.merchants.service import KEY_PREFIX, create_merchant, issue_api_key
from core.points.catalogue import create_item
from core.points.rules import create_rule
from core.points.schemas import CatalogueItemCreate, RuleCreate
from core.staff.models import Role
from core.staff.schemas import StaffCreate
from core.staff.service import add_staff, find_staff_by_email

DEMO_MERCHANT = MerchantCreate(name="Demo Tea Shop", currency="EUR", timezone="Europe/Madrid")
DEMO_CUSTOMERS = {"demo-alice": "Alice", "demo-bob": "Bob"}
DEMO_OWNER_EMAIL = "owner@demo-tea-shop.example"


def demo_api_key(secret_key: str) -> str:
    """The demo merchant's key, derived from the secret key so each `make run` can print it
    while only its hash is stored, like every other key."""
    digest = hmac.new(secret_key.encode(), b"confetti demo merchant api key", hashlib.sha256)
    return KEY_PREFIX + digest.hexdigest()


def demo_owner_password(secret_key: str) -> str:
    """The demo owner's console password, derived like the key: printed, never stored."""
    digest = hmac.new(secret_key.encode(), b"confetti demo owner password", hashlib.sha256)
    return digest.hexdigest()[:20]


async def ensure_demo_owner(
    session: AsyncSession, merchant: Merchant, secret_key: str
) -> tuple[str, str]:
    """The demo merchant's owner account (email, password), created if it is not there."""
    password = demo_owner_password(secret_key)
    if await find_staff_by_email(session, DEMO_OWNER_EMAIL) is None:
        owner = StaffCreate(email=DEMO_OWNER_EMAIL, password=password)
        await add_staff(session, merchant.id, owner, role=Role.OWNER)
    return DEMO_OWNER_EMAIL, password


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
    created = [
        await create_template(session, merchant, CouponTemplateCreate.model_validate(body))
        for body in templates
    ]
    partner = await _seed_codes(session, merchant)
    await _seed_points(session, merchant, created[0], partner)
    await _seed_activities(session, merchant, created)


async def _seed_codes(session: AsyncSession, merchant: Merchant) -> CodeBatch:
    partner, _ = await create_batch(
        session, merchant, CodeBatchCreate(name="StreamCo: 1 month free", kind="imported")
    )
    partner_codes = "\n".join(f"STREAMCO-DEMO-{n:04d}" for n in range(1, 21)).encode()
    await import_codes(session, merchant.id, partner.id, partner_codes)
    flyer = CodeBatchCreate(
        name="Shop flyer: 50 points",
        kind="generated",
        count=100,
        pattern="FLYER-#####-#####",
        reward={"type": "points", "amount": 50},
        per_customer_limit=1,
    )
    await create_batch(session, merchant, flyer)
    return partner


async def _seed_points(
    session: AsyncSession, merchant: Merchant, five_off: CouponTemplate, partner: CodeBatch
) -> None:
    """1 point per euro spent, 50 for signing up, and a small points shop."""
    rules = [
        {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100},
        {"kind": "signup", "points": 50},
    ]
    for rule in rules:
        await create_rule(session, merchant.id, RuleCreate.model_validate(rule))
    items = [
        {
            "name": "5 € off coupon",
            "cost": 200,
            "stock": 100,
            "reward": {"type": "coupon", "template_id": str(five_off.id)},
        },
        {
            "name": "StreamCo: 1 month free",
            "cost": 500,
            "stock": 20,
            "reward": {"type": "code", "batch_id": str(partner.id)},
        },
    ]
    for item in items:
        await create_item(session, merchant.id, CatalogueItemCreate.model_validate(item))


async def _seed_activities(
    session: AsyncSession, merchant: Merchant, templates: list[CouponTemplate]
) -> None:
    """One live activity of each kind, running for a month."""
    five_off, _, tea, _, flash = templates
    window = {
        "starts_at": utcnow().isoformat(),
        "ends_at": (utcnow() + timedelta(days=30)).isoformat(),
    }
    prizes = [
        {
            "name": "15 % off tea",
            "weight": 2,
            "stock": 50,
            "reward": {"type": "coupon", "template_id": str(tea.id)},
        },
        {"name": "50 points", "weight": 5, "reward": {"type": "points", "amount": 50}},
        {"name": "Thanks", "weight": 13, "consolation": True, "reward": {"type": "none"}},
    ]
    bodies = [
        {
            "kind": "lucky_draw",
            "name": "Autumn wheel",
            "prizes": prizes,
            "rules": {"tries_per_customer_per_day": 3, "remind_new_round_at": "10:00"},
        },
        {
            "kind": "marquee",
            "name": "Lucky grid",
            "prizes": prizes,
            "rules": {"tries_per_customer_per_day": 3},
            "marquee": {
                "cells": [
                    "15 % off tea",
                    "Thanks",
                    "50 points",
                    "Thanks",
                    "15 % off tea",
                    "Thanks",
                    "50 points",
                    "Thanks",
                ]
            },
        },
        {
            "kind": "red_envelope",
            "name": "Lucky red envelope",
            "envelope": {"pot": 10_000, "shares": 100, "min_share": 10},
            "rules": {"referral": {"friends_per_unlock": 2, "extra_tries": 1}},
        },
        {
            "kind": "collection",
            "name": "Coupon corner",
            "templates": [str(five_off.id), str(flash.id)],
        },
    ]
    for body in bodies:
        activity = await create_activity(
            session, merchant, ActivityCreate.model_validate({**body, **window})
        )
        await publish(session, merchant.id, activity.id)
