"""Failed log-ins counted per account and per IP address. Past the limit within the window,
the account (or the address) is refused for a while, even with the right password: guessing
one account's password from many addresses, or many accounts' from one, both stop."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.staff.errors import LockedOut
from core.staff.models import LoginFailures


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta
    lock_for: timedelta


ACCOUNT_LIMIT = Limit(failures=5, window=timedelta(minutes=15), lock_for=timedelta(minutes=15))
# An office or a shop shares one address: it gets more tries than one account does.
IP_LIMIT = Limit(failures=20, window=timedelta(minutes=15), lock_for=timedelta(minutes=15))


def subjects(email: str, ip: str) -> dict[str, Limit]:
    return {f"account:{email.strip().lower()}": ACCOUNT_LIMIT, f"ip:{ip}": IP_LIMIT}


async def refuse_if_locked(session: AsyncSession, email: str, ip: str, *, now: datetime) -> None:
    query = select(LoginFailures).where(LoginFailures.subject.in_(subjects(email, ip)))
    for row in (await session.execute(query)).scalars():
        if row.locked_until is not None and now < row.locked_until:
            raise LockedOut()


async def count_failure(session: AsyncSession, email: str, ip: str, *, now: datetime) -> bool:
    """Counts one failed log-in against the account and the address; True if either is now
    locked."""
    locked = False
    for subject, limit in subjects(email, ip).items():
        row = await session.get(LoginFailures, subject, with_for_update=True)
        if row is None:
            row = LoginFailures(subject=subject, failures=0, window_started_at=now)
            session.add(row)
        if now - row.window_started_at >= limit.window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit.failures:
            row.locked_until = now + limit.lock_for
            locked = True
    await session.flush()
    return locked


async def clear_account_failures(session: AsyncSession, email: str) -> None:
    """A good log-in forgets the account's failures (not the address's: one good account must
    not reset a guesser's count)."""
    subject = f"account:{email.strip().lower()}"
    await session.execute(delete(LoginFailures).where(LoginFailures.subject == subject))
