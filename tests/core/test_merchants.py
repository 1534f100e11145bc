import hashlib
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from core.events.models import Event, OutboxEntry
from core.merchants import service
from core.merchants.errors import ApiKeyNotFound, InvalidApiKey
from core.merchants.models import ApiKey
from core.merchants.schemas import MerchantCreate
from tests.factories import merchant_with_key


@pytest.mark.parametrize(
    ("field", "value"), [("currency", "EURO"), ("currency", "XXY"), ("timezone", "Mars/Olympus")]
)
def test_merchant_needs_real_currency_and_timezone(field, value) -> None:
    data = {"name": "Shop", "currency": "EUR", "timezone": "Europe/Madrid", field: value}
    with pytest.raises(ValidationError) as caught:
        MerchantCreate(**data)
    assert caught.value.errors()[0]["loc"] == (field,)


def test_currency_is_normalised_to_upper_case() -> None:
    assert MerchantCreate(name="S", currency="idr", timezone="Asia/Jakarta").currency == "IDR"


async def test_creating_a_merchant_records_an_event_in_the_outbox(db) -> None:
    merchant, _ = await merchant_with_key(db)
    async with db.transaction(write=False) as session:
        event = (await session.execute(select(Event))).scalar_one()
        outbox = (await session.execute(select(OutboxEntry))).scalar_one()
    assert event.type == "merchant.created"
    assert event.merchant_id == merchant.id
    assert outbox.event_id == event.id


async def test_api_key_is_stored_only_as_its_hash(db) -> None:
    _, key = await merchant_with_key(db)
    async with db.transaction(write=False) as session:
        stored = (await session.execute(select(ApiKey))).scalar_one()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (stored.key_hash, stored.prefix, stored.name)
    assert key.startswith(stored.prefix)


async def test_authenticate_finds_the_keys_merchant(db) -> None:
    merchant, key = await merchant_with_key(db)
    async with db.transaction(write=False) as session:
        found, api_key = await service.authenticate(session, key)
    assert found.id == merchant.id
    assert service.is_last_use_stale(api_key)


async def test_marking_a_key_used_is_skipped_within_a_minute(db) -> None:
    _, key = await merchant_with_key(db)
    async with db.transaction() as session:
        _, api_key = await service.authenticate(session, key)
        await service.mark_api_key_used(session, api_key.id)
    async with db.transaction(write=False) as session:
        _, api_key = await service.authenticate(session, key)
    assert api_key.last_used_at is not None
    assert not service.is_last_use_stale(api_key)
    api_key.last_used_at -= timedelta(minutes=2)
    assert service.is_last_use_stale(api_key)


async def test_revoked_key_no_longer_authenticates(db) -> None:
    merchant, key = await merchant_with_key(db)
    async with db.transaction() as session:
        _, api_key = await service.authenticate(session, key)
        await service.revoke_api_key(session, merchant.id, api_key.id)
    async with db.transaction(write=False) as session:
        with pytest.raises(InvalidApiKey):
            await service.authenticate(session, key)


async def test_revoking_another_merchants_key_is_not_found(db) -> None:
    _, key_a = await merchant_with_key(db, name="A")
    merchant_b, _ = await merchant_with_key(db, name="B")
    async with db.transaction() as session:
        _, key_of_a = await service.authenticate(session, key_a)
        with pytest.raises(ApiKeyNotFound):
            await service.revoke_api_key(session, merchant_b.id, key_of_a.id)
