"""The dashboard: today's numbers and the 30-day chart from the daily statistics, by the
merchant's days; live and scheduled activities."""

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from core.clock import utcnow
from core.stats.models import DailyStat


async def _count(db, merchant, day, metric: str, count: int, amount: int = 0) -> None:
    async with db.transaction() as session:
        session.add(
            DailyStat(
                merchant_id=merchant.id,
                day=day,
                metric=metric,
                subject_kind="activity",
                subject_id=uuid.uuid4(),
                channel="web",
                count=count,
                amount=amount,
            )
        )


async def test_todays_numbers_add_up_every_subject_on_the_merchants_today(
    client, db, merchant, token
) -> None:
    today = utcnow().astimezone(ZoneInfo(merchant.timezone)).date()
    await _count(db, merchant, today, "activity.played", 7)
    await _count(db, merchant, today, "activity.played", 5)
    await _count(db, merchant, today, "coupon.redeemed", 2, amount=1250)
    await _count(db, merchant, today - timedelta(days=1), "activity.played", 40)
    await _count(db, merchant, today - timedelta(days=31), "activity.played", 99)
    _, page = await client.get("/console/")
    numbers = page.text.split('<dl class="numbers">')[1].split("</dl>")[0]
    assert "<dd>12</dd>" in numbers and "<dd>2</dd>" in numbers
    assert "€12.50 off" in numbers
    assert "Most in one day: 40" in page.text  # yesterday; 31 days ago is off the chart
    assert page.text.count('class="chart-bar"') == 30


async def test_the_dashboard_lists_live_and_scheduled_draws(client, db, merchant, token) -> None:
    from core.activities.schemas import ActivityCreate
    from core.activities.service import create_activity, publish

    now = utcnow()
    prizes = [{"name": "Thanks", "consolation": True, "reward": {"type": "none"}}]
    async with db.transaction() as session:
        for name, start in (
            ("Live wheel", now - timedelta(hours=1)),
            ("Later wheel", now + timedelta(days=2)),
        ):
            data = ActivityCreate(
                kind="lucky_draw",
                name=name,
                starts_at=start,
                ends_at=now + timedelta(days=9),
                prizes=prizes,
            )
            activity = await create_activity(session, merchant, data)
            await publish(session, merchant.id, activity.id)
    _, page = await client.get("/console/")
    live, scheduled = page.text.split("Live now")[1].split("Scheduled")
    assert "Live wheel" in live and "Later wheel" in scheduled
