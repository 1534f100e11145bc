import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, CreatedAt, UTCDateTime, UUIDPrimaryKey


class Role(enum.StrEnum):
    """What a staff member may do. Each role may do everything a lower one may."""

    CASHIER = "cashier"  # redeem at the counter
    MANAGER = "manager"  # campaigns: coupons, activities, codes, points
    OWNER = "owner"  # everything: staff, API keys, webhooks, channels

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def may_act_as(self, least: "Role") -> bool:
        return self.rank >= least.rank


class StaffMember(UUIDPrimaryKey, CreatedAt, Base):
    """One person who signs in to a merchant's console. An email signs in to one merchant."""

    __tablename__ = "staff_members"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))


class ConsoleSession(CreatedAt, Base):
    """A signed-in browser. The id is the SHA-256 of the secret the cookie carries, so a copy of
    the table opens no session."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    csrf_token: Mapped[str] = mapped_column(String(64))


class LoginFailures(Base):
    """Failed log-ins counted for one account or one IP address (`subject`: "account:<email>"
    or "ip:<address>") within a window; at the limit the subject is locked for a while."""

    __tablename__ = "login_failures"

    subject: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
