"""The complete bodies in docs/api.md are posted to the API as a reader would post them: each is
accepted, and each activity publishes. So the guide cannot drift from the API."""

import json
import re
from pathlib import Path

import pytest

from tests.factories import bearer, merchant_with_key

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# The line before a ```json block names its route, and the name later bodies call its id by.
ROUTE = re.compile(r"`POST (/api/v1/[a-z-]+)`")
SAVED_AS = re.compile(r"its `id` is `\$([A-Z_]+)`")
PLACEHOLDER = re.compile(r"^\$([A-Z_]+)$")
ACTIVITY_KINDS = {"lucky_draw", "marquee", "red_envelope", "collection"}


def examples() -> list[tuple[str, str | None, dict]]:
    """(path, name its id is saved as, body) of every JSON body the guide gives a POST for."""
    found, lines = [], GUIDE.read_text().splitlines()
    for number, text in enumerate(lines):
        if text != "```json":
            continue
        intro = next(line for line in reversed(lines[:number]) if line.strip())
        route = ROUTE.search(intro)
        if route is None:
            continue
        end = lines.index("```", number + 1)
        saved = SAVED_AS.search(intro)
        body = json.loads("\n".join(lines[number + 1 : end]))
        found.append((route.group(1), saved.group(1) if saved else None, body))
    return found


def filled_in(value, ids: dict[str, str]):
    """The body with each "$NAME" replaced by the id an earlier example's answer gave."""
    if isinstance(value, dict):
        return {key: filled_in(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [filled_in(item, ids) for item in value]
    if isinstance(value, str) and (placeholder := PLACEHOLDER.match(value)):
        return ids[placeholder.group(1)]
    return value


def test_the_guide_has_a_complete_body_for_templates_flash_sales_and_each_activity() -> None:
    found = examples()
    templates = [body for path, _, body in found if path == "/api/v1/coupon-templates"]
    kinds = {body["kind"] for path, _, body in found if path == "/api/v1/activities"}
    assert any("claim_starts_at" in body and "total_stock" in body for body in templates)
    assert any("claim_starts_at" not in body for body in templates)
    assert kinds == ACTIVITY_KINDS


@pytest.mark.parametrize(
    "example", examples(), ids=lambda example: f"{example[0]} {example[2].get('name')}"
)
async def test_each_body_in_the_guide_is_accepted_and_each_activity_publishes(
    client, db, example
) -> None:
    _, key = await merchant_with_key(db)
    ids: dict[str, str] = {}
    for path, saved_as, body in examples():  # the earlier bodies make the ids this one names
        _, created = await client.post(path, headers=bearer(key), json=filled_in(body, ids))
        assert created.status == 201, (path, created.text)
        if saved_as:
            ids[saved_as] = created.json["id"]
        if (path, saved_as, body) == example:
            break
    if path == "/api/v1/activities":
        _, published = await client.post(
            f"{path}/{created.json['id']}/publish", headers=bearer(key)
        )
        assert published.status == 200, published.text
        assert published.json["status"] in ("scheduled", "live")
