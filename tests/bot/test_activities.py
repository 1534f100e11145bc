"""`/activities` for managers: the live and scheduled ones with today's numbers, and buttons that
pause, resume, end and share them, the role checked again when a button is pressed."""

from sqlalchemy import func, select, update

from core.staff.models import Role, StaffMember
from core.stats.models import DailyStat
from tests.activities.shop import wheel, window
from tests.waiting import wait_until


async def played_counted(shop) -> bool:
    query = select(func.count()).select_from(DailyStat).where(DailyStat.metric == "activity.played")
    async with shop.db.transaction(write=False) as session:
        return (await session.execute(query)).scalar_one() > 0


async def test_a_manager_sees_live_and_scheduled_activities_with_todays_numbers(staff):
    shop = staff.shop
    live = await shop.live(wheel(name="Spring wheel"))
    await shop.live(wheel(name="Winter wheel", **window(start_minutes=60)))
    await shop.created(wheel(name="Draft wheel"))
    assert (await shop.play(live, "alice")).status == 200
    await wait_until(lambda: played_counted(shop))
    manager = await staff.member(Role.MANAGER)

    listed = await manager.type("/activities")

    assert listed[0].text == "Your live and scheduled activities:"
    spring, winter = listed[1], listed[2]
    assert spring.text.startswith("Spring wheel — live") and "1 plays" in spring.text
    assert [o.split(":")[1] for o in spring.options] == ["pause", "end", "share"]
    assert winter.text.startswith("Winter wheel — scheduled")
    assert [o.split(":")[1] for o in winter.options] == ["end", "share"]
    assert not any("Draft" in seen.text for seen in listed)


async def test_pause_resume_end_and_share_from_the_cards_buttons(staff):
    shop = staff.shop
    live = await shop.live(wheel())
    manager = await staff.member(Role.MANAGER)
    card = (await manager.type("/activities"))[1]
    pause, end, share = card.options

    paused = await manager.press(pause)
    assert "is paused" in paused[0].text and "— paused" in paused[1].text
    assert (await shop.play(live, "bob")).status == 409
    resume = paused[1].options[0]
    assert "live again" in (await manager.press(resume))[0].text
    shared = await manager.press(share)
    assert f"https://confetti.test/a/{live['slug']}" in shared[-1].text
    assert shared[-1].image == f"https://confetti.test/qr/a/{live['slug']}.png"
    ended = await manager.press(end)
    assert "has ended" in ended[0].text
    again = await manager.press(end)
    assert "Cannot end an activity that is ended" in again[-1].text


async def test_a_card_button_checks_the_role_when_pressed(staff):
    await staff.shop.live(wheel())
    manager = await staff.member(Role.MANAGER)
    pause = (await manager.type("/activities"))[1].options[0]
    async with staff.shop.db.transaction() as session:
        await session.execute(update(StaffMember).values(role=Role.CASHIER.value))

    refused = await manager.press(pause)

    assert "Your role does not allow that." in refused[-1].text
    listed = await manager.type("/activities")
    assert "Your role does not allow that." in listed[-1].text


async def test_the_share_qr_is_an_image_of_an_existing_activitys_link_only(staff):
    live = await staff.shop.live(wheel())

    _, image = await staff.shop.client.get(f"/qr/a/{live['slug']}.png")
    _, unknown = await staff.shop.client.get("/qr/a/no-such-activity.png")

    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert unknown.status == 404
