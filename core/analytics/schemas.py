"""What the analytics endpoints answer. Each report carries `rows`, the flat lines its CSV
export streams; the other fields add them up."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Step = Literal["viewed", "joined", "played", "won", "reward_used"]
STEPS: tuple[Step, ...] = ("viewed", "joined", "played", "won", "reward_used")


class FunnelRow(BaseModel):
    day: date = Field(description="The merchant-local day on which the customers reached a step")
    channel: str = Field(description="Where the customers first met the activity")
    customer_kind: Literal["new", "returning", "anonymous"] = Field(
        description="anonymous: views by someone not (yet) known as a customer"
    )
    viewed: int
    joined: int
    played: int
    won: int
    reward_used: int


class FunnelStep(BaseModel):
    step: Step
    customers: int
    conversion: float | None = Field(description="customers / the previous step's (null: none)")
    of_viewed: float | None = Field(description="customers / viewed")


class Funnel(BaseModel):
    activity_id: uuid.UUID
    window_from: datetime = Field(description="The conversion window's start (UTC)")
    window_to: datetime = Field(description="The conversion window's end, exclusive (UTC)")
    timezone: str
    steps: list[FunnelStep]
    by_customer_kind: dict[str, list[FunnelStep]]
    by_channel: dict[str, list[FunnelStep]]
    rows: list[FunnelRow]


class PrizeRow(BaseModel):
    prize_id: uuid.UUID
    name: str
    consolation: bool
    weight: int
    cost: int = Field(description="What one win of it costs, in minor units (counts on budget)")
    drawn: int = Field(description="Tries whose draw landed on it (before any fall back)")
    plays: int = Field(description="Tries that granted it")
    wins: int = Field(description="Tries that won it (never for the consolation prize)")
    winners: int = Field(description="Customers who won it at least once")
    stock: int | None = Field(description="Its stock as configured (null: unlimited)")
    stock_left: int | None
    wins_last_24h: int
    runs_out_at: datetime | None = Field(
        description="When it runs out at the last 24 hours' rate (null: unlimited, or no wins)"
    )
    runs_out_before_end: bool


class PrizeReport(BaseModel):
    activity_id: uuid.UUID
    rows: list[PrizeRow]


class Cost(BaseModel):
    discounts: int = Field(description="Taken off orders by the coupons it granted")
    points: int = Field(description="Points prizes won, at each prize's configured cost")
    codes: int = Field(description="Partner-code prizes won, at each prize's configured cost")
    total: int


class MoneyRow(BaseModel):
    customer_kind: Literal["new", "returning"]
    winners: int
    cost_discounts: int
    cost_points: int
    cost_codes: int
    cost_total: int
    points_issued: int
    influenced_orders: int
    influenced_revenue: int
    roi: float | None


class MoneyReport(BaseModel):
    activity_id: uuid.UUID
    currency: str
    budget: int | None
    budget_used: int | None = Field(description="What its won prizes' costs took of the budget")
    budget_left: int | None
    cost: Cost
    points_issued: int
    orders: int = Field(description="All orders redeemed at checkout in the period")
    influenced_orders: int
    influenced_revenue: int = Field(description="Paid (after discounts) in influenced orders")
    influence_rate: float | None
    roi: float | None = Field(description="(influenced revenue - cost) / cost; null at no cost")
    rows: list[MoneyRow]


class CouponRow(BaseModel):
    template_id: uuid.UUID
    name: str
    kind: str
    claimed: int
    redeemed: int
    redemption_rate: float | None
    discount_given: int
    orders: int
    average_order: int | None = Field(description="Average order total with this coupon")


class CouponReport(BaseModel):
    currency: str
    average_order_without_coupon: int | None
    orders_without_coupon: int
    rows: list[CouponRow]


class ValidationRow(BaseModel):
    day: date
    reason: str
    failed: int


class ValidationReport(BaseModel):
    by_reason: dict[str, int]
    rows: list[ValidationRow]


class PointsRow(BaseModel):
    kind: Literal["earn", "spend", "expire", "adjust", "reverse"]
    entries: int
    points: int = Field(description="Their sum as the ledger has it: debits are negative")


class PointsReport(BaseModel):
    issued: int
    spent: int
    expired: int
    outstanding: int = Field(description="Unspent, unexpired points now")
    point_value: float | None = Field(description="One point's value in minor units, as set")
    liability: int | None = Field(description="outstanding * point_value (null: no value set)")
    currency: str
    rows: list[PointsRow]


class CodeBatchRow(BaseModel):
    batch_id: uuid.UUID
    name: str
    kind: Literal["generated", "imported"]
    codes: int
    available: int
    assigned: int = Field(description="Partner codes handed to customers in the period")
    redeemed: int = Field(description="Codes customers redeemed in the period")


class CodeBatchReport(BaseModel):
    rows: list[CodeBatchRow]


class ForecastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_players: StrictInt = Field(ge=1, description="Customers expected to play")
    tries_per_player: StrictInt = Field(
        ge=1, description="Tries each would take (capped by the activity's tries per customer)"
    )
    seed: StrictInt | None = Field(
        default=None, ge=0, le=2**63 - 1, description="Repeat an earlier answer with its seed"
    )


class CostSpread(BaseModel):
    mean: int = Field(description="Mean total cost of the runs, minor units")
    p50: int
    p90: int
    p99: int = Field(description="99 of 100 runs cost at most this")


class ForecastPrize(BaseModel):
    prize_id: uuid.UUID
    name: str
    consolation: bool
    stock: int | None
    cost: int
    expected_wins: float = Field(description="Mean times granted per run (the fall backs too)")
    runs_out_chance: float | None = Field(
        description="Share of runs it ran out in (null: no stock)"
    )


class Forecast(BaseModel):
    activity_id: uuid.UUID
    seed: int = Field(description="Send it back to get the same answer")
    runs: int
    expected_players: int
    tries_per_player: int = Field(description="As asked, within the activity's tries per customer")
    currency: str
    budget: int | None
    cost: CostSpread = Field(description="Total configured cost of the prizes won, per run")
    budget_hit_chance: float | None = Field(
        description="Share of runs in which the budget ran short of a prize (null: no budget)"
    )
    points_spent: int = Field(description="Points the players pay to play, all tries together")
    prizes: list[ForecastPrize]
