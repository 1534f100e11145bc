"""A try reads the activity, its prizes and the player's quota once each, even when the drawn
prize has run out and the prize table is rebuilt (that rebuild reads the latest table again:
another try may have rebuilt it meanwhile)."""

import re

from tests.activities.shop import wheel
from tests.statements import counted_statements


def _selects_from(table: str, statements: list[str]) -> int:
    pattern = re.compile(rf"^\s*SELECT\b.*\bFROM {table}\b", re.IGNORECASE | re.DOTALL)
    return sum(1 for statement in statements if pattern.search(statement))


async def test_a_try_whose_prize_ran_out_reads_each_thing_once(shop) -> None:
    # Gold is all but certain to be drawn, and there is one: bob's try falls back to Thanks.
    prizes = [
        {"name": "Gold", "weight": 100_000, "stock": 1, "reward": {"type": "points", "amount": 5}},
        {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
    ]
    rules = {"tries_per_customer_total": 3, "tries_per_customer_per_day": 2}
    activity = await shop.live(wheel(prizes=prizes, rules=rules))
    first = await shop.play(activity, "alice")
    assert first.json["prize"]["name"] == "Gold", first.text
    with counted_statements(shop.db) as sent:
        fallback = await shop.play(activity, "bob")
    assert fallback.json["prize"]["name"] == "Thanks", fallback.text
    assert fallback.json["tries_left"] == 1
    assert _selects_from("activities", sent) == 1
    assert _selects_from("prizes", sent) == 1
    assert _selects_from("quota_usage", sent) == 0
    # Both limits taken, each by the one statement that also says how many are used.
    assert sum("INSERT INTO quota_usage" in statement for statement in sent) == 2
