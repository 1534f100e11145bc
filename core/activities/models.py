import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey
from core.stock.models import StockOwner

# Kinds that draw from a prize table (the marquee is a draw shown as a grid).
DRAW_KINDS = ("lucky_draw", "marquee")


class Activity(UUIDPrimaryKey, CreatedAt, Base):
    """A campaign customers take part in: lucky draw, marquee, red envelope, collection page."""

    __tablename__ = "activities"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cover_image_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    budget: Mapped[int | None] = mapped_column(BigInteger)
    server_seed: Mapped[str] = mapped_column(String(64))
    server_seed_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def budget_owner(self) -> StockOwner:
        return StockOwner("activity_budget", self.id, self.merchant_id)

    @property
    def tries_owner(self) -> StockOwner:
        return StockOwner("activity_tries", self.id, self.merchant_id)

    @property
    def envelope_owner(self) -> StockOwner:
        """The pot's unopened shares."""
        return StockOwner("envelope", self.id, self.merchant_id)


# Whose stock a prize's is (`StockOwner.kind`).
PRIZE_STOCK_KIND = "prize"


class Prize(UUIDPrimaryKey, Base):
    __tablename__ = "prizes"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    consolation: Mapped[bool] = mapped_column(Boolean, default=False)
    reward: Mapped[dict[str, Any]] = mapped_column(JSON)

    @property
    def stock_owner(self) -> StockOwner:
        return StockOwner(PRIZE_STOCK_KIND, self.id, self.merchant_id)


class PrizeTable(Base):
    """The prizes a try could land on, as they stood: a new version whenever one runs out, so
    every try can be re-checked against the exact table it was drawn from."""

    __tablename__ = "prize_tables"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[list[list[Any]]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))


class Play(UUIDPrimaryKey, CreatedAt, Base):
    """One try by one customer, with everything needed to prove it fair."""

    __tablename__ = "plays"
    __table_args__ = (
        UniqueConstraint("activity_id", "customer_id", "nonce"),
        # The winners ticker: an activity's latest wins, however rare among its tries.
        Index("ix_plays_activity_won_created", "activity_id", "won", "created_at"),
    )

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[int] = mapped_column(Integer)
    client_seed: Mapped[str] = mapped_column(String(100))
    table_version: Mapped[int | None] = mapped_column(Integer)
    drawn_prize_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("prizes.id"))
    prize_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("prizes.id"))
    cell: Mapped[int | None] = mapped_column(Integer)
    share: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)
    referrer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    # A real win: a prize that is not the consolation one, or an envelope share or coupon paid.
    won: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Where the try came from (telegram, whatsapp, web, app, api): analytics split by it.
    channel: Mapped[str | None] = mapped_column(String(16))


class EnvelopeShare(Base):
    """One pre-split share of a red-envelope pot: opening an envelope takes one. In a group
    envelope the share is held for its opener (opened_by set, opened_at not) until the group
    fills, and given back if it expires."""

    __tablename__ = "envelope_shares"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    opened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("envelope_groups.id", ondelete="SET NULL"), index=True
    )


class EnvelopeGroup(UUIDPrimaryKey, CreatedAt, Base):
    """An envelope opened together: nobody is paid until `needed` friends have joined the
    starter, and nobody at all if the deadline passes first."""

    __tablename__ = "envelope_groups"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    starter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    needed: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")


class Referral(CreatedAt, Base):
    """A friend who came through a customer's share link (one referrer per friend)."""

    __tablename__ = "referrals"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    friend_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    referrer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
