import uuid
from dataclasses import dataclass

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base

# Above this many units a new stock is spread over shard rows (CONFETTI_STOCK_SHARD_ABOVE), one
# per that many units, at most MAX_AUTO_SHARDS: 16 rows took claims as fast as two cores could
# (docs/performance.md), and every extra row is one more a last-unit take may have to try.
SHARD_ABOVE = 1000
MAX_AUTO_SHARDS = 16


@dataclass(frozen=True)
class StockOwner:
    """Whose stock: a kind ("coupon_template", "prize", ...), an id, the merchant it belongs
    to, and how many shard rows."""

    kind: str
    id: uuid.UUID
    merchant_id: uuid.UUID
    shards: int = 1


class StockBucket(Base):
    """Part of a thing's stock: one row, or several shards that claims spread over when hot."""

    __tablename__ = "stock_buckets"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    owner_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    remaining: Mapped[int] = mapped_column(BigInteger)


class QuotaUsage(Base):
    """How much of a per-holder limit one holder has used in one period ('' = for ever)."""

    __tablename__ = "quota_usage"

    owner_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    holder_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    used: Mapped[int] = mapped_column(BigInteger)
