import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class Redemption(UUIDPrimaryKey, CreatedAt, Base):
    """Discounts applied to one order at checkout; rolled back on refund."""

    __tablename__ = "redemptions"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    order_total: Mapped[int] = mapped_column(BigInteger)
    total_discount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="applied")
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The quote's `not_applied` at redeeming, so reading the redemption later tells the same
    # story as the answer to redeem did.
    not_applied: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    discounts: Mapped[list["RedemptionDiscount"]] = relationship(
        order_by="RedemptionDiscount.position", lazy="selectin"
    )


class RedemptionDiscount(UUIDPrimaryKey, Base):
    """One coupon's or promotion's part of a redemption."""

    __tablename__ = "redemption_discounts"

    redemption_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("redemptions.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coupon_templates.id", ondelete="CASCADE")
    )
    coupon_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coupons.id", ondelete="CASCADE"), index=True
    )
    ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    eligible_amount: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
