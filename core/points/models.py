import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey
from core.stock.models import StockOwner


class PointsSettings(Base):
    """A merchant's points policy; a merchant without a row has points that never expire."""

    __tablename__ = "points_settings"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True
    )
    expiry: Mapped[str] = mapped_column(String(16))
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    # What one point is worth, in minor units of the merchant's currency (a rate, so it may
    # be a fraction: 0.5 is 100 points for 0.50): what analytics value points at.
    point_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsAccount(CreatedAt, Base):
    """A customer's points account. Its row is the lock that serializes changes to the balance."""

    __tablename__ = "points_accounts"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )


class PointsLot(UUIDPrimaryKey, CreatedAt, Base):
    """Points credited together, spent oldest-expiring first, and expiring together."""

    __tablename__ = "points_lots"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("points_accounts.customer_id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    def is_live(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


class PointsEntry(UUIDPrimaryKey, CreatedAt, Base):
    """One line of the append-only ledger: never updated, never deleted.

    `source_ref` names what caused an entry (an order, a sign-up, a reward grant); it is unique
    per merchant, which makes crediting (and reversing) once per cause a database guarantee.
    """

    __tablename__ = "points_entries"
    __table_args__ = (UniqueConstraint("merchant_id", "source_ref"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("points_accounts.customer_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    source_ref: Mapped[str | None] = mapped_column(String(255))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("points_lots.id", ondelete="CASCADE"), index=True
    )


class EarningRule(UUIDPrimaryKey, CreatedAt, Base):
    """How a merchant's customers earn: per order amount, or a bonus for an occasion."""

    __tablename__ = "points_rules"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int | None] = mapped_column(BigInteger)
    points_per_unit: Mapped[int | None] = mapped_column(BigInteger)
    unit_amount: Mapped[int | None] = mapped_column(BigInteger)


class CatalogueItem(UUIDPrimaryKey, CreatedAt, Base):
    """Something in the points shop: costs `cost` points and grants `reward`."""

    __tablename__ = "points_catalogue_items"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    cost: Mapped[int] = mapped_column(BigInteger)
    total_stock: Mapped[int | None] = mapped_column(Integer)
    reward: Mapped[dict[str, Any]] = mapped_column(JSON)
    # A retired item stays for the history of exchanges, but is no longer offered.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def stock_owner(self) -> StockOwner:
        return StockOwner("catalogue_item", self.id, self.merchant_id)
