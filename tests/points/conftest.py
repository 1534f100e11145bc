from collections.abc import Awaitable, Callable

import pytest

from core.points.service import earn_points
from tests.factories import bearer, customer, merchant_with_key
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)


class Shop:
    """A merchant with customers alice and bob, driven through the API."""

    def __init__(self, api_client, db, merchant, key: str) -> None:
        self.client, self.db, self.merchant, self.key = api_client, db, merchant, key

    async def call(self, method: str, path: str, body=None, *, idempotency_key: str | None = None):
        headers = bearer(self.key)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        send = getattr(self.client, method)
        options = {"json": body} if body is not None else {}
        _, response = await send(f"/api/v1{path}", headers=headers, **options)
        return response

    async def earn(self, external_id: str, points: int) -> None:
        holder = await customer(self.db, self.merchant, external_id)
        async with self.db.transaction() as session:
            await earn_points(
                session,
                merchant_id=self.merchant.id,
                customer_id=holder.id,
                points=points,
                reason="test",
            )

    async def balance(self, external_id: str = "alice") -> int:
        response = await self.call("get", f"/customers/{external_id}/points")
        assert response.status == 200, response.text
        return response.json["balance"]


# For tests of the HTTP contract (status codes, validation, headers): the rule behind each is
# proven on both databases at the service level, so one database is enough here.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
OpenShop = Callable[..., Awaitable[Shop]]


@pytest.fixture
def open_shop(client, db) -> OpenShop:  # noqa: F811  (the imported fixture)
    async def open_one(name: str = "Shop", **merchant) -> Shop:
        created, key = await merchant_with_key(db, name=name, **merchant)
        for external_id in ("alice", "bob"):
            await customer(db, created, external_id)
        return Shop(client, db, created, key)

    return open_one


@pytest.fixture
async def shop(open_shop: OpenShop) -> Shop:
    return await open_shop()
