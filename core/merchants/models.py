import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class Merchant(UUIDPrimaryKey, CreatedAt, Base):
    """A tenant: every row that belongs to a merchant carries its id."""

    __tablename__ = "merchants"

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    # How the share pages and preview cards look: a #rrggbb colour and a logo's https URL.
    brand_color: Mapped[str | None] = mapped_column(String(7))
    logo_url: Mapped[str | None] = mapped_column(String(500))


class ApiKey(UUIDPrimaryKey, CreatedAt, Base):
    """A merchant's API key. Only its SHA-256 is stored; the key itself is shown once."""

    __tablename__ = "api_keys"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
