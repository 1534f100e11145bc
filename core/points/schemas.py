import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    WithJsonSchema,
    field_validator,
)

from core.customers.schemas import ExternalId
from core.errors import ValidationFailed
from core.json_numbers import number_only
from core.merchants.schemas import check_currency
from core.money import Money, PositiveMoney
from core.rewards.schemas import GrantedReward, Reward

MAX_POINTS = 10**9

Points = Annotated[StrictInt, Field(ge=1, le=MAX_POINTS, description="A whole number of points")]
SignedPoints = Annotated[
    StrictInt, Field(ge=-MAX_POINTS, le=MAX_POINTS, description="Points to add (+) or remove (-)")
]
Reason = Annotated[str, Field(max_length=200)]
EntryKind = Literal["earn", "spend", "expire", "adjust", "reverse"]
# What one point is worth in minor units of the merchant's currency: 0.5 is 100 points for
# 0.50. A rate, not an amount, so a decimal inside (exact) and a JSON number outside.
PointValue = Annotated[
    Decimal,
    BeforeValidator(number_only("0.5")),
    Field(ge=0, le=10**6, max_digits=12, decimal_places=4),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": 10**6,
            "description": "What one point is worth, in minor units (0.5: 100 points for 0.50)",
        }
    ),
    PlainSerializer(float, return_type=float, when_used="json"),
]
ExpiryPolicy = Literal["never", "days", "end_of_month", "end_of_year"]
RuleKind = Literal["per_amount", "signup", "birthday", "activity"]


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", field=field)


class PointsSettingsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"expiry": "days", "expiry_days": 365}]}
    )

    expiry: ExpiryPolicy = Field(
        description="When earned points expire: never, N days after earning, or at the end of "
        "the month or year of earning in the merchant's timezone"
    )
    expiry_days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None
    point_value: PointValue | None = None

    def check(self) -> None:
        if self.expiry == "days" and self.expiry_days is None:
            raise _field_error("expiry_days", "required when expiry is 'days'")
        if self.expiry != "days" and self.expiry_days is not None:
            raise _field_error("expiry_days", "only used when expiry is 'days'")


class PointsSettingsOut(BaseModel):
    expiry: ExpiryPolicy
    expiry_days: int | None
    point_value: PointValue | None = None


class RuleCreate(BaseModel):
    """An earning rule: `per_amount` needs points_per_unit and unit_amount, the bonuses points."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100},
                {"kind": "signup", "points": 50},
            ]
        },
    )

    kind: RuleKind
    points: Points | None = Field(default=None, description="For signup, birthday, activity")
    points_per_unit: Points | None = Field(
        default=None, description="per_amount: points for each whole unit_amount of an order"
    )
    unit_amount: PositiveMoney | None = Field(
        default=None, description="per_amount: minor units, e.g. 100 = 1.00"
    )

    def check(self) -> None:
        wanted = ("points_per_unit", "unit_amount") if self.kind == "per_amount" else ("points",)
        for name in ("points", "points_per_unit", "unit_amount"):
            given = getattr(self, name) is not None
            if name in wanted and not given:
                raise _field_error(name, f"required for a {self.kind} rule")
            if name not in wanted and given:
                raise _field_error(name, f"not used by a {self.kind} rule")


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: RuleKind
    points: int | None
    points_per_unit: int | None
    unit_amount: int | None
    created_at: datetime
    warnings: list[str] = Field(
        default_factory=list,
        description="On creation: the per_amount rules this one adds up with",
    )


class RuleList(BaseModel):
    items: list[RuleOut]


class OrderReport(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer": "shop-user-1042",
                    "order_id": "order-5531",
                    "amount": 2990,
                    "currency": "EUR",
                    "status": "paid",
                }
            ]
        },
    )

    customer: ExternalId
    order_id: str = Field(min_length=1, max_length=64)
    amount: Money
    currency: str
    status: Literal["paid", "refunded"]

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)


class OrderPointsOut(BaseModel):
    order_id: str
    customer: str
    status: Literal["paid", "refunded"]
    points_earned: int = Field(description="What the paid order earned")
    points_reversed: int = Field(
        description="What its refund took back: at most what was left of those points"
    )
    balance: int


class SpendRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"points": 30, "reason": "Free delivery"}]},
    )

    points: Points
    reason: Reason = ""


class AdjustRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"points": -20, "reason": "Goodwill correction"}]},
    )

    points: SignedPoints
    reason: Annotated[Reason, Field(min_length=1)]

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: EntryKind
    points: int = Field(description="Signed: earnings are positive, spending negative")
    reason: str
    created_at: datetime


class MovementOut(BaseModel):
    entry: EntryOut
    balance: int


class PointsOut(BaseModel):
    balance: int
    expiring_soon: int = Field(description="Points of the balance expiring in the next 30 days")
    entries: list[EntryOut] = Field(description="The ledger, newest first")
    next_cursor: str | None


class CatalogueItemCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "5 EUR voucher",
                    "cost": 100,
                    "stock": 20,
                    "reward": {
                        "type": "coupon",
                        "template_id": "6f1c2b0e-8d1a-4c36-9a55-3f1f0b1e2a10",
                    },
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    cost: Points
    stock: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = Field(
        default=None, description="null = unlimited"
    )
    reward: Reward = Field(description="A coupon of a template, or a partner code of a batch")

    def check(self) -> None:
        if self.reward.type not in ("coupon", "code"):
            raise _field_error("reward.type", "a catalogue item grants a coupon or a code")


class CatalogueItemPatch(BaseModel):
    """What changes on an item without touching its stock or its reward."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    cost: Points | None = None


class CatalogueItemOut(BaseModel):
    id: uuid.UUID
    name: str
    cost: int
    stock: int | None
    remaining_stock: int | None
    reward: Reward
    created_at: datetime


class CatalogueList(BaseModel):
    items: list[CatalogueItemOut]
    next_cursor: str | None


class ExchangeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"item": "0b7f8a52-4b0e-4c3a-9d61-2f3e4a5b6c7d"}]},
    )

    item: uuid.UUID


class ExchangeOut(BaseModel):
    item_id: uuid.UUID
    entry: EntryOut
    balance: int
    reward: GrantedReward
