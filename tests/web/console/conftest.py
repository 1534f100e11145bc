import pytest

from core.merchants.models import Merchant
from tests.web.console.staff import log_in, owner, page_token


@pytest.fixture
async def merchant(db) -> Merchant:
    return await owner(db)


@pytest.fixture
async def token(client, merchant) -> str:
    """The owner signed in on `client`: the CSRF token its pages carry."""
    await log_in(client, "owner@shop.example")
    return await page_token(client)
