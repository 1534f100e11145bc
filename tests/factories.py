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
