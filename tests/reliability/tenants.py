"""Two merchants for the isolation walk: A with one real object behind every kind of id a route
takes, made through the API as a merchant would, and B with credentials of every kind (an API
key, a Telegram bot, a WhatsApp number) and nothing else."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field

from sanic import Sanic
from sanic_testing.testing import SanicASGITestClient
from sqlalchemy import select

from core.clock import utcnow
from core.db import Database
from core.migrations import load_all_models
from core.staff.models import Role
from core.webhooks.models import WebhookDelivery
from tests.activities.shop import Shop, wheel
from tests.factories import customer, template_body
from tests.web.console.staff import csrf_token, log_in, staff
from web.console.cookies import SESSION_COOKIE

A_CUSTOMER = "alice-of-shop-a"
B_CUSTOMER = "bob-of-shop-b"


@dataclass
class Tenant:
    shop: Shop
    # Each id of this merchant's objects, under the name routes give the path parameter.
    ids: dict[str, str] = field(default_factory=dict)
    # What a customer would type at checkout: an unused coupon's code and a batch's code.
    coupon_code: str = ""
    batch_code: str = ""
    telegram_secret: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    # The owner's console session and the CSRF token its pages carry.
    console_cookie: str = ""
    console_csrf: str = ""

    def console_headers(self) -> dict[str, str]:
        return {
            "cookie": f"{SESSION_COOKIE}={self.console_cookie}",
            "X-CSRF-Token": self.console_csrf,
        }

    def whatsapp_signature(self, raw: bytes) -> str:
        digest = hmac.new(self.whatsapp_app_secret.encode(), raw, hashlib.sha256).hexdigest()
        return f"sha256={digest}"


async def created(shop: Shop, path: str, body: dict, status: int = 201) -> dict:
    response = await shop.call("post", path, body)
    assert response.status == status, f"{path}: {response.text}"
    return response.json


async def connect_chats(tenant: Tenant, fakes, *, number: int) -> None:
    """Connect a Telegram bot and a WhatsApp number of the tenant's own (`number` keeps two
    tenants' tokens, phone ids and secrets apart)."""
    fake_telegram, fake_whatsapp = fakes
    token = f"{4242424240 + number}:AAH-isolation-token-{number:04d}-abcdefghijklmn"
    fake_telegram.add_bot(token, username=f"shop{number}_bot")
    bot = await created(tenant.shop, "/channels/telegram", {"token": token})
    tenant.ids["bot_id"] = bot["external_id"]
    tenant.telegram_secret = fake_telegram.webhooks[token]["secret_token"]
    phone_id, wa_token = f"10654035224{number:04d}", f"EAAG-isolation-{number}"
    fake_whatsapp.add_number(phone_id, wa_token)
    tenant.whatsapp_app_secret = f"app-secret-of-shop-{number}"
    tenant.whatsapp_verify_token = f"verify-token-of-shop-{number}"
    number_body = {
        "phone_number_id": phone_id,
        "access_token": wa_token,
        "app_secret": tenant.whatsapp_app_secret,
        "verify_token": tenant.whatsapp_verify_token,
    }
    whatsapp = await created(tenant.shop, "/channels/whatsapp", number_body)
    tenant.ids["account_id"] = whatsapp["id"]


async def merchant_b(shop: Shop, fakes) -> Tenant:
    tenant = Tenant(shop)
    await connect_chats(tenant, fakes, number=2)
    await customer(shop.db, shop.merchant, B_CUSTOMER, name="Bob of B")
    return tenant


async def sign_in_to_console(app: Sanic, tenant: Tenant) -> None:
    email = f"owner@{tenant.shop.merchant.id}.example"
    await staff(tenant.shop.db, tenant.shop.merchant, Role.OWNER, email)
    browser = SanicASGITestClient(app)
    signed_in = await log_in(browser, email)
    assert signed_in.status in (302, 303), signed_in.text
    # Its cookie is Secure (the walk's public URL is https): sent by hand over the test's http.
    tenant.console_cookie = signed_in.cookies[SESSION_COOKIE]
    _, page = await browser.get("/console/", headers=tenant.console_headers())
    assert page.status == 200, page.text
    tenant.console_csrf = csrf_token(page.text)


async def merchant_a(shop: Shop, fakes) -> Tenant:
    """A with an object of each kind, and a redemption of one of its coupons."""
    tenant = Tenant(shop)
    await connect_chats(tenant, fakes, number=1)
    alice = await customer(shop.db, shop.merchant, A_CUSTOMER, name="Alice of A")
    ids = tenant.ids
    ids["customer_id"] = str(alice.id)
    ids["external_id"] = A_CUSTOMER
    activity = await shop.live(wheel(name="Shop A's wheel"))
    ids["activity_id"], ids["slug"] = activity["id"], activity["slug"]
    template = await created(shop, "/coupon-templates", template_body(name="Shop A's coupon"))
    ids["template_id"] = template["id"]
    reward = {"type": "coupon", "template_id": template["id"]}
    batch = {"name": "Shop A's flyer", "kind": "generated", "count": 3, "reward": reward}
    ids["batch_id"] = (await created(shop, "/code-batches", batch))["id"]
    exported = await shop.call("get", f"/code-batches/{ids['batch_id']}/export")
    tenant.batch_code = exported.text.splitlines()[1].split(",")[0]
    item = {"name": "Shop A's tea", "cost": 100, "reward": reward}
    ids["item_id"] = (await created(shop, "/points/catalogue", item))["id"]
    rule = {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100}
    ids["rule_id"] = (await created(shop, "/points/rules", rule))["id"]
    hook = {"url": "http://127.0.0.1:9/shop-a-hook", "events": ["*"]}
    ids["endpoint_id"] = (await created(shop, "/webhook-endpoints", hook))["id"]
    ids["delivery_id"] = await given_up_delivery(shop, ids["endpoint_id"])
    broadcast = await created(shop, "/broadcasts", {"text": "Shop A's sale"}, status=202)
    ids["job_id"] = broadcast["id"]
    ids["key_id"] = (await shop.call("get", "/api-keys")).json["items"][0]["id"]
    manager_email = f"manager@{shop.merchant.id}.example"
    ids["staff_id"] = str(await staff(shop.db, shop.merchant, Role.MANAGER, manager_email))
    ids["redemption_id"] = await redeemed_coupon(shop, template["id"])
    tenant.coupon_code = (await claimed(shop, template["id"]))["code"]
    return tenant


async def given_up_delivery(shop: Shop, endpoint_id: str) -> str:
    """A delivery the shop's endpoint never took, as the console's Send again retries."""
    delivery = WebhookDelivery(
        endpoint_id=uuid.UUID(endpoint_id),
        merchant_id=shop.merchant.id,
        event_id=uuid.uuid4(),
        event_type="coupon.claimed",
        body="{}",
        status="given_up",
        attempts=8,
        next_attempt_at=utcnow(),
    )
    async with shop.db.transaction() as session:
        session.add(delivery)
    return str(delivery.id)


def order(number: int = 1) -> dict:
    line = {"sku": "TEA", "unit_amount": 1000, "quantity": 1}
    return {"id": f"order-{number}", "currency": "EUR", "items": [line]}


async def claimed(shop: Shop, template_id: str) -> dict:
    return await created(shop, f"/coupon-templates/{template_id}/claim", {"customer": A_CUSTOMER})


async def redeemed_coupon(shop: Shop, template_id: str) -> str:
    body = {"customer": A_CUSTOMER, "codes": [(await claimed(shop, template_id))["code"]]}
    response = await shop.call(
        "post", "/redemptions", {**body, "order": order()}, headers={"Idempotency-Key": "a-1"}
    )
    assert response.status == 201, response.text
    return response.json["id"]


async def rows_of(db: Database, merchant_id) -> dict[str, list[str]]:
    """Every row of the merchant's, in each table that carries merchant_id, as text: what
    another merchant's requests must leave exactly as it was."""
    rows = {}
    async with db.transaction(write=False) as session:
        for table in load_all_models().metadata.sorted_tables:
            column = table.c.get("merchant_id")
            if table.name == "merchants":
                column = table.c.id
            if column is None:
                continue
            result = await session.execute(select(table).where(column == merchant_id))
            rows[table.name] = sorted(str(tuple(row)) for row in result)
    return rows
