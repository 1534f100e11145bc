import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey
from core.stock.models import StockOwner

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class CodeBatch(UUIDPrimaryKey, CreatedAt, Base):
    """A set of codes: generated from a pattern, or imported from a partner."""

    __tablename__ = "code_batches"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    pattern: Mapped[str | None] = mapped_column(String(64))
    reward: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)

    @property
    def stock_owner(self) -> StockOwner:
        """Owner of the batch's stock (unused codes) and of its per-customer quota."""
        return StockOwner("code_batch", self.id, self.merchant_id)


class Code(Base):
    """One code: `code` normalized (upper case, no dashes or spaces) for matching, unique per
    merchant; `raw` as generated or as the partner wrote it, for handing out."""

    __tablename__ = "codes"
    __table_args__ = (
        Index("uq_codes_merchant_id_code", "merchant_id", "code", unique=True),
        Index("ix_codes_batch_id_status", "batch_id", "status"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("code_batches.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="available")
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
