import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class Customer(UUIDPrimaryKey, CreatedAt, Base):
    """One person of one merchant, known by the shop's own id and/or chat identities."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("merchant_id", "external_id"),
        # The console's customer list: a merchant's customers newest first, page by page.
        Index("ix_customers_merchant_created", "merchant_id", "created_at", "id"),
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(16))
    birthday: Mapped[date | None] = mapped_column(Date)


class ChannelIdentity(UUIDPrimaryKey, CreatedAt, Base):
    """How a customer reaches us on one channel: `telegram:<user id>`, `whatsapp:<phone>`,
    `web:<cookie id>`; and where the conversation on that channel stands.

    The row is locked while a message is handled, so one customer's messages are answered in
    order by whichever process receives them.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("merchant_id", "channel", "address"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    # The merchant's bot or number this customer last wrote to: replies and notices go there.
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="SET NULL")
    )
    locale: Mapped[str | None] = mapped_column(String(16))
    # What the next typed text means ("code": a code to redeem), else a menu choice.
    awaiting: Mapped[str | None] = mapped_column(String(32))
    # The option ids of the last message that offered a choice, so "3" typed back means the
    # third (WhatsApp shows more than ten options as a numbered list).
    last_options: Mapped[list[str] | None] = mapped_column(JSON)
    # WhatsApp allows free text only within 24 hours of the customer's last message.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
