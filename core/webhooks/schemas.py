import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EVENT_TYPES = (
    "coupon.claimed",
    "coupon.redeemed",
    "coupon.rolled_back",
    "coupon.expired",
    "promotion.applied",
    "points.earned",
    "points.spent",
    "points.expired",
    "points.reversed",
    "points.adjusted",
    "code.redeemed",
    "code.assigned",
    "activity.started",
    "activity.ended",
    "activity.viewed",
    "activity.played",
    "prize.won",
    "envelope.opened",
    "referral.joined",
)
EventType = Literal[(*EVENT_TYPES, "*")]  # type: ignore[valid-type]


class EndpointCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"url": "https://shop.example/confetti-hooks", "events": ["coupon.redeemed"]}
            ]
        },
    )
    url: str = Field(min_length=8, max_length=500, pattern=r"^https?://[\x21-\x7e]+$")
    events: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES) + 1)


class CircuitOut(BaseModel):
    """Whether deliveries to the endpoint are being attempted (see the operations guide)."""

    state: Literal["closed", "open", "half_open"] = Field(
        description="closed: delivering; open: after repeated failures, deliveries wait "
        "unattempted until `until`; half_open: one delivery is being tried before the rest"
    )
    until: datetime | None = Field(description="While open: when one delivery is tried again")
    consecutive_failures: int


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    secret: str = Field(description="Signs every delivery (X-Confetti-Signature)")
    active: bool
    circuit: CircuitOut
    created_at: datetime


class EndpointList(BaseModel):
    items: list[EndpointOut]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "succeeded", "failed", "cancelled"] = Field(
        description="pending: not delivered yet, retried with backoff; failed: given up after "
        "24 hours; cancelled: the endpoint was deleted before it was delivered"
    )
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
