"""What a prize, a code or a catalogue item grants: written the same way everywhere."""

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, TypeAdapter

from core.coupons.schemas import CouponOut


class CouponReward(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["coupon"]
    template_id: uuid.UUID


class PointsReward(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["points"]
    amount: Annotated[StrictInt, Field(ge=1, le=10**9)]


class CodeReward(BaseModel):
    """One partner code from an imported batch."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["code"]
    batch_id: uuid.UUID


class NoReward(BaseModel):
    """ "Thanks for taking part"."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["none"]


Reward = Annotated[CouponReward | PointsReward | CodeReward | NoReward, Field(discriminator="type")]


class GrantedReward(BaseModel):
    type: Literal["coupon", "points", "code", "none"]
    coupon: CouponOut | None = None
    points: int | None = None
    code: str | None = None


_REWARD = TypeAdapter(Reward)


def parse_reward(stored: dict) -> Reward:
    """A reward stored as JSON, back as its model."""
    return _REWARD.validate_python(stored)
