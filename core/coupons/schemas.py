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
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from core.clock import UtcTimestamp
from core.customers.schemas import ExternalId
from core.errors import ValidationFailed
from core.json_numbers import number_only
from core.money import Money, PositiveMoney

CouponKind = Literal["fixed", "threshold", "free_order", "percent"]
TemplateStatus = Literal["draft", "active", "paused", "archived"]
ScopeValue = Annotated[str, StringConstraints(min_length=1, max_length=64)]


# A JSON number in and out (Decimal inside, so 12.5 % stays exact).
Percent = Annotated[
    Decimal,
    BeforeValidator(number_only("12.5")),
    Field(gt=0, le=100, max_digits=5, decimal_places=2),
    WithJsonSchema({"type": "number", "minimum": 0.01, "maximum": 100}),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skus: list[ScopeValue] = Field(default_factory=list, max_length=1000)
    categories: list[ScopeValue] = Field(default_factory=list, max_length=1000)


class TemplateTerms(BaseModel):
    """Every field a merchant sets on a template, checked together."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: CouponKind
    currency: str | None = Field(default=None, description="Defaults to the merchant's currency")
    amount_off: PositiveMoney | None = None
    threshold: PositiveMoney | None = None
    percent_off: Percent | None = None
    max_discount: PositiveMoney | None = None
    min_order_amount: Money = 0
    total_stock: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = Field(
        default=None, description="null = unlimited"
    )
    stock_shards: Annotated[StrictInt, Field(ge=1, le=64)] | None = Field(
        default=None,
        description="Spread stock over this many rows for very hot flash sales; by default "
        "one row, or more for a stock above CONFETTI_STOCK_SHARD_ABOVE units",
    )
    per_customer_limit: Annotated[StrictInt, Field(ge=1, le=10**6)] | None = None
    claim_starts_at: UtcTimestamp | None = None
    claim_ends_at: UtcTimestamp | None = None
    valid_from: UtcTimestamp | None = None
    valid_until: UtcTimestamp | None = None
    valid_days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None
    scope: Scope = Field(default_factory=Scope)
    stackable: StrictBool = False
    auto_apply: StrictBool = Field(default=False, description="A promotion: applies with no coupon")

    def check(self) -> None:
        """Rules across fields; raises ValidationFailed naming the field to fix."""
        _require_kind_fields(self)
        _require_ordered(
            self.claim_starts_at, self.claim_ends_at, "claim_ends_at", "claim_starts_at"
        )
        _require_ordered(self.valid_from, self.valid_until, "valid_until", "valid_from")
        if self.valid_days is not None and (self.valid_from or self.valid_until):
            raise _field_error("valid_days", "give valid_days or valid_from/valid_until, not both")
        if self.auto_apply and self.total_stock is not None:
            raise _field_error("total_stock", "a promotion (auto_apply) has no stock")
        if self.auto_apply and self.per_customer_limit is not None:
            raise _field_error("per_customer_limit", "a promotion (auto_apply) has no limit")


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", field=field)


_KIND_FIELDS = {
    "fixed": ("amount_off",),
    "threshold": ("amount_off", "threshold"),
    "free_order": ("max_discount",),
    "percent": ("percent_off",),
}
_FORBIDDEN = {
    "fixed": ("threshold", "percent_off", "max_discount"),
    "threshold": ("percent_off", "max_discount"),
    "free_order": ("amount_off", "threshold", "percent_off"),
    "percent": ("amount_off", "threshold"),
}


def _require_kind_fields(terms: TemplateTerms) -> None:
    for name in _KIND_FIELDS[terms.kind]:
        if getattr(terms, name) is None:
            raise _field_error(name, f"required for a {terms.kind} coupon")
    for name in _FORBIDDEN[terms.kind]:
        if getattr(terms, name) is not None:
            raise _field_error(name, f"not used by a {terms.kind} coupon")


def _require_ordered(start, end, end_name: str, start_name: str) -> None:
    if start is not None and end is not None and end <= start:
        raise _field_error(end_name, f"must be after {start_name}")


class CouponTemplateCreate(TemplateTerms):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Flash sale: 15% off tea",
                    "kind": "percent",
                    "percent_off": 15,
                    "max_discount": 2000,
                    "total_stock": 100,
                    "per_customer_limit": 1,
                    "claim_starts_at": "2026-12-01T10:00:00Z",
                    "valid_days": 14,
                    "min_order_amount": 3000,
                    "scope": {"categories": ["tea"]},
                }
            ]
        }
    )

    status: Literal["draft", "active"] = "active"


class CouponTemplatePatch(BaseModel):
    """Fields to change; the merged template is checked as a whole. Kind and currency stay."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"total_stock": 150, "name": "Flash sale: 15% off all tea"}]
        },
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    amount_off: PositiveMoney | None = None
    threshold: PositiveMoney | None = None
    percent_off: Percent | None = None
    max_discount: PositiveMoney | None = None
    min_order_amount: Money | None = None
    total_stock: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = None
    per_customer_limit: Annotated[StrictInt, Field(ge=1, le=10**6)] | None = None
    claim_starts_at: UtcTimestamp | None = None
    claim_ends_at: UtcTimestamp | None = None
    valid_from: UtcTimestamp | None = None
    valid_until: UtcTimestamp | None = None
    valid_days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None
    scope: Scope | None = None
    stackable: StrictBool | None = None


class CouponTemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    kind: CouponKind
    currency: str
    amount_off: int | None
    threshold: int | None
    percent_off: Percent | None
    max_discount: int | None
    min_order_amount: int
    total_stock: int | None
    remaining_stock: int | None
    issued_count: int
    per_customer_limit: int | None
    claim_starts_at: datetime | None
    claim_ends_at: datetime | None
    seconds_until_open: int | None = Field(description="For flash sales: null once open")
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    scope: Scope
    stackable: bool
    auto_apply: bool
    status: TemplateStatus
    created_at: datetime
    updated_at: datetime | None


class CouponTemplateList(BaseModel):
    items: list[CouponTemplateOut]
    next_cursor: str | None


class ClaimRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"customer": "shop-user-1042"}]},
    )

    customer: ExternalId


class CouponOut(BaseModel):
    """One coupon, with the terms of its kind: what it takes off and what it asks of an order."""

    id: uuid.UUID
    code: str
    template_id: uuid.UUID
    template_name: str
    kind: CouponKind
    currency: str
    amount_off: int | None = Field(description="fixed and threshold: what it takes off")
    threshold: int | None = Field(description="threshold: what the items in scope must reach")
    percent_off: Percent | None = Field(description="percent: the percentage it takes off")
    max_discount: int | None = Field(
        description="percent: the most it takes off (null: no cap); free_order: its cap"
    )
    min_order_amount: int = Field(description="The items total an order needs (0: any order)")
    scope: Scope = Field(description="The SKUs and categories it applies to (empty: all)")
    stackable: bool
    customer: str | None
    status: Literal["available", "used", "expired"]
    claimed_at: datetime
    valid_from: datetime | None
    valid_until: datetime | None
    used_at: datetime | None


class CouponList(BaseModel):
    items: list[CouponOut]
    next_cursor: str | None


class IssueRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "template_id": "6f1c2b0e-8d1a-4c36-9a55-3f1f0b1e2a10",
                    "customers": ["shop-user-1042", "shop-user-1043"],
                }
            ]
        },
    )

    template_id: uuid.UUID
    customers: list[ExternalId] = Field(
        min_length=1,
        max_length=100_000,
        description="Up to 1,000 are issued at once (200); more become a job (202)",
    )


class IssueOutcome(BaseModel):
    customer: str
    status: Literal["issued", "refused"]
    coupon: CouponOut | None = None
    reason: str | None = None


class IssueResult(BaseModel):
    issued: int
    refused: int
    outcomes: list[IssueOutcome]
