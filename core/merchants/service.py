"""Merchants and their API keys.

Keys carry 256 bits of randomness, so a plain SHA-256 of the key is a safe index to look them up
by (slow password hashes exist for guessable secrets; these are not guessable).
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.errors import ValidationFailed
from core.events.service import record_event
from core.merchants.errors import ApiKeyNotFound, InvalidApiKey, MerchantNotFound
from core.merchants.models import ApiKey, Merchant
from core.merchants.schemas import MerchantCreate, MerchantPatch

KEY_PREFIX = "cft_"
# Writing last_used_at on every request would turn each read into a write; minute precision is
# what an operator needs to see which keys are alive.
LAST_USED_PRECISION = timedelta(minutes=1)


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


async def create_merchant(session: AsyncSession, data: MerchantCreate) -> Merchant:
    merchant = Merchant(name=data.name, currency=data.currency, timezone=data.timezone)
    session.add(merchant)
    await session.flush()
    await record_event(
        session,
        merchant_id=merchant.id,
        type="merchant.created",
        payload={"name": merchant.name, "currency": merchant.currency},
    )
    return merchant


async def find_merchant(session: AsyncSession, merchant_id: uuid.UUID) -> Merchant | None:
    return await session.get(Merchant, merchant_id)


async def get_merchant(session: AsyncSession, merchant_id: uuid.UUID) -> Merchant:
    merchant = await find_merchant(session, merchant_id)
    if merchant is None:
        raise MerchantNotFound()
    return merchant


async def update_merchant(
    session: AsyncSession, merchant_id: uuid.UUID, patch: MerchantPatch
) -> Merchant:
    merchant = await get_merchant(session, merchant_id)
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        raise ValidationFailed("name cannot be null", field="name")
    for field, value in changes.items():
        setattr(merchant, field, value.lower() if field == "brand_color" and value else value)
    await session.flush()
    return merchant


async def all_merchants(session: AsyncSession) -> list[Merchant]:
    """Every merchant, for jobs that run by each one's own calendar."""
    return list((await session.execute(select(Merchant).order_by(Merchant.created_at))).scalars())


async def issue_api_key(
    session: AsyncSession, merchant_id: uuid.UUID, *, name: str, raw_key: str | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its one-time plaintext."""
    raw_key = raw_key or KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        merchant_id=merchant_id, name=name, prefix=raw_key[:12], key_hash=_hash_key(raw_key)
    )
    session.add(api_key)
    await session.flush()
    return api_key, raw_key


async def authenticate(session: AsyncSession, raw_key: str) -> tuple[Merchant, ApiKey]:
    """The merchant a live key belongs to, and the key. Reads only."""
    row = (
        await session.execute(
            select(Merchant, ApiKey)
            .join(ApiKey, ApiKey.merchant_id == Merchant.id)
            .where(ApiKey.key_hash == _hash_key(raw_key), ApiKey.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        raise InvalidApiKey()
    merchant, api_key = row
    return merchant, api_key


def is_last_use_stale(api_key: ApiKey) -> bool:
    return api_key.last_used_at is None or utcnow() - api_key.last_used_at >= LAST_USED_PRECISION


async def mark_api_key_used(session: AsyncSession, key_id: uuid.UUID) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


async def list_api_keys(session: AsyncSession, merchant_id: uuid.UUID) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey).where(ApiKey.merchant_id == merchant_id).order_by(ApiKey.created_at)
    )
    return list(result.scalars())


async def revoke_api_key(
    session: AsyncSession, merchant_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey:
    api_key = (
        await session.execute(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.merchant_id == merchant_id)
        )
    ).scalar_one_or_none()
    if api_key is None:
        raise ApiKeyNotFound()
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        await session.flush()
    return api_key
