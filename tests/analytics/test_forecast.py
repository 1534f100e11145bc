"""The forecast against the exact answer of small draws: every path of a few tries is
enumerated with its probability, and the Monte Carlo answer must lie within four standard
errors of the exact mean for the number of runs it made."""

import asyncio
import math
import uuid
from fractions import Fraction

from core.analytics.forecast import MAX_TRIES
from tests.activities.shop import Shop, window
from tests.factories import bearer, merchant_with_key

POINTS = {"type": "points", "amount": 100}
THANKS = {"name": "Thanks", "weight": 2, "consolation": True, "reward": {"type": "none"}}


def draft(prizes: list[dict], **overrides) -> dict:
    return {
        "kind": "lucky_draw",
        "name": "Forecast wheel",
        **window(),
        "prizes": prizes,
        **overrides,
    }


def stock_one_and_unlimited() -> dict:
    return draft(
        [
            {"name": "A", "weight": 1, "stock": 1, "cost": 1000, "reward": POINTS},
            {"name": "B", "weight": 1, "cost": 100, "reward": POINTS},
            THANKS,
        ]
    )


def exact_stock_one_and_unlimited(tries: int) -> dict[tuple, Fraction]:
    """Every end of `tries` draws from A:1 B:1 Thanks:2, A's stock 1. A drawn once won gives
    Thanks the next time it is drawn, and the table is rebuilt without it (B:1 Thanks:2).
    Paths end as (A won, A still in the table, total cost, B's wins) with their probability."""
    paths = {(False, True, 0, 0): Fraction(1)}
    for _ in range(tries):
        after: dict[tuple, Fraction] = {}
        for (won, in_table, cost, b_wins), chance in paths.items():
            total = 4 if in_table else 3
            outcomes = [((won, in_table, cost + 100, b_wins + 1), Fraction(1, total))]
            outcomes.append(((won, in_table, cost, b_wins), Fraction(2, total)))
            if in_table:
                a_drawn = (
                    (True, True, cost + 1000, b_wins) if not won else (won, False, cost, b_wins)
                )
                outcomes.append((a_drawn, Fraction(1, total)))
            for end, p in outcomes:
                after[end] = after.get(end, Fraction(0)) + chance * p
        paths = after
    return paths


def mean_and_spread(paths: dict[tuple, Fraction], value) -> tuple[float, float]:
    mean = sum(p * value(end) for end, p in paths.items())
    variance = sum(p * (value(end) - mean) ** 2 for end, p in paths.items())
    return float(mean), math.sqrt(variance)


def close(measured: float, exact: float, spread: float, runs: int) -> bool:
    return abs(measured - exact) <= 4 * spread / math.sqrt(runs) + 1e-4


async def ask(shop: Shop, activity: dict, **body):
    return await shop.call("post", f"/activities/{activity['id']}/forecast", body)


async def test_forecast_of_a_draft_matches_the_exact_chances_of_stock_one_and_unlimited(
    client, db
) -> None:
    shop = await Shop(client, db).open()
    wheel = await shop.created(stock_one_and_unlimited())
    assert wheel["status"] == "draft"
    response = await ask(shop, wheel, expected_players=2, tries_per_player=2)
    assert response.status == 200, response.text
    answer = response.json
    runs = answer["runs"]
    assert runs == 1000 and answer["tries_per_player"] == 2 and answer["budget"] is None
    prizes = {prize["name"]: prize for prize in answer["prizes"]}
    paths = exact_stock_one_and_unlimited(4)

    a_out, a_spread = mean_and_spread(paths, lambda end: int(end[0]))
    assert close(prizes["A"]["runs_out_chance"], a_out, a_spread, runs)
    assert abs(a_out - (1 - 0.75**4)) < 1e-12  # A runs out when drawn at least once
    assert close(prizes["A"]["expected_wins"], a_out, a_spread, runs)
    cost, cost_spread = mean_and_spread(paths, lambda end: end[2])
    assert close(answer["cost"]["mean"], cost, cost_spread, runs)
    b_wins, b_spread = mean_and_spread(paths, lambda end: end[3])
    # without the rebuild B would be won exactly once in four draws on average
    assert b_wins > 1.0 and close(prizes["B"]["expected_wins"], b_wins, b_spread, runs)
    assert prizes["B"]["runs_out_chance"] is None
    assert math.isclose(sum(prize["expected_wins"] for prize in answer["prizes"]), 4)
    assert answer["cost"]["p50"] <= answer["cost"]["p90"] <= answer["cost"]["p99"] <= 1400


async def test_the_same_seed_gives_the_same_forecast(client, db) -> None:
    shop = await Shop(client, db).open()
    wheel = await shop.created(stock_one_and_unlimited())
    first = (await ask(shop, wheel, expected_players=3, tries_per_player=2)).json
    again = await ask(shop, wheel, expected_players=3, tries_per_player=2, seed=first["seed"])
    assert again.json == first


async def test_concurrent_forecasts_with_one_seed_all_give_the_same_answer(client, db) -> None:
    """Forecasts run side by side in threads: none may disturb another's draws."""
    shop = await Shop(client, db).open()
    wheel = await shop.created(stock_one_and_unlimited())
    body = {"expected_players": 50, "tries_per_player": 2, "seed": 7}
    answers = await asyncio.gather(*(ask(shop, wheel, **body) for _ in range(8)))
    assert all(answer.status == 200 for answer in answers)
    assert all(answer.json == answers[0].json for answer in answers)
    assert answers[0].json["runs"] == 1000


async def test_the_budget_falls_back_to_the_consolation_prize_and_quotas_cap_the_tries(
    client, db
) -> None:
    """Budget 1000, A costs 600: once A is won the budget cannot pay another. Three tries
    (the activity's limit, of the ten asked) at one in two: A is won once unless never drawn."""
    shop = await Shop(client, db).open()
    prizes = [{"name": "A", "weight": 1, "cost": 600, "reward": POINTS}, {**THANKS, "weight": 1}]
    wheel = await shop.created(
        draft(prizes, budget=1000, rules={"tries_per_customer_total": 3, "points_cost": 5})
    )
    answer = (await ask(shop, wheel, expected_players=1, tries_per_player=10)).json
    assert answer["tries_per_player"] == 3 and answer["points_spent"] == 15
    runs, hit = answer["runs"], 1 - 0.5**3
    spread = math.sqrt(hit * (1 - hit))
    assert close(answer["budget_hit_chance"], hit, spread, runs)
    a = next(prize for prize in answer["prizes"] if prize["name"] == "A")
    assert close(a["expected_wins"], hit, spread, runs)
    assert close(answer["cost"]["mean"], 600 * hit, 600 * spread, runs)
    assert answer["cost"]["p50"] == answer["cost"]["p99"] == 600  # never more than one A


async def test_bad_forecast_requests_are_refused_with_what_to_fix(client, db) -> None:
    shop = await Shop(client, db).open()
    wheel = await shop.created(stock_one_and_unlimited())
    too_many = await ask(shop, wheel, expected_players=MAX_TRIES, tries_per_player=2)
    assert too_many.status == 422 and too_many.json["error"]["field"] == "expected_players"
    assert f"{MAX_TRIES:,}" in too_many.json["error"]["message"]
    for body in (
        {"tries_per_player": 1},
        {"expected_players": 0, "tries_per_player": 1},
        {"expected_players": "10", "tries_per_player": 1},
        {"expected_players": 10, "tries_per_player": 1, "runs": 5},
        {"expected_players": 10, "tries_per_player": 1, "seed": -1},
    ):
        response = await ask(shop, wheel, **body)
        assert response.status == 422, (body, response.text)


async def test_a_red_envelope_has_no_prizes_to_forecast(client, db) -> None:
    shop = await Shop(client, db).open()
    envelope = {"pot": 1000, "shares": 4, "min_share": 10}
    pot = await shop.created(
        {"kind": "red_envelope", "name": "Lunar pot", **window(), "envelope": envelope}
    )
    response = await ask(shop, pot, expected_players=1, tries_per_player=1)
    assert response.status == 422 and "lucky draws and marquees" in response.text


async def test_another_merchants_activity_has_no_forecast(client, db) -> None:
    shop = await Shop(client, db).open()
    wheel = await shop.created(stock_one_and_unlimited())
    _, other_key = await merchant_with_key(db)
    body = {"expected_players": 1, "tries_per_player": 1}
    path = f"/api/v1/activities/{wheel['id']}/forecast"
    _, response = await client.post(path, headers=bearer(other_key), json=body)
    assert response.status == 404
    missing = await ask(shop, {"id": str(uuid.uuid4())}, **body)
    assert missing.status == 404
