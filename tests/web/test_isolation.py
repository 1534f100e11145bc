"""A merchant's key reaches only that merchant's data, on every database."""

from tests.factories import bearer, merchant_with_key


async def test_key_identifies_its_own_merchant_only(client, db) -> None:
    shop_a, key_a = await merchant_with_key(db, name="Shop A")
    shop_b, key_b = await merchant_with_key(db, name="Shop B", currency="USD")
    _, response_a = await client.get("/api/v1/merchant", headers=bearer(key_a))
    _, response_b = await client.get("/api/v1/merchant", headers=bearer(key_b))
    assert response_a.json["id"] == str(shop_a.id)
    assert response_b.json["id"] == str(shop_b.id)
    assert response_b.json["currency"] == "USD"


async def test_merchant_lists_only_its_own_keys(client, db) -> None:
    _, key_a = await merchant_with_key(db, name="Shop A")
    _, key_b = await merchant_with_key(db, name="Shop B")
    await client.post("/api/v1/api-keys", headers=bearer(key_b), json={"name": "b-extra"})
    _, response = await client.get("/api/v1/api-keys", headers=bearer(key_a))
    names = [item["name"] for item in response.json["items"]]
    assert names == ["test key"]
    assert all("key" not in item for item in response.json["items"])


async def test_merchant_cannot_revoke_another_merchants_key(client, db) -> None:
    _, key_a = await merchant_with_key(db, name="Shop A")
    _, key_b = await merchant_with_key(db, name="Shop B")
    _, keys_b = await client.get("/api/v1/api-keys", headers=bearer(key_b))
    b_key_id = keys_b.json["items"][0]["id"]
    _, response = await client.delete(f"/api/v1/api-keys/{b_key_id}", headers=bearer(key_a))
    assert response.status == 404
    assert response.json["error"]["code"] == "api_key_not_found"
    _, still = await client.get("/api/v1/merchant", headers=bearer(key_b))
    assert still.status == 200


async def test_merchant_id_in_body_or_query_is_ignored(client, db) -> None:
    shop_a, key_a = await merchant_with_key(db, name="Shop A")
    shop_b, _ = await merchant_with_key(db, name="Shop B")
    _, response = await client.get(
        f"/api/v1/merchant?merchant_id={shop_b.id}", headers=bearer(key_a)
    )
    assert response.json["id"] == str(shop_a.id)
    _, created = await client.post(
        "/api/v1/api-keys",
        headers=bearer(key_a),
        json={"name": "mine", "merchant_id": str(shop_b.id)},
    )
    assert created.status == 201
    _, keys_b = await client.get("/api/v1/api-keys", headers=bearer(created.json["key"]))
    assert {item["name"] for item in keys_b.json["items"]} == {"test key", "mine"}
