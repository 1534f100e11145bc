import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
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
    """One person who signs in to a merchant's console, or works from the merchant's bot only.
    An email signs in to one merchant; a bot-only member (linked from `confetti staff link
    --role`) has no email and no password, and so never a console session."""

    __tablename__ = "staff_members"

    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # What the staff screen calls a bot-only member: their chat name when they linked.
    display_name: Mapped[str | None] = mapped_column(String(200))


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


class StaffLinkToken(CreatedAt, Base):
    """A one-time deep link that links a chat to a staff account: an existing member's
    (`staff_id`), or a new bot-only member of `role`. The id is the SHA-256 of the token the
    link carries, so a copy of the table links nobody."""

    __tablename__ = "staff_link_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE")
    )
    role: Mapped[str | None] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffChat(CreatedAt, Base):
    """A staff member's own chat with the merchant's bot: messages from `address` on
    `channel` are that staff member's. One chat per staff member and one staff member per
    chat; deleting the row (Unlink) ends it at once."""

    __tablename__ = "staff_chats"
    __table_args__ = (UniqueConstraint("merchant_id", "channel", "address"),)

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True
    )
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8))


class StaffWizard(Base):
    """The one wizard a staff chat is in: which flow, at which step, with the values typed so
    far. Kept in the database so a wizard survives a restart."""

    __tablename__ = "staff_wizards"

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
