import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UUIDPrimaryKey


class Customer(UUIDPrimaryKey, CreatedAt, Base):
    """One person of one merchant, known by the shop's own id and/or chat identities."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("merchant_id", "external_id"),)

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
    `web:<cookie id>`."""

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
