import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from core.clock import UtcTimestamp
from core.coupons.schemas import CouponTemplateOut
from core.customers.schemas import ExternalId
from core.money import Money
from core.rewards.schemas import GrantedReward, Reward
from core.urls import WebUrl

ActivityKind = Literal["lucky_draw", "marquee", "red_envelope", "collection"]
ActivityStatus = Literal["draft", "scheduled", "live", "paused", "ended"]
Count = Annotated[StrictInt, Field(ge=1, le=10**6)]


class ReferralRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    friends_per_unlock: Count = Field(description="New friends who must open through the link")
    extra_tries: Count = 1


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tries_per_customer_per_day: Count | None = Field(
        default=None, description="The day in the merchant's timezone"
    )
    tries_per_customer_total: Count | None = None
    points_cost: Annotated[StrictInt, Field(ge=0, le=10**9)] = 0
    new_customers_only: StrictBool = Field(
        default=False, description="Only customers first seen after the activity was published"
    )
    referral: ReferralRule | None = None
    telegram_channel: str | None = Field(
        default=None,
        pattern=r"^@[A-Za-z][A-Za-z0-9_]{4,31}$",
        description="Only members of this Telegram channel may play (the bot must be its admin)",
    )
    remind_new_round_at: str | None = Field(
        default=None,
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Each day's tries are a new round: at this time of day (HH:MM, the merchant's "
        "timezone) customers who played before and may play again hear so in their chat",
    )

    @model_validator(mode="after")
    def _rounds_need_daily_tries(self) -> "Rules":
        if self.remind_new_round_at is not None and self.tries_per_customer_per_day is None:
            raise ValueError("remind_new_round_at needs tries_per_customer_per_day")
        return self


class PrizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    weight: Annotated[StrictInt, Field(ge=0, le=10**6)] = 1
    stock: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = None
    cost: Money = 0
    consolation: StrictBool = False
    reward: Reward


class MarqueeLayout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cells: list[str] = Field(
        description="Prize names on the 8 outer cells, clockwise from the top-left"
    )


class EnvelopeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pot: Annotated[StrictInt, Field(ge=1, le=10**12)]
    pot_type: Literal["points", "money"] = Field(
        default="points",
        description="points, or money (minor units of the merchant's currency) paid out to "
        "each opener as a fixed coupon of their share",
    )
    shares: Annotated[StrictInt, Field(ge=1, le=100_000)]
    min_share: Annotated[StrictInt, Field(ge=0, le=10**12)] = 1
    group_friends: Annotated[StrictInt, Field(ge=1, le=100)] | None = Field(
        default=None,
        description="Open together: each envelope pays out only once this many friends have "
        "joined the customer who started it",
    )
    group_hours: Annotated[StrictInt, Field(ge=1, le=24 * 30)] = Field(
        default=24, description="How long a group envelope has to fill"
    )


class ActivityCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "kind": "lucky_draw",
                    "name": "Spring wheel",
                    "starts_at": "2026-12-01T10:00:00Z",
                    "ends_at": "2026-12-31T22:00:00Z",
                    "rules": {
                        "tries_per_customer_per_day": 1,
                        "tries_per_customer_total": 3,
                        "remind_new_round_at": "10:00",
                    },
                    "prizes": [
                        {
                            "name": "Gold",
                            "weight": 1,
                            "stock": 5,
                            "cost": 1000,
                            "reward": {"type": "points", "amount": 100},
                        },
                        {
                            "name": "Thanks",
                            "weight": 3,
                            "consolation": True,
                            "reward": {"type": "none"},
                        },
                    ],
                }
            ]
        },
    )

    kind: ActivityKind
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    cover_image_url: WebUrl | None = None
    starts_at: UtcTimestamp
    ends_at: UtcTimestamp
    rules: Rules = Field(default_factory=Rules)
    budget: Money | None = Field(default=None, description="Most the prizes may cost, in money")
    prizes: list[PrizeIn] = Field(default_factory=list, max_length=100)
    marquee: MarqueeLayout | None = None
    envelope: EnvelopeSettings | None = None
    templates: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class ActivityPatch(BaseModel):
    """What may change. Once published, prizes and weights are fixed (fairness), and so are a
    red envelope's pot (split at publish) and a collection's coupons; stock may rise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    cover_image_url: WebUrl | None = None
    starts_at: UtcTimestamp | None = None
    ends_at: UtcTimestamp | None = None
    rules: Rules | None = None
    prize_stock: dict[str, Annotated[StrictInt, Field(ge=0, le=10**9)]] | None = Field(
        default=None, description="Prize name → new total stock (live activities: raise only)"
    )
    prizes: list[PrizeIn] | None = Field(
        default=None, max_length=100, description="Drafts only: replaces every prize"
    )
    marquee: MarqueeLayout | None = Field(default=None, description="Drafts only")
    envelope: EnvelopeSettings | None = Field(
        default=None, description="Red envelope drafts only: replaces the pot and its shares"
    )
    templates: list[uuid.UUID] | None = Field(
        default=None,
        max_length=50,
        description="Collection drafts only: the coupon templates offered, in their order",
    )


class PrizeOut(BaseModel):
    id: uuid.UUID
    name: str
    weight: int
    stock: int | None
    remaining: int | None
    cost: int
    consolation: bool
    reward: dict[str, Any]


class EnvelopeOut(BaseModel):
    pot: int
    pot_type: str
    group_friends: int | None = None
    group_hours: int = 24
    template_id: uuid.UUID | None = Field(
        default=None, description="money pots: the coupon template shares are paid out in"
    )
    shares: int
    min_share: int
    opened: int
    left: int


class ActivityOut(BaseModel):
    id: uuid.UUID
    kind: ActivityKind
    name: str
    description: str
    cover_image_url: str | None
    status: ActivityStatus
    starts_at: datetime
    ends_at: datetime
    slug: str
    share_url: str
    server_seed_hash: str
    server_seed: str | None = Field(description="Revealed once the activity has ended")
    rules: Rules
    budget: int | None
    budget_remaining: int | None
    prizes: list[PrizeOut]
    marquee: MarqueeLayout | None
    envelope: EnvelopeOut | None
    templates: list[uuid.UUID]
    created_at: datetime
    published_at: datetime | None
    warnings: list[str] = Field(
        default=[], description="What publishing allowed but you should know (on publish)"
    )


class ActivityList(BaseModel):
    items: list[ActivityOut]
    next_cursor: str | None


class PlayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: ExternalId
    client_seed: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[\x21-\x7e]+$",
        description="Your own seed for the fairness proof; a random one if left out",
    )
    referrer: ExternalId | None = Field(default=None, description="Whose share link brought you")
    template_id: uuid.UUID | None = Field(
        default=None, description="collection: which coupon to collect"
    )
    group: uuid.UUID | None = Field(
        default=None, description="group envelope: the group to join (leave out to start one)"
    )


class GroupOut(BaseModel):
    id: uuid.UUID
    status: Literal["open", "paid", "expired"]
    members: int
    needed: int = Field(description="Members for it to pay out: the starter and the friends")
    deadline: datetime


class PrizeWon(BaseModel):
    id: uuid.UUID
    name: str
    consolation: bool


class Proof(BaseModel):
    server_seed_hash: str
    client_seed: str
    nonce: int
    table_version: int | None


class PlayResult(BaseModel):
    play_id: uuid.UUID
    activity_id: uuid.UUID
    kind: ActivityKind
    prize: PrizeWon | None
    reward: GrantedReward
    cell: int | None
    share: int | None
    group: GroupOut | None = None
    tries_left: int | None = Field(description="null when tries are unlimited")
    proof: Proof | None


class Winner(BaseModel):
    name: str
    prize: str
    won_at: datetime


class WinnerList(BaseModel):
    items: list[Winner]


class CollectionItem(BaseModel):
    template: CouponTemplateOut
    held: int = Field(description="How many of these the customer already holds")


class CollectionList(BaseModel):
    items: list[CollectionItem]


class ViewReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: ExternalId | None = Field(default=None, description="If the viewer is known")
    channel: Literal["web", "telegram", "whatsapp", "app"] = "web"


class ViewRecorded(BaseModel):
    recorded: bool
