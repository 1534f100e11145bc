"""A merchant with four customers, driving activities through the API: shared by the activity
tests."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.events.models import Event
from tests.factories import bearer, customer, merchant_with_key


def window(start_minutes: int = -1, hours: int = 2) -> dict:
    start = utcnow() + timedelta(minutes=start_minutes)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=hours)).isoformat()}


def wheel(**overrides) -> dict:
    return {
        "kind": "lucky_draw",
        "name": "Spring wheel",
        **window(),
        "prizes": [
            {
                "name": "Gold",
                "weight": 1,
                "stock": 5,
                "cost": 1000,
                "reward": {"type": "points", "amount": 100},
            },
            {"name": "Thanks", "weight": 3, "consolation": True, "reward": {"type": "none"}},
        ],
        **overrides,
    }


class Shop:
    def __init__(self, client, db) -> None:
        self.client, self.db = client, db

    async def open(self) -> "Shop":
        self.merchant, self.key = await merchant_with_key(self.db)
        for name in ("alice", "bob", "carol", "dave"):
            await customer(self.db, self.merchant, name, name=name.title())
        return self

    async def call(self, method: str, path: str, body=None, **kwargs):
        extra = {} if method == "get" else {"json": body}
        _, response = await getattr(self.client, method)(
            f"/api/v1{path}",
            headers={**bearer(self.key), **kwargs.pop("headers", {})},
            **extra,
            **kwargs,
        )
        return response

    async def created(self, body: dict) -> dict:
        response = await self.call("post", "/activities", body)
        assert response.status == 201, response.text
        return response.json

    async def live(self, body: dict) -> dict:
        created = await self.created(body)
        published = await self.call("post", f"/activities/{created['id']}/publish")
        assert published.status == 200, published.text
        return published.json

    async def play(self, activity: dict, who: str = "alice", **extra):
        body = {"customer": who, **extra}
        return await self.call("post", f"/activities/{activity['id']}/play", body)

    async def events(self, type_: str) -> int:
        async with self.db.transaction(write=False) as session:
            query = select(func.count()).select_from(Event).where(Event.type == type_)
            return (await session.execute(query)).scalar_one()


@pytest.fixture
async def shop(client, db) -> Shop:
    return await Shop(client, db).open()
