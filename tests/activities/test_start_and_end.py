"""Activities start and end on time: the stored status catches up with the clock, once, with an
event each, whoever runs the schedule and however often."""

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from core.activities.models import Activity
from core.activities.service import catch_up_statuses
from core.clock import utcnow
from core.events.models import Event
from tests.activities.shop import wheel, window


async def move(shop, activity: dict, **times) -> None:
    async with shop.db.transaction() as session:
        await session.execute(
            update(Activity).where(Activity.id == uuid.UUID(activity["id"])).values(**times)
        )


async def status_events(shop) -> list[tuple[str, str]]:
    async with shop.db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event.type, Event.payload)
            .where(Event.type.in_(("activity.started", "activity.ended")))
            .order_by(Event.occurred_at)
        )
        return [(type_, payload["activity_id"]) for type_, payload in rows]


async def catch_up(shop) -> int:
    async with shop.db.transaction() as session:
        return await catch_up_statuses(session)


async def stored(shop, activity: dict) -> Activity:
    async with shop.db.transaction(write=False) as session:
        return await session.get(Activity, uuid.UUID(activity["id"]))


async def test_a_scheduled_draw_starts_and_ends_once_each(shop):
    activity = await shop.live(wheel(**window(start_minutes=60)))
    assert activity["status"] == "scheduled"
    assert await catch_up(shop) == 0

    await move(shop, activity, starts_at=utcnow() - timedelta(seconds=1))
    assert await catch_up(shop) == 1
    assert await catch_up(shop) == 0
    assert (await stored(shop, activity)).status == "live"

    ends_at = utcnow() - timedelta(seconds=1)
    await move(shop, activity, ends_at=ends_at)
    assert await catch_up(shop) == 1
    assert await catch_up(shop) == 0
    ended = await stored(shop, activity)
    assert (ended.status, ended.ended_at) == ("ended", ends_at)
    assert await status_events(shop) == [
        ("activity.started", activity["id"]),
        ("activity.ended", activity["id"]),
    ]


async def test_publishing_a_started_draw_and_ending_it_by_hand_are_recorded_too(shop):
    live = await shop.live(wheel())
    paused = await shop.live(wheel(name="Paused wheel"))
    assert (await shop.call("post", f"/activities/{paused['id']}/pause")).status == 200
    assert (await shop.call("post", f"/activities/{live['id']}/end")).status == 200
    await move(shop, paused, ends_at=utcnow() - timedelta(seconds=1))
    assert await catch_up(shop) == 1
    assert (await stored(shop, paused)).status == "ended"
    assert sorted(await status_events(shop)) == sorted(
        [
            ("activity.started", live["id"]),
            ("activity.started", paused["id"]),
            ("activity.ended", live["id"]),
            ("activity.ended", paused["id"]),
        ]
    )


async def test_two_processes_catching_up_at_once_record_each_end_once(shop):
    activities = [await shop.live(wheel(name=f"Wheel {n}")) for n in range(5)]
    for activity in activities:
        await move(shop, activity, ends_at=utcnow() - timedelta(seconds=1))
    moved = await asyncio.gather(catch_up(shop), catch_up(shop))
    assert sum(moved) == 5
    ended = [event for event in await status_events(shop) if event[0] == "activity.ended"]
    assert sorted(ended) == sorted(("activity.ended", a["id"]) for a in activities)


async def test_a_draw_the_clock_started_and_then_paused_still_records_its_start(shop):
    activity = await shop.live(wheel(**window(start_minutes=60)))
    await move(shop, activity, starts_at=utcnow() - timedelta(seconds=1))
    assert (await shop.call("post", f"/activities/{activity['id']}/pause")).status == 200
    assert await catch_up(shop) == 0
    assert await status_events(shop) == [("activity.started", activity["id"])]


async def test_a_started_draws_start_cannot_move_into_the_future(shop):
    activity = await shop.live(wheel())
    later = {"starts_at": (utcnow() + timedelta(hours=1)).isoformat()}
    response = await shop.call("patch", f"/activities/{activity['id']}", later)
    assert (response.status, response.json["error"]["field"]) == (422, "starts_at")
    assert (await stored(shop, activity)).starts_at < utcnow()
    earlier = {"starts_at": (utcnow() - timedelta(hours=1)).isoformat()}
    assert (await shop.call("patch", f"/activities/{activity['id']}", earlier)).status == 200

    scheduled = await shop.live(wheel(name="Later wheel", **window(start_minutes=60)))
    response = await shop.call("patch", f"/activities/{scheduled['id']}", later)
    assert response.status == 200, response.text
