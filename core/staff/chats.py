"""Staff members' own chats with the merchant's bot: a one-time link token (valid 10 minutes)
links the chat that opens it to a staff account; Unlink ends it at once; so does a new role.

Every change of a chat, or of its member's role, records `staff.chat_changed`, so the bot's
command menu for that chat follows (bots/telegram/commands.py)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.events.service import record_event
from core.staff.errors import (
    LinkExpired,
    LinkUnknown,
    LinkUsed,
    OwnRoleUnchangeable,
    StaffNotFound,
)
from core.staff.models import Role, StaffChat, StaffLinkToken, StaffMember
from core.staff.wizards import drop_wizard

log = structlog.get_logger("confetti.staff")

LINK_VALID_FOR = timedelta(minutes=10)
# A start payload is at most 64 characters of [A-Za-z0-9_-]; activity slugs never hold "~" or
# start so, and this prefix keeps link tokens apart from them.
TOKEN_PREFIX = "staff_"
CHAT_CHANGED = "staff.chat_changed"


@dataclass(frozen=True)
class IssuedLink:
    token: str  # what the deep link carries; never stored
    expires_at: datetime


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_link_token(payload: str) -> bool:
    return payload.startswith(TOKEN_PREFIX) and len(payload) == len(TOKEN_PREFIX) + 43


async def issue_link(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    now: datetime,
    staff_id: uuid.UUID | None = None,
    role: Role | None = None,
) -> IssuedLink:
    """A link for an existing staff member of this merchant, or for a new bot-only one of
    `role` (created when the link is opened)."""
    if (staff_id is None) == (role is None):
        raise ValueError("a link is for an existing staff member or for a new one of a role")
    if staff_id is not None:
        staff = await session.get(StaffMember, staff_id)
        if staff is None or staff.merchant_id != merchant_id:
            raise StaffNotFound()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        StaffLinkToken(
            id=_token_id(token),
            merchant_id=merchant_id,
            staff_id=staff_id,
            role=role.value if role else None,
            created_at=now,
            expires_at=now + LINK_VALID_FOR,
        )
    )
    await session.flush()
    log.info("staff.link.issued", merchant_id=str(merchant_id))
    return IssuedLink(token, now + LINK_VALID_FOR)


async def use_link(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    token: str,
    *,
    channel: str,
    address: str,
    name: str | None,
    language: str,
    now: datetime,
) -> StaffMember:
    """Links the chat to the token's staff member. The token is spent by one conditional
    UPDATE, so of two chats opening one link at once exactly one is linked."""
    spent = (
        await session.execute(
            update(StaffLinkToken)
            .where(
                StaffLinkToken.id == _token_id(token),
                StaffLinkToken.merchant_id == merchant_id,
                StaffLinkToken.used_at.is_(None),
                StaffLinkToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(StaffLinkToken.staff_id, StaffLinkToken.role)
        )
    ).one_or_none()
    if spent is None:
        raise await _why_refused(session, merchant_id, token)
    staff_id, role = spent
    if staff_id is None:
        staff = StaffMember(merchant_id=merchant_id, role=role, display_name=name)
        session.add(staff)
        await session.flush()
    else:
        staff = await session.get(StaffMember, staff_id)
        if staff is None:
            raise LinkUnknown()
    await _replace_chat(session, staff, channel=channel, address=address, language=language)
    log.info("staff.link.used", merchant_id=str(merchant_id), role=staff.role)
    return staff


async def _why_refused(session: AsyncSession, merchant_id: uuid.UUID, token: str) -> Exception:
    row = await session.get(StaffLinkToken, _token_id(token))
    if row is None or row.merchant_id != merchant_id:
        return LinkUnknown()
    return LinkUsed() if row.used_at is not None else LinkExpired()


async def _replace_chat(
    session: AsyncSession, staff: StaffMember, *, channel: str, address: str, language: str
) -> None:
    """The staff member's one chat is now this one; a chat holds one staff member."""
    earlier = await session.execute(
        select(StaffChat).where(
            (StaffChat.staff_id == staff.id)
            | (
                (StaffChat.merchant_id == staff.merchant_id)
                & (StaffChat.channel == channel)
                & (StaffChat.address == address)
            )
        )
    )
    for chat in earlier.scalars():
        await _forget_chat(session, chat)
    session.add(
        StaffChat(
            staff_id=staff.id,
            merchant_id=staff.merchant_id,
            channel=channel,
            address=address,
            language=language,
        )
    )
    await session.flush()
    await _chat_changed(session, staff.merchant_id, channel, address)


async def _forget_chat(session: AsyncSession, chat: StaffChat) -> None:
    await session.delete(chat)
    await session.flush()
    await _chat_changed(session, chat.merchant_id, chat.channel, chat.address)


async def _chat_changed(
    session: AsyncSession, merchant_id: uuid.UUID, channel: str, address: str
) -> None:
    await record_event(
        session,
        merchant_id=merchant_id,
        type=CHAT_CHANGED,
        payload={"channel": channel, "address": address},
    )


async def unlink(session: AsyncSession, merchant_id: uuid.UUID, staff_id: uuid.UUID) -> bool:
    """Ends the staff member's chat at once; False if there was none."""
    chat = await session.get(StaffChat, staff_id)
    if chat is None or chat.merchant_id != merchant_id:
        return False
    await _forget_chat(session, chat)
    await drop_wizard(session, staff_id)
    log.info("staff.link.removed", merchant_id=str(merchant_id))
    return True


async def change_role(
    session: AsyncSession, merchant_id: uuid.UUID, staff_id: uuid.UUID, role: Role, *, by: uuid.UUID
) -> StaffMember:
    """A staff member's new role, effective at their next message; their chat's command menu
    follows. Nobody changes their own role: an owner cannot leave the shop without one."""
    staff = await session.get(StaffMember, staff_id)
    if staff is None or staff.merchant_id != merchant_id:
        raise StaffNotFound()
    if staff.id == by:
        raise OwnRoleUnchangeable()
    staff.role = role.value
    await session.flush()
    chat = await session.get(StaffChat, staff_id)
    if chat is not None:
        await _chat_changed(session, merchant_id, chat.channel, chat.address)
    log.info("staff.role.changed", merchant_id=str(merchant_id), role=role.value)
    return staff


async def staff_in_chat(
    session: AsyncSession, merchant_id: uuid.UUID, channel: str, address: str
) -> StaffMember | None:
    """Who of this merchant's staff writes from this chat, read afresh on every message."""
    found = await chat_of(session, merchant_id, channel, address)
    return None if found is None else found[1]


async def chat_of(
    session: AsyncSession, merchant_id: uuid.UUID, channel: str, address: str
) -> tuple[StaffChat, StaffMember] | None:
    """The linked chat at this address with its staff member, or None."""
    query = (
        select(StaffChat, StaffMember)
        .join(StaffMember, StaffMember.id == StaffChat.staff_id)
        .where(
            StaffChat.merchant_id == merchant_id,
            StaffChat.channel == channel,
            StaffChat.address == address,
        )
    )
    found = (await session.execute(query)).one_or_none()
    return None if found is None else tuple(found)


async def staff_chats(session: AsyncSession, merchant_id: uuid.UUID) -> dict[uuid.UUID, StaffChat]:
    """Each linked staff member's chat, for the staff screen."""
    query = select(StaffChat).where(StaffChat.merchant_id == merchant_id)
    return {chat.staff_id: chat for chat in (await session.execute(query)).scalars()}


async def list_staff(session: AsyncSession, merchant_id: uuid.UUID) -> list[StaffMember]:
    query = (
        select(StaffMember)
        .where(StaffMember.merchant_id == merchant_id)
        .order_by(StaffMember.created_at, StaffMember.id)
    )
    return list((await session.execute(query)).scalars())
