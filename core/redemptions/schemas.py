import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from core.customers.schemas import ExternalId
from core.merchants.schemas import check_currency
from core.money import Money

MAX_ORDER_LINES = 1000
MAX_CODES = 20
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    unit_amount: Money
    quantity: Annotated[StrictInt, Field(ge=1, le=100_000)]


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    currency: str
    items: list[OrderItemIn] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    shipping_amount: Money = 0

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)


class RedemptionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer": "shop-user-1042",
                    "codes": ["K7M2Q-XR9TB"],
                    "order": {
                        "id": "order-5531",
                        "currency": "EUR",
                        "items": [
                            {"sku": "TEA-01", "category": "tea", "unit_amount": 1250, "quantity": 2}
                        ],
                        "shipping_amount": 490,
                    },
                }
            ]
        },
    )

    customer: ExternalId
    codes: list[Code] = Field(default_factory=list, max_length=MAX_CODES)
    order: OrderIn


class DiscountOut(BaseModel):
    code: str | None = Field(description="The coupon code; null for a promotion")
    promotion_id: uuid.UUID | None = Field(description="The promotion's template; null for a code")
    template_id: uuid.UUID
    name: str
    kind: str
    amount: int
    eligible_amount: int
    position: int = Field(description="1-based order in which discounts were applied")


RejectionReason = Literal[
    "not_found",
    "expired",
    "not_yet_valid",
    "used",
    "duplicate",
    "min_order_not_met",
    "out_of_scope",
    "not_stackable",
    "currency_mismatch",
    "not_owner",
]


class RejectedCode(BaseModel):
    code: str
    reason: RejectionReason


class OfferRef(BaseModel):
    code: str | None = Field(description="The coupon code; null for a promotion")
    promotion_id: uuid.UUID | None = Field(description="The promotion's template; null for a code")
    name: str


class NotAppliedOut(BaseModel):
    code: str | None = Field(description="The code as given; null for a promotion")
    promotion_id: uuid.UUID | None = Field(description="The promotion's template; null for a code")
    name: str | None = Field(description="The coupon's or promotion's name; null if no coupon")
    reason: RejectionReason
    message: str = Field(description="Why, in words, with the amounts and times it went by")
    blocked_by: OfferRef | None = Field(
        default=None, description="not_stackable: the coupon or promotion that applies instead"
    )


class QuoteOut(BaseModel):
    order_id: str
    currency: str
    order_total: int
    discounts: list[DiscountOut]
    rejected: list[RejectedCode] = Field(
        description="The codes given that are refused; redeeming refuses them all or nothing"
    )
    not_applied: list[NotAppliedOut] = Field(
        description="Everything that takes nothing off, and why: each refused code, and each "
        "active promotion that does not apply to this order"
    )
    total_discount: int
    payable: int


class RedemptionOut(QuoteOut):
    id: uuid.UUID
    customer: str
    status: Literal["applied", "rolled_back"]
    created_at: datetime
    rolled_back_at: datetime | None
