"""The owner's integration screens in a real browser: an API key created and shown once, a
webhook URL refused beside its field, an endpoint with a given-up delivery, and the channels
with a connected bot and a WhatsApp form refused beside its field, a broadcast's reach and
progress, and a wheel spun in the Try it chat; a screenshot of each at
phone and desktop widths, each page passing the accessibility check."""

from sqlalchemy import select

from core.activities.schemas import ActivityCreate
from core.activities.service import create_activity, publish
from core.channels.service import first_receipt, save_account
from core.crypto import Sealer
from core.merchants.models import Merchant
from core.merchants.service import KEY_PREFIX
from tests.activities.shop import wheel
from tests.browser.test_console import _check, _sign_up
from tests.web.console.test_webhooks import _given_up
from tests.webhooks.factories import endpoint


async def _seed_integrations(db, settings) -> str:
    """A bot that has received an update, a live wheel, and an endpoint with a delivery given
    up on: what the platforms, the shop system and the shop would have made. Returns the
    endpoint's page."""
    async with db.transaction() as session:
        merchant = (await session.scalars(select(Merchant))).one()
        bot = await save_account(
            session,
            Sealer(settings.secret_key),
            merchant_id=merchant.id,
            channel="telegram",
            external_id="4242424242",
            name="tea_shop_bot",
            credentials={"token": "4242424242:fake"},
            webhook_secret="secret-for-tests",
        )
        await first_receipt(session, bot.id, "update-1")
    async with db.transaction() as session:
        wheel_activity = await create_activity(session, merchant, ActivityCreate(**wheel()))
        await publish(session, merchant.id, wheel_activity.id)
    target = await endpoint(db, merchant, "https://shop.example/confetti-hooks")
    await _given_up(db, target)
    return f"/console/webhooks/{target.id}"


async def test_the_owner_sets_up_integrations_broadcasts_and_tries_a_wheel(
    base_url, db, settings, phone, desktop, shoot
) -> None:
    await _sign_up(desktop, base_url, shoot)
    await desktop.goto(f"{base_url}/console/api-keys/")
    await desktop.get_by_label("Name").fill("Shop checkout")
    await desktop.get_by_role("button", name="Create key").click()
    await desktop.locator(".secret code").wait_for()
    assert (await desktop.locator(".secret code").inner_text()).startswith(KEY_PREFIX)
    await _check(desktop, shoot, "console-api-keys-created")

    await desktop.goto(f"{base_url}/console/webhooks/")
    await desktop.get_by_label("URL").fill("shop.example/hooks")
    await desktop.get_by_role("button", name="Add endpoint").click()
    await desktop.locator("#url-error").wait_for()
    assert await desktop.locator("#events-error").is_visible()
    assert await desktop.get_by_label("URL").input_value() == "shop.example/hooks"
    await _check(desktop, shoot, "console-webhooks-error")

    endpoint_page = await _seed_integrations(db, settings)
    await desktop.goto(base_url + endpoint_page)
    await desktop.get_by_role("button", name="Send again").wait_for()
    await _check(desktop, shoot, "console-webhook")

    await desktop.goto(f"{base_url}/console/channels/")
    await desktop.get_by_text("Receiving").wait_for()
    await desktop.get_by_label("Verify token").fill("short")
    await desktop.locator('form[action$="/whatsapp"] button').click()
    await desktop.locator("#verify_token-error").wait_for()
    await _check(desktop, shoot, "console-channels-error")

    await desktop.goto(f"{base_url}/console/broadcasts/")
    await desktop.get_by_label("Text", exact=True).fill(
        "Spring sale: a free coffee with every cake!"
    )
    await desktop.get_by_label("Button text").fill("Open the shop")
    await desktop.get_by_label("Button link").fill("https://shop.example")
    await desktop.get_by_role("button", name="See the reach").click()
    await desktop.locator("#reach").wait_for()
    await _check(desktop, shoot, "console-broadcast-reach")
    await desktop.get_by_role("button", name="Send").click()
    await desktop.locator("#progress").wait_for()
    await _check(desktop, shoot, "console-broadcast-progress")
    broadcast_page = desktop.url.removeprefix(base_url)

    await desktop.goto(f"{base_url}/console/try/")
    await desktop.get_by_role("button", name="Open the chat").click()
    spin = desktop.locator("#webchat-log button").first
    await spin.wait_for()
    await spin.click()
    await desktop.locator("#webchat-log li").nth(2).wait_for()
    await desktop.get_by_text("Spinning").wait_for(state="hidden")  # the result replaces it
    await _check(desktop, shoot, "console-try-it")
    try_page = desktop.url.removeprefix(base_url)

    await phone.context.add_cookies(await desktop.context.cookies())
    phone.set_default_timeout(5000)
    for path, name in (
        ("/console/api-keys/", "console-api-keys"),
        ("/console/webhooks/", "console-webhooks"),
        (endpoint_page, "console-webhook"),
        ("/console/channels/", "console-channels"),
        ("/console/broadcasts/", "console-broadcast"),
        (broadcast_page, "console-broadcast-progress"),
        (try_page, "console-try-it"),
    ):
        await phone.goto(base_url + path)
        await _check(phone, shoot, name)
