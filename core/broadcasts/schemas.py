import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from core.jobs.schemas import JobOut
from core.urls import HttpsUrl, WebUrl


class BroadcastLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=20)
    url: WebUrl


class Segment(BaseModel):
    """Who receives it: every condition given must hold (none given: every chat customer)."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["telegram", "whatsapp"] | None = None
    played_activity: uuid.UUID | None = Field(
        default=None, description="Customers who took part in this activity"
    )
    holding_unused_coupon: StrictBool = Field(
        default=False, description="Customers holding a coupon they have not used yet"
    )


class BroadcastCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Our spring wheel is live: spin for a free coffee!",
                    "link": {"title": "Open the shop", "url": "https://shop.example"},
                    "segment": {"channel": "telegram"},
                }
            ]
        },
    )
    text: str = Field(min_length=1, max_length=1024)
    image_url: HttpsUrl | None = None
    link: BroadcastLink | None = None
    activity: uuid.UUID | None = Field(
        default=None, description="Adds a button that opens this activity in the chat"
    )
    segment: Segment = Field(default_factory=Segment)


class Deliveries(BaseModel):
    pending: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = Field(default=0, description="Outside WhatsApp's 24-hour window, no template")


class BroadcastOut(BaseModel):
    job: JobOut
    deliveries: Deliveries
