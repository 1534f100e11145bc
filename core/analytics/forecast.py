"""A campaign forecast before launch: many simulated runs of a draw activity as configured
(weights, stock, budget, tries per customer), drawn with the real draw's own parts, so the
forecast falls back to the consolation prize exactly when a real try would."""

import asyncio
import math
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.activities import fairness
from core.activities.models import DRAW_KINDS, Activity, Prize
from core.activities.prizes import (
    can_win,
    consolation_of,
    draw_table,
    prizes_of,
    table_entries,
)
from core.activities.schemas import Rules
from core.analytics.schemas import CostSpread, Forecast, ForecastPrize, ForecastRequest
from core.errors import ValidationFailed
from core.merchants.models import Merchant

# Simulated tries per request, all runs together: about 6 s of one core.
MAX_WORK = 1_000_000
MAX_RUNS = 1_000
MIN_RUNS = 100
# Tries of one run (players times their tries) that still leave MIN_RUNS runs within MAX_WORK.
MAX_TRIES = MAX_WORK // MIN_RUNS


@dataclass(frozen=True)
class SimPrize:
    """A prize as configured, copied out of the session so the simulation runs without it."""

    id: uuid.UUID
    name: str
    weight: int
    stock: int | None
    cost: int
    consolation: bool

    @classmethod
    def of(cls, prize: Prize) -> "SimPrize":
        return cls(prize.id, prize.name, prize.weight, prize.stock, prize.cost, prize.consolation)


@dataclass(frozen=True)
class Scenario:
    activity_id: uuid.UUID
    budget: int | None
    points_cost: int
    currency: str
    prizes: tuple[SimPrize, ...]
    players: int
    tries_per_player: int
    runs: int
    seed: int

    @property
    def tries(self) -> int:
        return self.players * self.tries_per_player


@dataclass
class Run:
    cost: int
    wins: dict[str, int]
    sold_out: set[str]
    budget_hit: bool


def tries_allowed(activity: Activity, rules: Rules, timezone: str, asked: int) -> int:
    """The tries a player may take of those asked: within the total limit, and the daily limit
    times the activity's days in the merchant's timezone. Tries unlocked by referrals are not
    counted."""
    allowed = [asked]
    if rules.tries_per_customer_total is not None:
        allowed.append(rules.tries_per_customer_total)
    if rules.tries_per_customer_per_day is not None:
        allowed.append(rules.tries_per_customer_per_day * _days(activity, timezone))
    return min(allowed)


def _days(activity: Activity, timezone: str) -> int:
    zone = ZoneInfo(timezone)
    first, last = (
        moment.astimezone(zone).date() for moment in (activity.starts_at, activity.ends_at)
    )
    return (last - first).days + 1


async def plan_forecast(
    session: AsyncSession, merchant: Merchant, activity: Activity, request: ForecastRequest
) -> Scenario:
    """What to simulate, checked: a draw activity, and few enough tries to answer quickly."""
    if activity.kind not in DRAW_KINDS:
        raise ValidationFailed("Only lucky draws and marquees draw prizes to forecast.")
    rules = Rules.model_validate(activity.rules)
    per_player = tries_allowed(activity, rules, merchant.timezone, request.tries_per_player)
    tries = request.expected_players * per_player
    if tries > MAX_TRIES:
        raise ValidationFailed(
            f"expected_players times tries_per_player (within the activity's tries per customer) "
            f"is {tries:,}; a forecast simulates at most {MAX_TRIES:,} tries per run.",
            field="expected_players",
        )
    prizes = tuple(SimPrize.of(prize) for prize in await prizes_of(session, activity.id))
    return Scenario(
        activity_id=activity.id,
        budget=activity.budget,
        points_cost=rules.points_cost,
        currency=merchant.currency,
        prizes=prizes,
        players=request.expected_players,
        tries_per_player=per_player,
        runs=min(MAX_RUNS, MAX_WORK // tries),
        seed=request.seed if request.seed is not None else secrets.randbelow(2**63),
    )


def simulate_run(
    prizes: Sequence[SimPrize], budget: int | None, tries: int, rng: random.Random
) -> Run:
    """One campaign: each try draws from the current table; a prize that cannot be won gives
    the consolation prize instead and the table is rebuilt, as `flows._draw` does."""
    by_key = {str(prize.id): prize for prize in prizes}
    consolation = consolation_of(prizes)
    stock_left = {key: prize.stock for key, prize in by_key.items() if prize.stock is not None}
    budget_left = budget
    wins = dict.fromkeys(by_key, 0)
    table = draw_table(table_entries(prizes))
    for _ in range(tries):
        key = fairness.pick(table, rng.randbytes(16))
        prize = by_key[key]
        if not can_win(prize, stock_left.get(key, 0), budget_left):
            key = str(consolation.id)
            winnable = (p for p in prizes if can_win(p, stock_left.get(str(p.id), 0), budget_left))
            table = draw_table(table_entries(winnable))
        elif not prize.consolation:
            if budget_left is not None:
                budget_left -= prize.cost
            if prize.stock is not None:
                stock_left[key] -= 1
        wins[key] += 1
    budget_hit = budget_left is not None and any(
        not p.consolation and p.cost > budget_left and stock_left.get(str(p.id), 1) > 0
        for p in prizes
    )
    return Run(
        cost=sum(by_key[key].cost * n for key, n in wins.items() if not by_key[key].consolation),
        wins=wins,
        sold_out={key for key, left in stock_left.items() if left == 0},
        budget_hit=budget_hit,
    )


def simulate(scenario: Scenario) -> list[Run]:
    rng = random.Random(scenario.seed)
    return [
        simulate_run(scenario.prizes, scenario.budget, scenario.tries, rng)
        for _ in range(scenario.runs)
    ]


async def forecast(scenario: Scenario) -> Forecast:
    """The runs happen in a thread, so the event loop keeps serving other requests."""
    runs = await asyncio.to_thread(simulate, scenario)
    return summary(scenario, runs)


def _chance(hits: int, runs: int) -> float:
    return round(hits / runs, 4)


def percentile(sorted_values: Sequence[int], share: float) -> int:
    """Nearest rank: the smallest value that at least `share` of the runs do not exceed."""
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


def summary(scenario: Scenario, runs: list[Run]) -> Forecast:
    costs = sorted(run.cost for run in runs)
    count = len(runs)
    prizes = [
        ForecastPrize(
            prize_id=prize.id,
            name=prize.name,
            consolation=prize.consolation,
            stock=prize.stock,
            cost=prize.cost,
            expected_wins=round(sum(run.wins[str(prize.id)] for run in runs) / count, 4),
            runs_out_chance=None
            if prize.stock is None
            else _chance(sum(str(prize.id) in run.sold_out for run in runs), count),
        )
        for prize in scenario.prizes
    ]
    return Forecast(
        activity_id=scenario.activity_id,
        seed=scenario.seed,
        runs=count,
        expected_players=scenario.players,
        tries_per_player=scenario.tries_per_player,
        currency=scenario.currency,
        budget=scenario.budget,
        cost=CostSpread(
            mean=round(sum(costs) / count),
            p50=percentile(costs, 0.5),
            p90=percentile(costs, 0.9),
            p99=percentile(costs, 0.99),
        ),
        budget_hit_chance=None
        if scenario.budget is None
        else _chance(sum(run.budget_hit for run in runs), count),
        points_spent=scenario.tries * scenario.points_cost,
        prizes=prizes,
    )
