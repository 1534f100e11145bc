"""A draw with daily tries starts a new round every day: at the merchant's chosen time of day,
the customers who played it before and may play again hear so in their chat, once a day."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.channels.models import OutgoingMessage
from core.clock import utcnow
from core.customers.service import get_customer
from core.jobs.models import Job
from core.merchants.models import Merchant
from core.stock.models import QuotaUsage
from tests.activities.shop import wheel, window
from tests.channels.chats import CHATS, Chat, option
from tests.channels.conftest import another_customer
from tests.waiting import wait_until
from workers.reminders import (
    NEW_ROUND_JOB_KIND,
    round_reminder_day,
    start_new_round_reminders,
)


@pytest.fixture(params=["telegram", "whatsapp"])
async def chat(request, shop, fake_telegram, fake_whatsapp, worker) -> Chat:
    """A customer on a channel that can be written to unasked (not the web chat)."""
    fake = {"telegram": fake_telegram, "whatsapp": fake_whatsapp}[request.param]
    conversation = CHATS[request.param](shop, fake)
    await conversation.connect()
    return conversation


@pytest.fixture
async def telegram_chat(shop, fake_telegram, worker) -> Chat:
    conversation = CHATS["telegram"](shop, fake_telegram)
    await conversation.connect()
    return conversation


async def noon_somewhere(shop) -> str:
    """Move the merchant to a timezone where it is now between 12:00 and 13:00, so a reminder
    time an hour either side is safely past or still to come; returns that zone."""
    offset = (12 - utcnow().hour + 12) % 24 - 12
    zone = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
    async with shop.db.transaction() as session:
        await session.execute(
            update(Merchant).where(Merchant.id == shop.merchant.id).values(timezone=zone)
        )
    return zone


def local_day(zone: str, days_ago: int = 0) -> str:
    return (utcnow().astimezone(ZoneInfo(zone)) - timedelta(days=days_ago)).date().isoformat()


def daily_wheel(remind_at: str | None = "11:00", total: int | None = 3) -> dict:
    rules = {"tries_per_customer_per_day": 1, "remind_new_round_at": remind_at}
    if total is not None:
        rules["tries_per_customer_total"] = total
    return wheel(rules=rules)


def external_id(chat: Chat) -> str:
    return f"{chat.channel}:{chat.user_id if chat.channel == 'telegram' else chat.wa_id}"


async def played(chat: Chat, activity: dict, *, days_ago: int, zone: str, tries: int = 1) -> None:
    """The customer played `days_ago` days ago (tries: how many tries they have used in all)."""
    response = await chat.shop.play(activity, external_id(chat))
    assert response.status == 200, response.text
    async with chat.shop.db.transaction() as session:
        customer = await get_customer(session, chat.shop.merchant.id, external_id(chat))
        usage = (QuotaUsage.owner_id == uuid.UUID(activity["id"])) & (
            QuotaUsage.holder_id == customer.id
        )
        await session.execute(
            update(QuotaUsage)
            .where(usage, QuotaUsage.period == local_day(zone))
            .values(period=local_day(zone, days_ago))
        )
        await session.execute(
            update(QuotaUsage).where(usage, QuotaUsage.period == "").values(used=tries)
        )


async def the_job_done(the_job) -> bool:
    return (await the_job()).status == "succeeded"


def reminders(chat: Chat) -> list:
    return [seen for seen in chat._received() if "new round" in seen.text]


async def test_yesterdays_player_hears_of_the_new_round_once_and_can_play_from_it(chat, shop):
    zone = await noon_somewhere(shop)
    activity = await shop.live(daily_wheel())
    await chat.start(activity["slug"], activity["slug"])
    await played(chat, activity, days_ago=1, zone=zone)

    assert await start_new_round_reminders(shop.db) == 1
    assert await start_new_round_reminders(shop.db) == 0  # once a day
    await wait_until(lambda: reminders(chat))
    [reminder] = reminders(chat)
    assert "Spring wheel" in reminder.text and "Today's tries: 1" in reminder.text

    card = await chat.press(option(reminder, "a:"))
    assert any(o.startswith("p:") for seen in card for o in seen.options)
    assert len(reminders(chat)) == 1


async def test_only_players_who_may_play_again_today_are_reminded(telegram_chat, shop):
    chat = telegram_chat
    zone = await noon_somewhere(shop)
    activity = await shop.live(daily_wheel(total=2))
    yesterday, today, spent, newcomer = [chat] + [
        await another_customer(chat, who) for who in (1, 2, 3)
    ]
    for customer in (yesterday, today, spent, newcomer):
        await customer.start(activity["slug"], activity["slug"])
    await played(yesterday, activity, days_ago=1, zone=zone)
    await played(today, activity, days_ago=0, zone=zone)
    await played(spent, activity, days_ago=1, zone=zone, tries=2)

    assert await start_new_round_reminders(shop.db) == 1
    await wait_until(lambda: reminders(yesterday))

    async def the_job() -> Job:
        async with shop.db.transaction(write=False) as session:
            query = select(Job).where(Job.kind == NEW_ROUND_JOB_KIND)
            return (await session.execute(query)).scalar_one()

    await wait_until(lambda: the_job_done(the_job))
    job = await the_job()
    assert (job.total, job.counters) == (3, {"queued": 1, "skipped": 2})
    assert job.key == f"{NEW_ROUND_JOB_KIND}:{activity['id']}:{local_day(zone)}"
    for other in (today, spent, newcomer):
        assert not reminders(other)


async def test_no_round_reminder_before_its_time_or_for_a_paused_draw(telegram_chat, shop):
    chat = telegram_chat
    zone = await noon_somewhere(shop)
    later = await shop.live(daily_wheel(remind_at="13:30"))
    paused = await shop.live(daily_wheel())
    silent = await shop.live(daily_wheel(remind_at=None))
    await chat.start(later["slug"], later["slug"])
    for activity in (later, paused, silent):
        await played(chat, activity, days_ago=1, zone=zone)
    assert (await shop.call("post", f"/activities/{paused['id']}/pause")).status == 200

    assert await start_new_round_reminders(shop.db) == 0
    async with shop.db.transaction(write=False) as session:
        queued = (
            await session.execute(
                select(OutgoingMessage.id).where(OutgoingMessage.dedupe_key.like("reminder:%"))
            )
        ).all()
    assert not queued


@pytest.mark.parametrize(
    ("at", "local_now", "due"),
    [
        ("10:00", "2026-03-10 10:00", "2026-03-10"),
        ("10:00", "2026-03-10 23:59", "2026-03-10"),
        ("10:00", "2026-03-10 09:59", None),
        ("23:58", "2026-03-11 00:02", "2026-03-10"),
        ("20:00", "2026-03-11 01:59", "2026-03-10"),
        ("18:00", "2026-03-11 00:01", None),
    ],
)
def test_a_round_reminder_is_due_from_its_time_and_a_little_past_midnight(at, local_now, due):
    zone = ZoneInfo("Europe/Madrid")
    now = datetime.fromisoformat(local_now).replace(tzinfo=zone).astimezone(UTC)
    day = round_reminder_day(at, now, zone)
    assert (day.isoformat() if day else None) == due


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ({"remind_new_round_at": "10:00"}, "needs tries_per_customer_per_day"),
        ({"tries_per_customer_per_day": 1, "remind_new_round_at": "24:00"}, "pattern"),
        ({"tries_per_customer_per_day": 1, "remind_new_round_at": "9:00"}, "pattern"),
    ],
)
async def test_a_round_reminder_needs_daily_tries_and_a_time_of_day(shop, rules, problem):
    response = await shop.call("post", "/activities", wheel(rules=rules))
    assert response.status == 422, response.text
    assert problem in response.text


async def test_only_draws_have_rounds(shop):
    envelope = await shop.created(
        {
            "kind": "red_envelope",
            "name": "Lucky money",
            **window(),
            "rules": {"tries_per_customer_per_day": 1, "remind_new_round_at": "10:00"},
            "envelope": {"pot": 1000, "shares": 10},
        }
    )
    published = await shop.call("post", f"/activities/{envelope['id']}/publish")
    assert published.status == 422, published.text
    assert "only draws have a new round each day" in published.text
