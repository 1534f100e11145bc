import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from core.clock import UtcTimestamp
from core.customers.schemas import ExternalId
from core.rewards.schemas import GrantedReward, Reward

MAX_GENERATED = 1_000_000
Pattern = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9#-]+$")
]


class CodeBatchCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Spring flyer",
                    "kind": "generated",
                    "count": 10000,
                    "pattern": "SPRING-#####-#####",
                    "reward": {"type": "points", "amount": 100},
                    "per_customer_limit": 1,
                },
                {"name": "StreamCo 1-month vouchers", "kind": "imported"},
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["generated", "imported"]
    count: Annotated[StrictInt, Field(ge=1, le=MAX_GENERATED)] | None = Field(
        default=None, description="generated: how many codes to make"
    )
    pattern: Pattern | None = Field(
        default=None, description="generated: '#' is a random character, e.g. SPRING-####-####"
    )
    allow_low_entropy: StrictBool = Field(
        default=False, description="Allow a pattern with under 40 bits of randomness"
    )
    reward: Reward | None = Field(
        default=None, description="generated: what redeeming a code grants (coupon or points)"
    )
    valid_from: UtcTimestamp | None = None
    valid_until: UtcTimestamp | None = None
    per_customer_limit: Annotated[StrictInt, Field(ge=1, le=10**6)] | None = None


class CodeBatchOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: Literal["generated", "imported"]
    pattern: str | None
    reward: dict[str, Any] | None
    valid_from: datetime | None
    valid_until: datetime | None
    per_customer_limit: int | None
    total_codes: int
    available_codes: int
    created_at: datetime
    warnings: list[str] = Field(default_factory=list)


class ImportResult(BaseModel):
    imported: int
    already_present: int
    batch: CodeBatchOut


class RedeemCodeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"customer": "shop-user-1042", "code": "spring-k7m2q"}]},
    )

    customer: ExternalId
    code: str = Field(min_length=1, max_length=80)
    client_ip: str | None = Field(
        default=None,
        max_length=45,
        description="The end customer's IP, if you forward it: failed attempts are limited per IP",
    )


class RedeemCodeResult(BaseModel):
    code: str
    batch_id: uuid.UUID
    reward: GrantedReward


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: ExternalId


class AssignResult(BaseModel):
    code: str
    batch_id: uuid.UUID
    customer: str
