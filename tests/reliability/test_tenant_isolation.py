"""Tenant isolation on every route: the walk takes the app's route table as it is, so a route
added later is called too. Each is called with merchant B's credentials and merchant A's ids
in its path; it must refuse (404, or 403; a webhook also 401), and no answer may hold A's
data, nor may any of A's rows change. A route that is neither public (listed below, with why)
nor under a prefix whose credentials the walk knows fails the test until it is taught."""

import json
import re
from dataclasses import dataclass

import pytest
from sanic import Sanic

from tests.activities.shop import Shop
from tests.factories import bearer, merchant_with_key
from tests.fixtures.databases import make_settings
from tests.reliability.tenants import (
    B_CUSTOMER,
    Tenant,
    merchant_a,
    merchant_b,
    order,
    rows_of,
    sign_in_to_console,
)

# Routes anyone may call, by path prefix: none of them reads or changes a merchant's data.
PUBLIC_PREFIXES = {
    "healthz": "liveness, nothing else",
    "metrics": "request and outbox counters of the process, no merchant's data",
    "api/v1/openapi.json": "the API's description",
    "api/v1/docs": "the API's documentation pages and their files",
    "static/": "stylesheets and scripts",
    "qr/": "draws the text in its own path as a QR code",
    # An activity's public pages and web chat: anyone with its link takes part, as a customer
    # of the activity's merchant, by design.
    "a/": "an activity's share pages",
    "webchat/": "an activity's web chat",
}
# The console's doors: anyone may ask to sign up or log in, and reach no merchant's data by it.
PUBLIC_ROUTES = {
    (method, f"console/{door}") for method in ("GET", "POST") for door in ("login", "signup")
}
# Ends B's console session: called last, so the walk's other console calls are signed in.
SIGNS_OUT = {"console_accounts.logout"}
# A's ids that B's requests may use as names of B's own objects: a customer's external id is
# the shop's own identifier, so B upserting "its" customer by that id makes B's customer. Called
# last, so that the walk's other calls find no such customer of B's.
OWN_NAMESPACE = {"customers.upsert_customer"}
# Bodies by route name (blueprint.handler), so that a route refuses for A's id and not for a
# missing field: without the check, each would act on A's object. A route with A's id in its
# path and a body to take needs one here; without it, it answers 422, which the walk reports.
# A body may name A's objects ({name}: A's id or code): the route may refuse as it sees fit (a
# redemption rejects an unknown code), but must change none of A's rows.
BODIES = {
    "coupons.claim": {"customer": B_CUSTOMER},
    "codes.assign": {"customer": B_CUSTOMER},
    "activities.play_once": {"customer": B_CUSTOMER},
    "points.spend": {"points": 1},
    "points.adjust": {"points": 1, "reason": "isolation"},
    "points.exchange": {"item": "{item_id}"},
    "codes.redeem": {"customer": B_CUSTOMER, "code": "{batch_code}"},
    "coupons.issue": {"template_id": "{template_id}", "customers": [B_CUSTOMER]},
    "redemptions.validate": {
        "customer": B_CUSTOMER,
        "codes": ["{coupon_code}"],
        "order": order(),
    },
    "redemptions.redeem": {
        "customer": B_CUSTOMER,
        "codes": ["{coupon_code}"],
        "order": order(),
    },
    "console_cashier.redeem_at_counter": {"code": "{coupon_code}", "amount": "10.00"},
}
# Console routes that take JSON (as the web chat's script sends), by name, with their bodies.
CONSOLE_JSON = {"console_try_it.try_message": {"kind": "text", "text": "hello"}}
# Query strings by route name: where a route looks A's objects up by what it is given.
QUERIES = {"console_cashier.cashier": {"code": "{coupon_code}"}}
CSV_BODIES = {"codes.import_codes": b"code\nISOLATION-1\n"}
_PARAMETER = re.compile(r"<(?P<name>[a-z_]+)(?::(?P<pattern>[^>]+))?>")


@dataclass(frozen=True)
class Call:
    method: str
    route: str
    name: str
    path: str
    names_a: bool  # whether the path holds one of A's ids


@pytest.fixture
def settings(tmp_path, database_url, fake_telegram, fake_whatsapp):
    """The fake platforms, so both merchants connect a bot and a number; webhook endpoints on
    loopback, where A's points (nothing is delivered: no worker runs)."""
    return make_settings(
        tmp_path,
        database_url,
        public_url="https://confetti.test",
        telegram_api_base=fake_telegram.base_url,
        whatsapp_api_base=f"{fake_whatsapp.base_url}/v21.0",
        webhooks_allow_private=True,
    )


def is_public(method: str, route: str) -> bool:
    return (method, route) in PUBLIC_ROUTES or route.startswith(tuple(PUBLIC_PREFIXES))


def calls(app: Sanic, a: Tenant) -> list[Call]:
    """Every route and method, its parameters filled from A's objects by name (each choice of a
    parameter that lists its values); those in B's own namespace last."""
    walk = [
        Call(method, route.path, handler_name(route.name), path, names_a=path != route.path)
        for route in app.router.routes
        for method in sorted(route.methods - {"HEAD", "OPTIONS"})
        if not is_public(method, route.path)
        for path in filled(route.path, a)
    ]
    return sorted(walk, key=lambda call: (call.name in SIGNS_OUT, call.name in OWN_NAMESPACE))


def handler_name(route_name: str) -> str:
    """`blueprint.handler`, without the app's name (the test session makes many apps)."""
    return route_name.partition(".")[2]


def with_a_values(template: dict, a: Tenant) -> dict:
    values = {**a.ids, "coupon_code": a.coupon_code, "batch_code": a.batch_code}
    text = json.dumps(template)
    return json.loads(re.sub(r"\{(\w+)\}", lambda match: values[match[1]], text))


def filled(route: str, a: Tenant) -> list[str]:
    match = _PARAMETER.search(route)
    if match is None:
        return [route]
    name, pattern = match["name"], match["pattern"] or ""
    if re.fullmatch(r"[a-z]+(\|[a-z]+)+", pattern):
        values = pattern.split("|")
    else:
        assert name in a.ids, f"{route}: no object of A's for <{name}>; add one in tenants.py"
        values = [a.ids[name]]
    head, tail = route[: match.start()], route[match.end() :]
    return [head + value + rest for value in values for rest in filled(tail, a)]


async def send(client, call: Call, a: Tenant, b: Tenant):
    """The request with B's credentials for the route's kind."""
    if call.route.startswith("console"):
        return await send_from_console(client, call, a, b)
    raw, params = json.dumps(with_a_values(BODIES.get(call.name, {}), a)).encode(), {}
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"isolation-{call.path}"}
    if call.name in CSV_BODIES:
        raw, headers["Content-Type"] = CSV_BODIES[call.name], "text/csv"
    if call.route.startswith("api/v1/"):
        headers |= bearer(b.shop.key)
    elif call.route.startswith("webhooks/telegram/"):
        headers["X-Telegram-Bot-Api-Secret-Token"] = b.telegram_secret
        raw = json.dumps({"update_id": 1}).encode()
    elif call.route.startswith("webhooks/whatsapp/"):
        raw = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
        headers["X-Hub-Signature-256"] = b.whatsapp_signature(raw)
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": b.whatsapp_verify_token,
            "hub.challenge": "isolation",
        }
    else:
        pytest.fail(
            f"{call.method} /{call.route}: not public and no credentials known for it; list it "
            "in PUBLIC_* with why, or teach `send` how a merchant signs in there"
        )
    content = {} if call.method in ("GET", "DELETE") else {"content": raw}
    _, response = await getattr(client, call.method.lower())(
        f"/{call.path}", headers=headers, params=params, **content
    )
    return response


async def send_from_console(client, call: Call, a: Tenant, b: Tenant):
    """As B's owner's signed-in browser, with its CSRF token, as the console's forms send."""
    params = with_a_values(QUERIES.get(call.name, {}), a)
    form = {"csrf_token": b.console_csrf, **with_a_values(BODIES.get(call.name, {}), a)}
    content = {} if call.method == "GET" else {"data": form}
    if call.name in CONSOLE_JSON:
        content = {"json": CONSOLE_JSON[call.name]}
    client.cookies.clear()
    _, response = await getattr(client, call.method.lower())(
        f"/{call.path}",
        headers=b.console_headers(),
        params=params,
        follow_redirects=False,
        **content,
    )
    return response


def refusals(call: Call) -> set[int]:
    """A webhook authenticates by its account's own secret: B's is simply the wrong one."""
    return {401, 403, 404} if call.route.startswith("webhooks/") else {403, 404}


def a_markers(a: Tenant) -> set[str]:
    """What in an answer would be A's data: its ids (but the customer's external id, the
    shop's own name for a customer), and the names given to its objects."""
    ids = {value for name, value in a.ids.items() if name != "external_id"}
    return ids | {str(a.shop.merchant.id), "Shop A", "Alice of A"}


def what_is_wrong(call: Call, response, markers: set[str]) -> str | None:
    if leaked := sorted(marker for marker in markers if marker in response.text):
        return f"shows A's {leaked}"
    if response.status >= 500:
        return response.text[:200]
    refused = response.status in refusals(call)
    if call.names_a and call.name not in OWN_NAMESPACE and not refused:
        return f"not refused: {response.text[:200]}"
    return None


async def test_merchant_b_reaches_none_of_merchant_as_data_on_any_route(
    app,
    client,
    db,
    fake_telegram,
    fake_whatsapp,
) -> None:
    fakes = (fake_telegram, fake_whatsapp)
    shop_a, shop_b = Shop(client, db), Shop(client, db)
    shop_a.merchant, shop_a.key = await merchant_with_key(db, name="Shop A")
    shop_b.merchant, shop_b.key = await merchant_with_key(db, name="Shop B")
    a, b = await merchant_a(shop_a, fakes), await merchant_b(shop_b, fakes)
    await sign_in_to_console(app, b)
    before = await rows_of(db, shop_a.merchant.id)
    markers = a_markers(a)
    walked, failures, console_pages = [], [], 0
    for call in calls(app, a):
        response = await send(client, call, a, b)
        walked.append(call)
        console_pages += call.route.startswith("console") and response.status == 200
        if problem := what_is_wrong(call, response, markers):
            failures.append(f"{call.method} /{call.path} -> {response.status}: {problem}")
    assert not failures, "\n".join(failures)
    assert await rows_of(db, shop_a.merchant.id) == before, "B's requests changed A's rows"
    # The walk reached every kind of route, A's ids in place.
    assert {c.route.split("/")[0] for c in walked} >= {"api", "webhooks", "console"}
    assert sum(c.names_a for c in walked) >= 30
    assert console_pages >= 5, "B's console calls were not signed in"
