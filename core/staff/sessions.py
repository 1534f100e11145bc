"""Console sessions, stored in the database: a browser holds a random secret, the table holds
its SHA-256. A session ends when idle too long, when old enough whatever its use, or when its
staff member logs out (which ends all of their sessions, on every device)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.staff.errors import SessionEnded
from core.staff.models import ConsoleSession, StaffMember

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen is written at most this often, so browsing does not write on every page.
LAST_SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class OpenedSession:
    secret: str  # what the cookie carries (signed); never stored
    session: ConsoleSession


def _session_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def open_session(
    session: AsyncSession, staff: StaffMember, *, now: datetime, replacing: str | None = None
) -> OpenedSession:
    """A new session for a staff member who just logged in. The browser's earlier session, if
    any, ends: a session id never outlives a log-in (no fixation)."""
    if replacing is not None:
        await session.execute(
            delete(ConsoleSession).where(ConsoleSession.id == _session_id(replacing))
        )
    await session.execute(
        delete(ConsoleSession).where(
            ConsoleSession.staff_id == staff.id,
            (ConsoleSession.idle_expires_at <= now) | (ConsoleSession.absolute_expires_at <= now),
        )
    )
    secret = secrets.token_urlsafe(32)
    row = ConsoleSession(
        id=_session_id(secret),
        staff_id=staff.id,
        created_at=now,
        last_seen_at=now,
        idle_expires_at=now + IDLE_TIMEOUT,
        absolute_expires_at=now + ABSOLUTE_TIMEOUT,
        csrf_token=secrets.token_urlsafe(32),
    )
    session.add(row)
    await session.flush()
    return OpenedSession(secret, row)


async def resume_session(
    session: AsyncSession, secret: str, *, now: datetime
) -> tuple[ConsoleSession, StaffMember]:
    """The live session a browser's secret names, with its staff member; SessionEnded if it
    is unknown or expired. It only reads: expired rows go at their staff member's next log-in."""
    query = (
        select(ConsoleSession, StaffMember)
        .join(StaffMember, StaffMember.id == ConsoleSession.staff_id)
        .where(ConsoleSession.id == _session_id(secret))
    )
    found = (await session.execute(query)).one_or_none()
    if found is None:
        raise SessionEnded()
    row, staff = found
    if now >= row.idle_expires_at or now >= row.absolute_expires_at:
        raise SessionEnded()
    return row, staff


def needs_touch(row: ConsoleSession, now: datetime) -> bool:
    return now - row.last_seen_at >= LAST_SEEN_PRECISION


async def touch_session(session: AsyncSession, session_id: str, *, now: datetime) -> None:
    """Pushes the idle expiry back (never past the absolute one)."""
    row = await session.get(ConsoleSession, session_id)
    if row is None:
        return
    row.last_seen_at = now
    row.idle_expires_at = min(now + IDLE_TIMEOUT, row.absolute_expires_at)
    await session.flush()


async def end_all_sessions(session: AsyncSession, staff_id: uuid.UUID) -> int:
    result = await session.execute(
        delete(ConsoleSession).where(ConsoleSession.staff_id == staff_id)
    )
    return result.rowcount or 0


async def end_session(session: AsyncSession, secret: str) -> None:
    """Logs this browser out, leaving the staff member's other devices signed in."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.id == _session_id(secret)))
