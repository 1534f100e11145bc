import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class ChannelAccount(UUIDPrimaryKey, CreatedAt, Base):
    """A merchant's own Telegram bot or WhatsApp number, through which customers reach them.

    Credentials are sealed with the secret key; the webhook secret is kept only as a fingerprint.
    """

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    # The bot's id or the WhatsApp phone number id: one merchant at a time may connect it.
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    sealed_credentials: Mapped[str] = mapped_column(Text)
    webhook_secret_fingerprint: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class InboundUpdate(Base):
    """An update a chat platform delivered, by its own id: the same one twice has one effect."""

    __tablename__ = "chat_inbound"
    __table_args__ = (PrimaryKeyConstraint("account_id", "key"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OutgoingMessage(CreatedAt, Base):
    """One chat message to send, written in the transaction that decided to send it.

    The chat sender sends them in id order per chat, within the channel's rate limits.
    """

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        Index("ix_outgoing_messages_due", "status", "not_before"),
        # A chat's messages still to send, in order (the sender's "nothing overtakes" check).
        Index(
            "ix_outgoing_messages_chat_pending",
            "account_id",
            "address",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE")
    )
    address: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict] = mapped_column(JSON)
    # Set when the message stands for a fact that must reach the customer once (an event id
    # and part number, a broadcast and a customer): a second insert with it is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Of a reply the platform takes as several messages, how many went (all but the last: its
    # success marks the whole sent): a send cut short between them resumes after these.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
