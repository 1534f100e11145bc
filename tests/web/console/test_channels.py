"""Chat channels in the console (owner only): a Telegram bot connected through the same flow
as the API (getMe, then setWebhook), a WhatsApp number checked with the Graph API, and for
each its webhook URL and when an update last arrived. Against the fake platforms."""

import pytest
from sanic_testing.testing import SanicASGITestClient
from sqlalchemy import select

from core.channels.models import ChannelAccount
from core.channels.service import first_receipt
from core.staff.models import Role
from tests.channels.chats import BOT_TOKEN, PHONE_NUMBER_ID, WA_TOKEN
from tests.fixtures.databases import make_settings
from tests.web.console.staff import log_in, staff

PUBLIC_URL = "https://confetti.test"
WHATSAPP = {
    "phone_number_id": PHONE_NUMBER_ID,
    "access_token": WA_TOKEN,
    "app_secret": "app-secret-for-tests",
    "verify_token": "verify-token-for-tests",
}


@pytest.fixture
def settings(tmp_path, database_url, fake_telegram, fake_whatsapp):
    """Confetti on a public https URL (Telegram insists), talking to the fake platforms."""
    return make_settings(
        tmp_path,
        database_url,
        public_url=PUBLIC_URL,
        telegram_api_base=fake_telegram.base_url,
        whatsapp_api_base=f"{fake_whatsapp.base_url}/v21.0",
    )


class HttpsBrowser(SanicASGITestClient):
    """A browser on https, where the Secure session cookie goes (sanic-testing would send a
    path to http)."""

    async def request(self, method, url, *args, **kwargs):
        return await super().request(method, PUBLIC_URL + url, *args, **kwargs)


@pytest.fixture
def client(app) -> SanicASGITestClient:
    return HttpsBrowser(app)


async def _accounts(db) -> list[ChannelAccount]:
    async with db.transaction(write=False) as session:
        return list(await session.scalars(select(ChannelAccount)))


async def _connect_telegram(client, token: str, bot_token: str = BOT_TOKEN):
    _, response = await client.post(
        "/console/channels/telegram", data={"csrf_token": token, "token": bot_token}
    )
    return response


async def test_a_telegram_bot_is_connected_and_its_webhook_set(
    client, db, token, fake_telegram
) -> None:
    fake_telegram.add_bot(BOT_TOKEN, username="tea_bot")
    response = await _connect_telegram(client, token)
    assert response.status == 303
    webhook = "https://confetti.test/webhooks/telegram/4242424242"
    assert fake_telegram.webhooks[BOT_TOKEN]["url"] == webhook
    _, page = await client.get("/console/channels/")
    assert "tea_bot" in page.text and webhook in page.text and "No updates yet" in page.text


async def test_the_time_of_the_last_update_is_shown_in_the_merchants_timezone(
    client, db, token, fake_telegram
) -> None:
    fake_telegram.add_bot(BOT_TOKEN, username="tea_bot")
    await _connect_telegram(client, token)
    [account] = await _accounts(db)
    async with db.transaction() as session:
        await first_receipt(session, account.id, "update-1")
    _, page = await client.get("/console/channels/")
    assert "Receiving" in page.text and "None in the last 7 days" not in page.text


async def test_a_malformed_token_is_refused_beside_its_field_and_kept(
    client, db, token, fake_telegram
) -> None:
    response = await _connect_telegram(client, token, "not a token")
    assert response.status == 422
    assert 'id="token-error"' in response.text and 'value="not a token"' in response.text
    assert fake_telegram.calls == [] and await _accounts(db) == []


async def test_a_token_telegram_rejects_is_said_beside_its_field(client, db, token) -> None:
    response = await _connect_telegram(client, token)  # the fake knows no bot
    assert response.status == 400
    assert 'id="token-error"' in response.text and "Telegram rejected this bot token" in (
        response.text
    )
    assert await _accounts(db) == []


async def test_a_whatsapp_number_is_connected_with_its_webhook_url(
    client, db, token, fake_whatsapp
) -> None:
    fake_whatsapp.add_number(PHONE_NUMBER_ID, WA_TOKEN)
    _, response = await client.post(
        "/console/channels/whatsapp", data={"csrf_token": token, **WHATSAPP}
    )
    assert response.status == 303
    [account] = await _accounts(db)
    _, page = await client.get("/console/channels/")
    assert f"https://confetti.test/webhooks/whatsapp/{account.id}" in page.text
    assert "+1 555-010-0199" in page.text


async def test_a_short_verify_token_is_refused_beside_it_with_the_number_kept(
    client, db, token
) -> None:
    _, response = await client.post(
        "/console/channels/whatsapp", data={"csrf_token": token, **WHATSAPP, "verify_token": "x"}
    )
    assert response.status == 422
    assert 'id="verify_token-error"' in response.text
    assert f'value="{PHONE_NUMBER_ID}"' in response.text
    assert await _accounts(db) == []


async def test_connecting_needs_the_csrf_token(client, db, token, fake_telegram) -> None:
    fake_telegram.add_bot(BOT_TOKEN)
    assert (await _connect_telegram(client, "forged")).status == 403
    assert fake_telegram.calls == [] and await _accounts(db) == []


@pytest.mark.parametrize("role", [Role.CASHIER, Role.MANAGER])
async def test_only_the_owner_sees_channels(client, db, merchant, role) -> None:
    await staff(db, merchant, role, "staff@shop.example")
    await log_in(client, "staff@shop.example")
    _, response = await client.get("/console/channels/")
    assert response.status == 403
