import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class Job(UUIDPrimaryKey, CreatedAt, Base):
    """Work too large for one request, done by the workers chunk by chunk.

    `done` is the cursor: the positions before it are applied, and it moves in the same
    transaction as each chunk's effects. The lease (holder, expiry) lets one process at a time
    work on the job; a dead holder's lease runs out and another process carries on from `done`.
    Inputs live in `params` (one row written in the request; a 100,000-row job_items insert
    would not fit a request's budget), deferred so lists and progress reads never load them.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_merchant_id_created_at", "merchant_id", "created_at"),
        Index("ix_jobs_status_updated_at", "status", "updated_at"),
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    # Jobs the workers start on their own (a day's reminders) are named, so each starts once.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    counters: Mapped[dict[str, int]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
