import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["queued", "running", "succeeded", "failed"]


@dataclass
class ChunkOutcome:
    """What one chunk did: counts to add to the job's counters, and refusals (one dict per
    refused position, with its reason) of which the job keeps the first few."""

    counts: dict[str, int] = field(default_factory=dict)
    refusals: list[dict[str, Any]] = field(default_factory=list)


class JobOut(BaseModel):
    """A job and its progress. Besides these fields, each counter of the job's kind appears
    at the top level as an integer (coupons.issue: `issued`, `refused`)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": "0b8e5c1a-3f0d-4b43-9c7e-2f6a1d9e4c21",
                    "kind": "coupons.issue",
                    "status": "running",
                    "total": 2500,
                    "done": 1000,
                    "issued": 990,
                    "refused": 10,
                    "result": {
                        "refusals": [
                            {
                                "position": 17,
                                "customer": "shop-user-9",
                                "reason": "customer_not_found",
                            }
                        ]
                    },
                    "error": None,
                    "created_at": "2026-12-01T10:00:00Z",
                    "started_at": "2026-12-01T10:00:01Z",
                    "finished_at": None,
                    "updated_at": "2026-12-01T10:00:04Z",
                }
            ]
        },
    )
    __pydantic_extra__: dict[str, int] = Field(init=False)

    id: uuid.UUID
    kind: str
    status: JobStatus
    total: int = Field(description="Positions (e.g. customers) the job works through")
    done: int = Field(description="Positions finished so far; done == total once it succeeds")
    result: dict[str, Any] = Field(
        description="What the job reports besides its counters, e.g. the first 100 refusals"
    )
    error: str | None = Field(description="Why the job failed; null unless status is failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class JobList(BaseModel):
    items: list[JobOut] = Field(description="Newest first")
    next_cursor: str | None
