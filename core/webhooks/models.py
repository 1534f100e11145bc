import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class WebhookEndpoint(UUIDPrimaryKey, CreatedAt, Base):
    """A URL of the merchant's shop that wants some event types, signed with its own secret."""

    __tablename__ = "webhook_endpoints"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The circuit breaker (core/webhooks/circuit.py): "closed", "open" or "half_open".
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    circuit_state: Mapped[str] = mapped_column(
        String(16), default="closed", server_default="closed"
    )
    circuit_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    circuit_times_opened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When deliveries to it were last taken: endpoints take turns by it (core/webhooks/delivery.py).
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(UUIDPrimaryKey, CreatedAt, Base):
    """One event for one endpoint, and how its attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        # An endpoint's first due deliveries, read a few at a time while endpoints take turns.
        Index("ix_webhook_deliveries_endpoint_due", "endpoint_id", "status", "next_attempt_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    # pending, succeeded, failed (given up), cancelled (its endpoint was deleted first)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
