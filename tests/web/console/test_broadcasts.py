"""Broadcasts in the console (manager and up): the reach of a segment on each channel before
sending, the broadcast job started by Send, and its progress polled by htmx while it runs."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from core.channels.service import save_account
from core.clock import utcnow
from core.crypto import Sealer
from core.customers.service import enter_by_channel
from core.jobs.models import Job
from core.staff.models import Role
from tests.web.console.staff import log_in, page_token, staff

MESSAGE = {
    "text": "Spring sale!",
    "link.title": "Open the shop",
    "link.url": "https://shop.example",
}


@pytest.fixture
async def chat_customers(db, settings, merchant) -> None:
    """Two customers who wrote to the bot and one who wrote on WhatsApp."""
    async with db.transaction() as session:
        for channel, addresses in (("telegram", ("101", "102")), ("whatsapp", ("34600000001",))):
            account = await save_account(
                session,
                Sealer(settings.secret_key),
                merchant_id=merchant.id,
                channel=channel,
                external_id=f"{channel}-account",
                name=channel,
                credentials={"token": "secret"},
                webhook_secret="webhook-secret",
            )
            for address in addresses:
                _, identity, _ = await enter_by_channel(session, merchant.id, channel, address)
                identity.account_id, identity.last_inbound_at = account.id, utcnow()


async def _jobs(db) -> list[Job]:
    async with db.transaction(write=False) as session:
        return list(await session.scalars(select(Job).options(undefer(Job.params))))


async def _post(client, token: str, step: str, **fields: str):
    form = {"csrf_token": token, **MESSAGE, "step": step, **fields}
    _, response = await client.post("/console/broadcasts/", data=form)
    return response


async def test_the_reach_is_counted_per_channel_and_nothing_is_sent(
    client, db, token, chat_customers
) -> None:
    response = await _post(client, token, "preview")
    assert response.status == 200
    assert "Customers it reaches: 3" in response.text
    assert "Telegram: 2" in response.text and "WhatsApp: 1" in response.text
    assert ">Spring sale!</textarea>" in response.text
    assert await _jobs(db) == []


async def test_a_segment_of_one_channel_counts_only_that_channel(
    client, token, chat_customers
) -> None:
    response = await _post(client, token, "preview", **{"segment.channel": "whatsapp"})
    assert "Customers it reaches: 1" in response.text and "Telegram:" not in response.text


async def test_send_starts_the_broadcast_job_and_its_page_polls_the_counts(
    client, db, token, chat_customers
) -> None:
    response = await _post(client, token, "send")
    assert response.status == 303
    [job] = await _jobs(db)
    assert (job.kind, job.total) == ("broadcast", 3)
    assert job.params["message"]["link"] == {
        "title": "Open the shop",
        "url": "https://shop.example",
    }
    _, page = await client.get(response.headers["location"])
    assert "0 of 3 customers done" in page.text
    assert f'hx-get="/console/broadcasts/{job.id}/progress"' in page.text
    _, fragment = await client.get(f"/console/broadcasts/{job.id}/progress")
    assert fragment.text.lstrip().startswith('<section class="card stack" id="progress"')


async def test_a_bad_image_url_and_a_long_button_are_refused_beside_them(client, db, token) -> None:
    response = await _post(
        client, token, "send", image_url="http://shop.example/a.png", **{"link.title": "x" * 21}
    )
    assert response.status == 422
    assert 'id="image_url-error"' in response.text and 'id="link-title-error"' in response.text
    assert 'value="http://shop.example/a.png"' in response.text
    assert await _jobs(db) == []


async def test_sending_needs_the_csrf_token(client, db, token) -> None:
    assert (await _post(client, "forged", "send")).status == 403
    assert await _jobs(db) == []


async def test_a_manager_may_broadcast_and_a_cashier_may_not(client, db, merchant) -> None:
    await staff(db, merchant, Role.MANAGER, "manager@shop.example")
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "manager@shop.example")
    assert "Customers it reaches" not in await page_token(client, "/console/broadcasts/")
    await log_in(client, "till@shop.example")
    _, response = await client.get("/console/broadcasts/")
    assert response.status == 403
