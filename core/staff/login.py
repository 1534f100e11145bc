"""One log-in attempt: the lockout first, then the password, then a new session.

A refused attempt is returned, not raised, so that its counted failure commits with the
caller's transaction (a raise would roll the count back and give guessers free tries)."""

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConfettiError
from core.staff import lockout
from core.staff.errors import LockedOut, WrongCredentials
from core.staff.schemas import LogIn
from core.staff.service import check_password
from core.staff.sessions import OpenedSession, open_session

log = structlog.get_logger("confetti.staff")


@dataclass(frozen=True)
class LoginOutcome:
    opened: OpenedSession | None = None
    refusal: ConfettiError | None = None


async def log_in(
    session: AsyncSession, data: LogIn, *, ip: str, now: datetime, replacing: str | None = None
) -> LoginOutcome:
    try:
        await lockout.refuse_if_locked(session, data.email, ip, now=now)
        staff = await check_password(session, data.email, data.password)
    except LockedOut as refused:
        log.info("staff.log_in.locked_out")
        return LoginOutcome(refusal=refused)
    except WrongCredentials as refused:
        locked = await lockout.count_failure(session, data.email, ip, now=now)
        log.info("staff.log_in.refused", locked=locked)
        return LoginOutcome(refusal=LockedOut() if locked else refused)
    await lockout.clear_account_failures(session, data.email)
    opened = await open_session(session, staff, now=now, replacing=replacing)
    log.info("staff.log_in.succeeded", merchant_id=str(staff.merchant_id))
    return LoginOutcome(opened=opened)
