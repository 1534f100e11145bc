"""The API takes each value only in the form docs/api.md promises: times as ISO 8601 strings with
an offset, booleans as true/false, numbers as JSON numbers (integers where whole), and text
without control characters. Anything else is a 422 naming the field, never a silent conversion
or a 500 (a NUL reaches PostgreSQL's refusal only there, so text runs on both databases)."""

import json

import pytest
from pydantic import BaseModel

from tests.activities.shop import wheel

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
# What pydantic converts unless told not to, and what stops it (core/clock.py's ISO check, a
# percent's number check): every request body's field of these types must be one or the other.
NEEDS_STRICT = {"bool", "int", "float"}
NEEDS_A_FORM_CHECK = {"datetime", "date", "time", "timedelta", "decimal"}


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def _lax_fields(schema: object, path: str, parent: dict | None = None) -> list[str]:
    """Where in a pydantic core schema a value would be converted from another JSON type."""
    if isinstance(schema, list):
        return [lax for item in schema for lax in _lax_fields(item, path, parent)]
    if not isinstance(schema, dict):
        return []
    kind = schema.get("type") if isinstance(schema.get("type"), str) else None
    checked = parent is not None and parent.get("type") == "function-before"
    found = []
    if (kind in NEEDS_STRICT and not schema.get("strict")) or (
        kind in NEEDS_A_FORM_CHECK and not checked
    ):
        found.append(f"{path} ({kind})")
    for key, value in schema.items():
        if key not in ("serialization", "metadata"):
            found += _lax_fields(value, f"{path}.{key}", schema)
    return found


@SQLITE_ONLY
async def test_no_request_body_field_converts_a_value_of_another_json_type(client) -> None:
    _, response = await client.get("/api/v1/openapi.json")
    refs = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for path in response.json["paths"].values()
        for operation in path.values()
        if "requestBody" in operation
    }
    models = {model.__name__: model for model in _subclasses(BaseModel)}
    bodies = [models[ref.rsplit("/", 1)[1]] for ref in refs]
    assert len(bodies) > 20  # the walk did find the API's bodies
    lax = [f for body in bodies for f in _lax_fields(body.__pydantic_core_schema__, body.__name__)]
    assert lax == []


# --- through the API -----------------------------------------------------------------------------


async def created(shop, path: str, body: dict) -> dict:
    response = await shop.call("post", path, body)
    assert response.status == 201, response.text
    return response.json


FIXED = {"name": "Five off", "kind": "fixed", "amount_off": 500}


async def refused(shop, method: str, path: str, body: dict, field: str) -> dict:
    response = await shop.call(method, path, body)
    assert response.status == 422, response.text
    error = response.json["error"]
    assert (error["code"], error["field"]) == ("validation_failed", field)
    return error


@SQLITE_ONLY
@pytest.mark.parametrize("moment", [0, 1700000000, "1700000000", 1.5, True, "2026-12-01"])
async def test_every_request_time_refuses_anything_but_an_iso_8601_string(shop, moment) -> None:
    activity = await created(shop, "/activities", wheel())
    template = await created(shop, "/coupon-templates", FIXED)
    for method, path, body, field in [
        ("post", "/activities", wheel(starts_at=moment), "starts_at"),
        ("patch", f"/activities/{activity['id']}", {"ends_at": moment}, "ends_at"),
        ("post", "/coupon-templates", {**FIXED, "claim_starts_at": moment}, "claim_starts_at"),
        ("post", "/coupon-templates", {**FIXED, "valid_until": moment}, "valid_until"),
        ("patch", f"/coupon-templates/{template['id']}", {"valid_from": moment}, "valid_from"),
        (
            "post",
            "/code-batches",
            {"name": "P", "kind": "imported", "valid_until": moment},
            "valid_until",
        ),
    ]:
        error = await refused(shop, method, path, body, field)
        assert "ISO 8601" in error["message"] or moment == "2026-12-01"


@SQLITE_ONLY
@pytest.mark.parametrize("birthday", [0, "86400", "1990-04-12T00:00:00Z"])
async def test_a_birthday_is_only_an_iso_8601_date(shop, birthday) -> None:
    await refused(shop, "put", "/customers/eve", {"birthday": birthday}, "birthday")


@SQLITE_ONLY
@pytest.mark.parametrize("flag", [0, 1, "true", "false", None])
async def test_every_request_boolean_is_only_true_or_false(shop, flag) -> None:
    thanks = {"name": "Thanks", "consolation": flag, "reward": {"type": "none"}}
    for path, body, field in [
        ("/activities", wheel(prizes=[thanks]), "prizes.0.consolation"),
        ("/activities", wheel(rules={"new_customers_only": flag}), "rules.new_customers_only"),
        ("/coupon-templates", {**FIXED, "stackable": flag}, "stackable"),
        ("/coupon-templates", {**FIXED, "auto_apply": flag}, "auto_apply"),
        (
            "/code-batches",
            {"name": "P", "kind": "imported", "allow_low_entropy": flag},
            "allow_low_entropy",
        ),
        (
            "/broadcasts",
            {"text": "Hi", "segment": {"holding_unused_coupon": flag}},
            "segment.holding_unused_coupon",
        ),
    ]:
        await refused(shop, "post", path, body, field)


@SQLITE_ONLY
@pytest.mark.parametrize("count", ["5", 5.0, True])
async def test_a_whole_number_is_only_a_json_integer(shop, count) -> None:
    await refused(shop, "post", "/coupon-templates", {**FIXED, "total_stock": count}, "total_stock")
    await refused(shop, "post", "/coupon-templates", {**FIXED, "amount_off": count}, "amount_off")


@SQLITE_ONLY
async def test_a_percent_is_only_a_json_number(shop) -> None:
    percent = {"name": "Ten", "kind": "percent", "percent_off": "12.5"}
    await refused(shop, "post", "/coupon-templates", percent, "percent_off")
    assert (
        await shop.call("post", "/coupon-templates", {**percent, "percent_off": 12.5})
    ).status == 201


@SQLITE_ONLY
async def test_a_validation_failure_lists_every_problem_with_its_field(shop) -> None:
    body = {**FIXED, "amount_off": "5", "stackable": 0, "valid_until": 0, "surprise": 1}
    response = await shop.call("post", "/coupon-templates", body)
    assert response.status == 422, response.text
    error = response.json["error"]
    fields = {problem["field"] for problem in error["problems"]}
    assert fields == {"amount_off", "valid_until", "stackable", "surprise"}
    first = error["problems"][0]
    assert error["field"] == first["field"]
    assert error["message"] == f"{first['message']} (and 3 more problems)"


@SQLITE_ONLY
async def test_publishing_an_invalid_activity_lists_its_problems_in_the_same_shape(shop) -> None:
    draft = await created(shop, "/activities", {**wheel(), "kind": "collection", "prizes": []})
    response = await shop.call("post", f"/activities/{draft['id']}/publish")
    assert (response.status, response.json["error"]["code"]) == (422, "activity_invalid")
    error = response.json["error"]
    assert error["problems"] and set(error["problems"][0]) == {"field", "message"}
    assert error["problems"][0]["field"] == error["field"]


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85"])
async def test_api_text_with_a_control_character_is_422_naming_each_field(shop, character) -> None:
    prize = {"name": f"Go{character}ld", "reward": {"type": "points", "amount": 1}}
    body = wheel(
        name=f"Spr{character}ing",
        prizes=[prize, {"name": "T", "consolation": True, "reward": {"type": "none"}}],
    )
    error = await refused(shop, "post", "/activities", body, "name")
    assert [p["field"] for p in error["problems"]] == ["name", "prizes.0.name"]
    assert f"U+{ord(character):04X}" in error["message"]


async def test_api_text_keeps_tabs_and_line_breaks(shop) -> None:
    activity = await created(shop, "/activities", wheel(description="Spin\tto win\r\nToday only"))
    assert activity["description"] == "Spin\tto win\r\nToday only"


async def test_a_control_character_in_a_key_of_the_body_is_422(shop) -> None:
    activity = await created(shop, "/activities", wheel())
    body = {"prize_stock": {"Go\x00ld": 5}}
    await refused(shop, "patch", f"/activities/{activity['id']}", body, "prize_stock")


async def test_a_lone_surrogate_in_api_json_is_400_malformed_json(shop) -> None:
    _, response = await shop.client.put(
        "/api/v1/customers/eve",
        content=json.dumps({"name": "E\ud800ve"}),
        headers={"Authorization": f"Bearer {shop.key}", "Content-Type": "application/json"},
    )
    assert (response.status, response.json["error"]["code"]) == (400, "malformed_json")


async def test_an_idempotency_key_over_255_characters_is_its_own_error(shop) -> None:
    for length, status in [(256, 400), (255, 201)]:
        response = await shop.call(
            "post",
            "/customers/alice/points/adjust",
            {"points": 5, "reason": "Welcome"},
            headers={"Idempotency-Key": "k" * length},
        )
        assert response.status == status, response.text
    response = await shop.call(
        "post",
        "/customers/alice/points/adjust",
        {"points": 5},
        headers={"Idempotency-Key": "k" * 256},
    )
    error = response.json["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_too_long", "Idempotency-Key")
    assert "256" in error["message"]
