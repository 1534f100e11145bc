"""The coupon-template API: create, read, list, change and pause templates, as a merchant sees it.

Most tests run on SQLite only (they check validation and HTTP shapes, not the database); the
persistence round-trips and stock changes run on both databases.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.clock import utcnow
from core.coupons import templates
from core.money import MAX_AMOUNT
from tests.factories import bearer, coupon_template, customer, merchant_with_key, template_body

API = "/api/v1/coupon-templates"
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status == status, response.text
    error = response.json["error"]
    listed = {"problems"} if status == 422 else set()  # a validation failure lists them all
    assert set(error) == {"code", "message", "field"} | listed
    assert error["message"]
    assert (error["code"], error["field"]) == (code, field)


async def create(client, key: str, **body):
    _, response = await client.post(API, headers=bearer(key), json=template_body(**body))
    return response


async def create_id(client, key: str, **body) -> str:
    response = await create(client, key, **body)
    assert response.status == 201, response.text
    return response.json["id"]


async def listed_ids(client, key: str) -> list[str]:
    _, response = await client.get(API, headers=bearer(key))
    assert response.status == 200, response.text
    return [item["id"] for item in response.json["items"]]


async def claim(client, key: str, template_id, external_id: str):
    _, response = await client.post(
        f"{API}/{template_id}/claim", headers=bearer(key), json={"customer": external_id}
    )
    return response


async def patch(client, key: str, template_id, **changes):
    _, response = await client.patch(f"{API}/{template_id}", headers=bearer(key), json=changes)
    return response


def percent(value) -> Decimal:
    """percent_off as sent back, whether a JSON number or a decimal string."""
    return Decimal(str(value))


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
async def shop(db):
    """A merchant (currency EUR) and its API key."""
    return await merchant_with_key(db)


# --- creating each kind ---------------------------------------------------------------------


@SQLITE_ONLY
async def test_create_fixed_echoes_fields_with_merchant_currency_and_defaults(client, shop):
    _, key = shop
    response = await create(client, key, description="For new customers")
    assert response.status == 201, response.text
    body = response.json
    assert body["name"] == "Five off"
    assert body["description"] == "For new customers"
    assert (body["kind"], body["amount_off"], body["currency"]) == ("fixed", 500, "EUR")
    assert body["threshold"] is None and body["percent_off"] is None
    assert body["max_discount"] is None and body["min_order_amount"] == 0
    assert (body["total_stock"], body["remaining_stock"]) == (None, None)
    assert body["issued_count"] == 0
    assert body["status"] == "active"
    assert body["scope"] == {"skus": [], "categories": []}
    assert body["stackable"] is False and body["auto_apply"] is False
    assert body["seconds_until_open"] is None
    assert body["created_at"] and body["updated_at"] is None


@SQLITE_ONLY
async def test_create_threshold_with_stock_reports_remaining_stock(client, shop):
    _, key = shop
    response = await create(client, key, kind="threshold", threshold=5000, total_stock=30)
    assert response.status == 201, response.text
    body = response.json
    assert (body["kind"], body["amount_off"], body["threshold"]) == ("threshold", 500, 5000)
    assert (body["total_stock"], body["remaining_stock"], body["issued_count"]) == (30, 30, 0)


@SQLITE_ONLY
async def test_create_free_order_with_max_discount(client, shop):
    _, key = shop
    response = await create(
        client, key, kind="free_order", amount_off=None, max_discount=2000, per_customer_limit=1
    )
    assert response.status == 201, response.text
    body = response.json
    assert (body["kind"], body["max_discount"], body["amount_off"]) == ("free_order", 2000, None)
    assert body["per_customer_limit"] == 1


@SQLITE_ONLY
async def test_create_percent_with_a_fractional_percentage(client, shop):
    _, key = shop
    response = await create(client, key, kind="percent", amount_off=None, percent_off=12.5)
    assert response.status == 201, response.text
    body = response.json
    assert body["kind"] == "percent"
    assert percent(body["percent_off"]) == Decimal("12.5")
    assert body["max_discount"] is None


@SQLITE_ONLY
async def test_create_percent_with_a_cap(client, shop):
    _, key = shop
    response = await create(
        client, key, kind="percent", amount_off=None, percent_off=15, max_discount=2000
    )
    assert response.status == 201, response.text
    body = response.json
    assert percent(body["percent_off"]) == 15
    assert body["max_discount"] == 2000


@SQLITE_ONLY
async def test_create_percent_of_exactly_100_is_accepted(client, shop):
    _, key = shop
    response = await create(client, key, kind="percent", amount_off=None, percent_off=100)
    assert response.status == 201, response.text
    assert percent(response.json["percent_off"]) == 100


@SQLITE_ONLY
async def test_create_as_draft_when_asked(client, shop):
    _, key = shop
    response = await create(client, key, status="draft")
    assert response.status == 201, response.text
    assert response.json["status"] == "draft"


@SQLITE_ONLY
async def test_create_with_merchants_currency_in_lower_case_is_accepted(client, shop):
    _, key = shop
    response = await create(client, key, currency="eur")
    assert response.status == 201, response.text
    assert response.json["currency"] == "EUR"


@SQLITE_ONLY
async def test_unicode_name_round_trips_exactly(client, shop):
    _, key = shop
    name = "Café ☕ 五折"
    created = await create(client, key, name=name)
    assert created.status == 201, created.text
    assert created.json["name"] == name
    _, fetched = await client.get(f"{API}/{created.json['id']}", headers=bearer(key))
    assert fetched.json["name"] == name


# --- persistence round-trips, on both databases ---------------------------------------------


async def test_created_template_reads_back_the_same(client, shop):
    _, key = shop
    now = utcnow().replace(microsecond=0)
    response = await create(
        client,
        key,
        kind="percent",
        amount_off=None,
        percent_off=12.5,
        max_discount=1500,
        min_order_amount=3000,
        total_stock=100,
        stock_shards=4,
        per_customer_limit=2,
        claim_starts_at=iso(now + timedelta(days=1)),
        claim_ends_at=iso(now + timedelta(days=2)),
        valid_days=14,
        scope={"skus": ["tea-1", "tea-2"], "categories": ["tea"]},
        stackable=True,
    )
    assert response.status == 201, response.text
    created = response.json
    _, fetched = await client.get(f"{API}/{created['id']}", headers=bearer(key))
    assert fetched.status == 200, fetched.text
    got = fetched.json
    assert percent(got.pop("percent_off")) == percent(created.pop("percent_off")) == Decimal("12.5")
    assert got.pop("seconds_until_open") <= created.pop("seconds_until_open")
    assert got == created
    assert (got["total_stock"], got["remaining_stock"]) == (100, 100)
    assert got["scope"] == {"skus": ["tea-1", "tea-2"], "categories": ["tea"]}


async def test_datetimes_with_an_offset_read_back_as_the_same_instant(client, shop):
    _, key = shop
    response = await create(
        client,
        key,
        valid_from="2030-01-01T10:00:00+02:00",
        valid_until="2030-01-31T10:00:00-05:00",
    )
    assert response.status == 201, response.text
    _, fetched = await client.get(f"{API}/{response.json['id']}", headers=bearer(key))
    got = fetched.json
    assert datetime.fromisoformat(got["valid_from"]) == datetime.fromisoformat(
        "2030-01-01T08:00:00+00:00"
    )
    assert datetime.fromisoformat(got["valid_until"]) == datetime.fromisoformat(
        "2030-01-31T15:00:00+00:00"
    )


async def test_largest_amount_the_api_accepts_is_stored(client, shop):
    _, key = shop
    response = await create(client, key, amount_off=MAX_AMOUNT)
    assert response.status == 201, response.text
    _, fetched = await client.get(f"{API}/{response.json['id']}", headers=bearer(key))
    assert fetched.json["amount_off"] == MAX_AMOUNT


@SQLITE_ONLY
async def test_create_response_is_what_get_returns(client, shop):
    _, key = shop
    response = await create(client, key, valid_from="2030-01-01T10:00:00+02:00")
    assert response.status == 201, response.text
    _, fetched = await client.get(f"{API}/{response.json['id']}", headers=bearer(key))
    assert fetched.json == response.json


# --- refusing bad input ---------------------------------------------------------------------

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
PERCENT = {"kind": "percent", "amount_off": None}
INVALID = {
    "negative-money": ({"amount_off": -1}, "amount_off"),
    "fractional-money": ({"amount_off": 10.5}, "amount_off"),
    "money-as-string": ({"amount_off": "10"}, "amount_off"),
    "money-as-bool": ({"amount_off": True}, "amount_off"),
    "zero-amount-off": ({"amount_off": 0}, "amount_off"),
    "money-over-max": ({"amount_off": MAX_AMOUNT + 1}, "amount_off"),
    "percent-zero": ({**PERCENT, "percent_off": 0}, "percent_off"),
    "percent-over-100": ({**PERCENT, "percent_off": 100.5}, "percent_off"),
    "percent-3-decimals": ({**PERCENT, "percent_off": 12.345}, "percent_off"),
    "threshold-without-threshold": ({"kind": "threshold"}, "threshold"),
    "percent-without-percent-off": ({**PERCENT}, "percent_off"),
    "free-order-without-max": ({"kind": "free_order", "amount_off": None}, "max_discount"),
    "fixed-with-percent-off": ({"percent_off": 10}, "percent_off"),
    "free-order-with-amount-off": ({"kind": "free_order", "max_discount": 100}, "amount_off"),
    "claim-ends-before-it-starts": (
        {"claim_starts_at": iso(NOW), "claim_ends_at": iso(NOW - timedelta(hours=1))},
        "claim_ends_at",
    ),
    "claim-ends-when-it-starts": (
        {"claim_starts_at": iso(NOW), "claim_ends_at": iso(NOW)},
        "claim_ends_at",
    ),
    "valid-until-before-valid-from": (
        {"valid_from": iso(NOW), "valid_until": iso(NOW - timedelta(days=1))},
        "valid_until",
    ),
    "valid-days-and-valid-until": ({"valid_days": 7, "valid_until": iso(NOW)}, "valid_days"),
    "naive-datetime": ({"claim_starts_at": "2030-01-01T10:00:00"}, "claim_starts_at"),
    "other-currency": ({"currency": "USD"}, "currency"),
    "unknown-field": ({"colour": "red"}, "colour"),
    "name-201-chars": ({"name": "x" * 201}, "name"),
    "empty-name": ({"name": ""}, "name"),
    "blank-name": ({"name": "   "}, "name"),
    "negative-stock": ({"total_stock": -1}, "total_stock"),
    "zero-per-customer-limit": ({"per_customer_limit": 0}, "per_customer_limit"),
    "promotion-stock": ({"auto_apply": True, "total_stock": 10}, "total_stock"),
    "promotion-limit": ({"auto_apply": True, "per_customer_limit": 1}, "per_customer_limit"),
    "1001-skus": ({"scope": {"skus": [f"sku-{n}" for n in range(1001)]}}, "scope.skus"),
    "empty-sku": ({"scope": {"skus": [""]}}, "scope.skus.0"),
    "unknown-kind": ({"kind": "bogo"}, "kind"),
    "created-paused": ({"status": "paused"}, "status"),
}


@SQLITE_ONLY
async def test_each_invalid_body_is_refused_naming_its_field_and_creates_nothing(client, shop):
    _, key = shop
    got = {}
    for case, (overrides, _) in INVALID.items():
        response = await create(client, key, **overrides)
        error = response.json.get("error", {})
        got[case] = (response.status, error.get("code"), error.get("field"))
    assert got == {case: (422, "validation_failed", field) for case, (_, field) in INVALID.items()}
    assert await listed_ids(client, key) == []


@SQLITE_ONLY
async def test_missing_name_and_kind_are_refused(client, shop):
    _, key = shop
    _, response = await client.post(API, headers=bearer(key), json={"amount_off": 500})
    assert_error(response, 422, "validation_failed", "name")
    assert "(and 1 more problem)" in response.json["error"]["message"]


@SQLITE_ONLY
async def test_malformed_json_is_400_and_creates_nothing(client, shop):
    _, key = shop
    headers = {**bearer(key), "content-type": "application/json"}
    _, response = await client.post(API, headers=headers, content=b'{"name": "Five off",')
    assert_error(response, 400, "malformed_json")
    assert await listed_ids(client, key) == []


@SQLITE_ONLY
async def test_body_that_is_not_json_is_415(client, shop):
    _, key = shop
    headers = {**bearer(key), "content-type": "text/plain"}
    _, response = await client.post(API, headers=headers, content=b"name=Five off")
    assert_error(response, 415, "unsupported_media_type")


@SQLITE_ONLY
async def test_create_without_authorization_is_401(client):
    _, response = await client.post(API, json=template_body())
    assert_error(response, 401, "unauthorized")


@SQLITE_ONLY
async def test_list_with_an_unknown_key_is_401(client, shop):
    _, response = await client.get(API, headers=bearer("not-a-real-key"))
    assert_error(response, 401, "invalid_api_key")


# --- reading, and merchants never see each other's templates --------------------------------


@SQLITE_ONLY
async def test_unknown_template_id_is_404_on_get_patch_status_and_claim(client, shop):
    _, key = shop
    unknown = f"{API}/6f1c2b0e-8d1a-4c36-9a55-3f1f0b1e2a10"
    _, got = await client.get(unknown, headers=bearer(key))
    _, patched = await client.patch(unknown, headers=bearer(key), json={"name": "x"})
    _, resumed = await client.post(f"{unknown}/resume", headers=bearer(key))
    _, claimed = await client.post(f"{unknown}/claim", headers=bearer(key), json={"customer": "c1"})
    for response in (got, patched, resumed, claimed):
        assert_error(response, 404, "template_not_found", "template_id")
    _, not_a_uuid = await client.get(f"{API}/not-a-uuid", headers=bearer(key))
    assert not_a_uuid.status == 404, not_a_uuid.text
    assert set(not_a_uuid.json["error"]) == {"code", "message", "field"}


@pytest.fixture
async def theirs(db):
    """A template of another merchant."""
    other, _ = await merchant_with_key(db, name="Other Shop")
    return await coupon_template(db, other, total_stock=10)


@SQLITE_ONLY
async def test_get_another_merchants_template_is_404(client, shop, theirs):
    _, key = shop
    _, response = await client.get(f"{API}/{theirs.id}", headers=bearer(key))
    assert_error(response, 404, "template_not_found", "template_id")


@SQLITE_ONLY
async def test_patch_another_merchants_template_is_404_and_changes_nothing(
    client, db, shop, theirs
):
    _, key = shop
    response = await patch(client, key, theirs.id, name="Mine now", total_stock=0)
    assert_error(response, 404, "template_not_found", "template_id")
    async with db.transaction(write=False) as session:
        stored = await templates.get_template(session, theirs.merchant_id, theirs.id)
        view = await templates.template_view(session, stored)
    assert (view.name, view.total_stock, view.remaining_stock) == ("Five off", 10, 10)


@SQLITE_ONLY
async def test_pause_another_merchants_template_is_404(client, shop, theirs):
    _, key = shop
    _, response = await client.post(f"{API}/{theirs.id}/pause", headers=bearer(key))
    assert_error(response, 404, "template_not_found", "template_id")


@SQLITE_ONLY
async def test_claim_another_merchants_template_is_404(client, db, shop, theirs):
    merchant, key = shop
    await customer(db, merchant, "c1")
    response = await claim(client, key, theirs.id, "c1")
    assert_error(response, 404, "template_not_found", "template_id")


# --- listing ---------------------------------------------------------------------------------


async def test_list_pages_through_every_template_once_in_creation_order(client, shop):
    _, key = shop
    created = [await create_id(client, key, name=f"T{n}") for n in range(5)]

    _, first = await client.get(f"{API}?limit=2", headers=bearer(key))
    assert first.status == 200, first.text
    assert len(first.json["items"]) == 2 and first.json["next_cursor"]

    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        _, page = await client.get(f"{API}?{query}", headers=bearer(key))
        assert page.status == 200, page.text
        seen += [item["id"] for item in page.json["items"]]
        pages += 1
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
        assert pages < 5, "pagination does not end"
    assert seen == created
    assert pages == 3


@SQLITE_ONLY
async def test_list_with_exactly_one_full_page_has_no_next_cursor(client, shop):
    _, key = shop
    for n in range(2):
        await create_id(client, key, name=f"T{n}")
    _, page = await client.get(f"{API}?limit=2", headers=bearer(key))
    assert len(page.json["items"]) == 2
    assert page.json["next_cursor"] is None


@SQLITE_ONLY
async def test_list_refuses_a_bad_limit(client, shop):
    _, key = shop
    limits = ("0", "abc", "500", "201", "-1", "2.5")
    got = {}
    for limit in limits:
        _, response = await client.get(f"{API}?limit={limit}", headers=bearer(key))
        got[limit] = (response.status, response.json.get("error", {}).get("field"))
    assert got == {limit: (422, "limit") for limit in limits}


@SQLITE_ONLY
async def test_list_refuses_a_limit_of_unicode_digits(client, shop):
    _, key = shop
    _, response = await client.get(f"{API}?limit=%C2%B2", headers=bearer(key))  # "²"
    assert_error(response, 422, "validation_failed", "limit")


@SQLITE_ONLY
async def test_list_refuses_a_cursor_it_did_not_give_out(client, shop):
    _, key = shop
    for cursor in ("garbage", "Zm9vfGJhcg", "!!!"):  # Zm9vfGJhcg is base64 of "foo|bar"
        _, response = await client.get(f"{API}?cursor={cursor}", headers=bearer(key))
        assert_error(response, 400, "invalid_cursor", "cursor")


@SQLITE_ONLY
async def test_list_never_shows_another_merchants_templates(client, db, shop):
    merchant_a, key_a = shop
    _, key_b = await merchant_with_key(db, name="B")
    ours = await coupon_template(db, merchant_a)
    assert await listed_ids(client, key_b) == []
    assert await listed_ids(client, key_a) == [str(ours.id)]


# --- changing a template ---------------------------------------------------------------------


@SQLITE_ONLY
async def test_patch_name_and_amount_is_persisted(client, shop):
    _, key = shop
    template_id = await create_id(client, key, total_stock=5)
    response = await patch(client, key, template_id, name="Seven off", amount_off=700)
    assert response.status == 200, response.text
    assert (response.json["name"], response.json["amount_off"]) == ("Seven off", 700)
    assert response.json["updated_at"] is not None
    _, fetched = await client.get(f"{API}/{template_id}", headers=bearer(key))
    assert (fetched.json["name"], fetched.json["amount_off"]) == ("Seven off", 700)
    assert (fetched.json["total_stock"], fetched.json["remaining_stock"]) == (5, 5)
    assert fetched.json["kind"] == "fixed"


@SQLITE_ONLY
async def test_patch_a_percent_template_keeps_its_percentage(client, shop):
    _, key = shop
    template_id = await create_id(client, key, kind="percent", amount_off=None, percent_off=12.5)
    response = await patch(client, key, template_id, name="Renamed")
    assert response.status == 200, response.text
    assert percent(response.json["percent_off"]) == Decimal("12.5")


@SQLITE_ONLY
async def test_patch_percent_off_to_zero_is_422(client, shop):
    _, key = shop
    template_id = await create_id(client, key, kind="percent", amount_off=None, percent_off=10)
    response = await patch(client, key, template_id, percent_off=0)
    assert_error(response, 422, "validation_failed", "percent_off")


@SQLITE_ONLY
async def test_patch_claim_end_before_existing_claim_start_is_422_and_changes_nothing(client, shop):
    _, key = shop
    starts = utcnow() + timedelta(days=2)
    template_id = await create_id(client, key, claim_starts_at=iso(starts))
    response = await patch(
        client, key, template_id, claim_ends_at=iso(starts - timedelta(days=1)), name="Changed"
    )
    assert_error(response, 422, "validation_failed", "claim_ends_at")
    _, fetched = await client.get(f"{API}/{template_id}", headers=bearer(key))
    assert (fetched.json["claim_ends_at"], fetched.json["name"]) == (None, "Five off")


@SQLITE_ONLY
async def test_patch_adding_a_field_the_kind_does_not_use_is_422(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    response = await patch(client, key, template_id, threshold=1000)
    assert_error(response, 422, "validation_failed", "threshold")


@SQLITE_ONLY
async def test_patch_with_kind_is_422_as_kind_cannot_change(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    response = await patch(client, key, template_id, kind="percent", percent_off=10)
    assert_error(response, 422, "validation_failed", "kind")
    _, fetched = await client.get(f"{API}/{template_id}", headers=bearer(key))
    assert (fetched.json["kind"], fetched.json["percent_off"]) == ("fixed", None)


@SQLITE_ONLY
async def test_patch_cannot_change_currency_auto_apply_or_status(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    for field, value in (("currency", "EUR"), ("auto_apply", True), ("status", "paused")):
        response = await patch(client, key, template_id, **{field: value})
        assert_error(response, 422, "validation_failed", field)


@pytest.fixture
async def claimed_twice(client, db, shop):
    """A template with total_stock 5 of which two coupons have been claimed."""
    merchant, key = shop
    template_id = await create_id(client, key, total_stock=5)
    for external_id in ("c1", "c2"):
        await customer(db, merchant, external_id)
        response = await claim(client, key, template_id, external_id)
        assert response.status == 201, response.text
    return template_id


def stock_of(response) -> tuple[int | None, int | None, int]:
    assert response.status == 200, response.text
    body = response.json
    return body["total_stock"], body["remaining_stock"], body["issued_count"]


async def test_raising_total_stock_adds_to_remaining(client, shop, claimed_twice):
    _, key = shop
    response = await patch(client, key, claimed_twice, total_stock=10)
    assert stock_of(response) == (10, 8, 2)
    _, fetched = await client.get(f"{API}/{claimed_twice}", headers=bearer(key))
    assert stock_of(fetched) == (10, 8, 2)


async def test_lowering_total_stock_takes_from_remaining(client, shop, claimed_twice):
    _, key = shop
    response = await patch(client, key, claimed_twice, total_stock=3)
    assert stock_of(response) == (3, 1, 2)


async def test_lowering_total_stock_to_the_issued_count_leaves_none(
    client, db, shop, claimed_twice
):
    merchant, key = shop
    assert stock_of(await patch(client, key, claimed_twice, total_stock=2)) == (2, 0, 2)
    await customer(db, merchant, "c3")
    refused = await claim(client, key, claimed_twice, "c3")
    assert_error(refused, 409, "out_of_stock")


async def test_lowering_total_stock_below_issued_is_409_and_changes_nothing(
    client, shop, claimed_twice
):
    _, key = shop
    response = await patch(client, key, claimed_twice, total_stock=1, name="Changed")
    assert_error(response, 409, "stock_below_issued", "total_stock")
    _, fetched = await client.get(f"{API}/{claimed_twice}", headers=bearer(key))
    assert stock_of(fetched) == (5, 3, 2)
    assert fetched.json["name"] == "Five off"


async def test_total_stock_null_makes_it_unlimited_and_it_can_be_limited_again(
    client, db, shop, claimed_twice
):
    merchant, key = shop
    assert stock_of(await patch(client, key, claimed_twice, total_stock=None)) == (None, None, 2)
    await customer(db, merchant, "c3")
    assert (await claim(client, key, claimed_twice, "c3")).status == 201
    assert stock_of(await patch(client, key, claimed_twice, total_stock=4)) == (4, 1, 3)
    _, fetched = await client.get(f"{API}/{claimed_twice}", headers=bearer(key))
    assert stock_of(fetched) == (4, 1, 3)


@SQLITE_ONLY
async def test_limiting_an_unlimited_template_below_issued_is_409(client, db, shop):
    merchant, key = shop
    template_id = await create_id(client, key)
    for external_id in ("c1", "c2"):
        await customer(db, merchant, external_id)
        assert (await claim(client, key, template_id, external_id)).status == 201
    response = await patch(client, key, template_id, total_stock=1)
    assert_error(response, 409, "stock_below_issued", "total_stock")


@SQLITE_ONLY
async def test_patch_total_stock_on_a_promotion_is_422(client, shop):
    _, key = shop
    template_id = await create_id(client, key, auto_apply=True)
    response = await patch(client, key, template_id, total_stock=10)
    assert_error(response, 422, "validation_failed", "total_stock")


# --- status transitions ----------------------------------------------------------------------


async def act(client, key: str, template_id, action: str):
    _, response = await client.post(f"{API}/{template_id}/{action}", headers=bearer(key))
    return response


@SQLITE_ONLY
async def test_pause_an_active_template(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    response = await act(client, key, template_id, "pause")
    assert response.status == 200, response.text
    assert response.json["status"] == "paused"
    _, fetched = await client.get(f"{API}/{template_id}", headers=bearer(key))
    assert fetched.json["status"] == "paused"


@SQLITE_ONLY
async def test_pause_a_paused_template_is_409(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    await act(client, key, template_id, "pause")
    response = await act(client, key, template_id, "pause")
    assert_error(response, 409, "invalid_status_change")
    assert "paused" in response.json["error"]["message"]


@SQLITE_ONLY
async def test_resume_a_paused_template_makes_it_active(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    await act(client, key, template_id, "pause")
    response = await act(client, key, template_id, "resume")
    assert response.status == 200, response.text
    assert response.json["status"] == "active"


@SQLITE_ONLY
async def test_resume_a_draft_makes_it_active(client, shop):
    _, key = shop
    template_id = await create_id(client, key, status="draft")
    response = await act(client, key, template_id, "resume")
    assert response.status == 200, response.text
    assert response.json["status"] == "active"


@SQLITE_ONLY
async def test_pause_a_draft_is_409(client, shop):
    _, key = shop
    template_id = await create_id(client, key, status="draft")
    assert_error(await act(client, key, template_id, "pause"), 409, "invalid_status_change")


@SQLITE_ONLY
async def test_archive_a_template(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    response = await act(client, key, template_id, "archive")
    assert response.status == 200, response.text
    assert response.json["status"] == "archived"


@SQLITE_ONLY
async def test_an_archived_template_cannot_be_resumed_paused_or_archived_again(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    await act(client, key, template_id, "archive")
    for action in ("resume", "pause", "archive"):
        response = await act(client, key, template_id, action)
        assert_error(response, 409, "invalid_status_change")


@SQLITE_ONLY
async def test_claim_on_a_paused_template_is_409_template_inactive(client, db, shop):
    merchant, key = shop
    await customer(db, merchant, "c1")
    template_id = await create_id(client, key, total_stock=3)
    await act(client, key, template_id, "pause")
    response = await claim(client, key, template_id, "c1")
    assert_error(response, 409, "template_inactive")
    _, fetched = await client.get(f"{API}/{template_id}", headers=bearer(key))
    assert stock_of(fetched) == (3, 3, 0)


@SQLITE_ONLY
async def test_unknown_status_action_is_a_json_404_or_405_and_changes_nothing(client, shop):
    _, key = shop
    template_id = await create_id(client, key)
    for action in ("explode", "pauses", "archived", "Pause"):
        response = await act(client, key, template_id, action)
        assert response.status in (404, 405), (action, response.text)
        assert set(response.json["error"]) == {"code", "message", "field"}
    _, fetched = await client.get(f"{API}/{template_id}", headers=bearer(key))
    assert fetched.json["status"] == "active"


# --- documentation ---------------------------------------------------------------------------


@SQLITE_ONLY
async def test_openapi_documents_creating_a_template_with_201_and_422(client):
    _, response = await client.get("/api/v1/openapi.json")
    assert response.status == 200, response.text
    operation = response.json["paths"]["/api/v1/coupon-templates"]["post"]
    responses = {str(status) for status in operation["responses"]}
    assert {"201", "422", "401"} <= responses
    assert "requestBody" in operation
