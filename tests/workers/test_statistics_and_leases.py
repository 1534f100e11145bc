import uuid
from datetime import UTC, datetime, timedelta

from core.broker import Message
from core.events.service import EventEnvelope
from core.leases.service import take_lease
from core.stats.service import NO_SUBJECT, daily_counts
from tests.factories import merchant_with_key
from workers.consumers import deliver
from workers.statistics import STATISTICS


def message(merchant_id, type_: str, payload: dict, at: datetime) -> Message:
    envelope = EventEnvelope(
        id=uuid.uuid4(), type=type_, merchant_id=merchant_id, occurred_at=at, payload=payload
    )
    return Message(id=str(envelope.id), topic=type_, body=envelope.model_dump_json().encode())


async def test_statistics_count_each_event_once_by_local_day_and_subject(db) -> None:
    merchant, _ = await merchant_with_key(db, timezone="Asia/Jakarta")
    activity = uuid.uuid4()
    late_evening_utc = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 26 Nov in Jakarta
    won = {"activity_id": str(activity), "cost": 500, "channel": "telegram"}
    first = message(merchant.id, "prize.won", {**won, "amount": 500}, late_evening_utc)
    second = message(merchant.id, "prize.won", {**won, "amount": 700}, late_evening_utc)
    for delivery in (first, first, second):  # the first one redelivered
        await deliver(db, STATISTICS, delivery)
    await deliver(db, STATISTICS, message(merchant.id, "prize.won", {}, late_evening_utc))
    async with db.transaction(write=False) as session:
        counts = await daily_counts(
            session, merchant.id, "prize.won", datetime(2026, 11, 26).date()
        )
    assert counts == {
        ("activity", activity, "telegram"): (2, 1200),
        ("merchant", NO_SUBJECT, "api"): (1, 0),
    }


async def test_one_worker_at_a_time_holds_a_job_lease(db) -> None:
    minute = timedelta(minutes=1)
    async with db.transaction() as session:
        assert await take_lease(session, "coupons.expire", "worker-a", minute)
    async with db.transaction() as session:
        assert not await take_lease(session, "coupons.expire", "worker-b", minute)
        assert await take_lease(session, "coupons.expire", "worker-a", minute)  # renewal
        assert await take_lease(session, "points.expire", "worker-b", minute)
    async with db.transaction() as session:
        assert await take_lease(session, "other.job", "worker-a", -minute)  # already expired
    async with db.transaction() as session:
        assert await take_lease(session, "other.job", "worker-b", minute)
