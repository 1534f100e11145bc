import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey
from core.stock.models import StockOwner

# Whose stock a template's is (`StockOwner.kind`).
TEMPLATE_STOCK_KIND = "coupon_template"


class CouponTemplate(UUIDPrimaryKey, CreatedAt, Base):
    """What a coupon is worth and who may have one: copies are issued from it as coupons."""

    __tablename__ = "coupon_templates"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    threshold: Mapped[int | None] = mapped_column(BigInteger)
    percent_off: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    max_discount: Mapped[int | None] = mapped_column(BigInteger)
    min_order_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_stock: Mapped[int | None] = mapped_column(Integer)
    stock_shards: Mapped[int] = mapped_column(Integer, default=1)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    claim_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    scope_skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def stock_owner(self) -> StockOwner:
        return StockOwner(TEMPLATE_STOCK_KIND, self.id, self.merchant_id, self.stock_shards)


class Coupon(UUIDPrimaryKey, CreatedAt, Base):
    """One issued copy of a template, held by one customer; created_at is when it was claimed."""

    __tablename__ = "coupons"
    __table_args__ = (UniqueConstraint("merchant_id", "code"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coupon_templates.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="available")
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the holder was reminded that it expires soon (once per coupon).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64), default="claim")
    # The coupon's own value when it differs from its template's: a red-envelope share paid
    # out as a fixed coupon.
    amount_off: Mapped[int | None] = mapped_column(BigInteger)

    def status_at(self, now: datetime) -> str:
        """available | used | expired, judged now: expiry never waits for a scheduled job."""
        if self.status == "available" and self.valid_until is not None and now >= self.valid_until:
            return "expired"
        return self.status
