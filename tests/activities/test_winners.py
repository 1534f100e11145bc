"""The winners ticker reads an activity's wins through their own index, not its latest tries."""

from tests.activities.shop import wheel

ALL_BUT_SURE = 10**6


async def test_winners_of_a_stock_5_prize_won_early_still_show_after_300_tries(shop) -> None:
    prizes = [
        {
            "name": "Gold",
            "weight": ALL_BUT_SURE,
            "stock": 5,
            "reward": {"type": "points", "amount": 100},
        },
        {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
    ]
    activity = await shop.live(wheel(prizes=prizes))
    for number in range(300):
        response = await shop.play(activity, ("alice", "bob", "carol", "dave")[number % 4])
        assert response.status == 200, response.text
    winners = (await shop.call("get", f"/activities/{activity['id']}/winners")).json["items"]
    assert [winner["prize"] for winner in winners] == ["Gold"] * 5
    times = [winner["won_at"] for winner in winners]
    assert times == sorted(times, reverse=True)
