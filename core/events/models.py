import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class Event(UUIDPrimaryKey, Base):
    """An append-only fact about what happened: analytics read it, workers act on it."""

    __tablename__ = "events"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class OutboxEntry(CreatedAt, Base):
    """An event waiting to be published. Written in the transaction that caused the event and
    deleted by the relay once the broker has confirmed it, so the table stays small."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    topic: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)


class ProcessedEvent(Base):
    """Which consumer has had its effect for which event: the exactly-once guard."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
