"""Staff accounts, console sessions and the log-in lockout, on both databases."""

from datetime import timedelta

import pytest

from core.clock import utcnow
from core.staff.errors import EmailTaken, LockedOut, SessionEnded, WrongCredentials
from core.staff.login import log_in
from core.staff.schemas import LogIn, SignUp
from core.staff.service import sign_up
from core.staff.sessions import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    end_all_sessions,
    resume_session,
    touch_session,
)

PASSWORD = "correct horse battery"


async def _owner(db, email: str = "Owner@Shop.example"):
    async with db.transaction() as session:
        return await sign_up(
            session,
            SignUp(
                name="Shop",
                currency="EUR",
                timezone="Europe/Madrid",
                email=email,
                password=PASSWORD,
            ),
        )


async def _log_in(db, password: str = PASSWORD, *, ip: str = "10.0.0.1", now=None, **kw):
    async with db.transaction() as session:
        return await log_in(
            session,
            LogIn(email="owner@shop.example", password=password),
            ip=ip,
            now=now or utcnow(),
            **kw,
        )


async def test_sign_up_makes_an_owner_whose_email_is_case_insensitive(db) -> None:
    merchant, staff = await _owner(db)
    assert staff.role == "owner" and staff.merchant_id == merchant.id
    assert staff.email == "owner@shop.example"
    with pytest.raises(EmailTaken):
        await _owner(db, email="OWNER@shop.example")


async def test_log_in_rotates_the_session_the_browser_had(db) -> None:
    await _owner(db)
    first = (await _log_in(db)).opened
    second = (await _log_in(db, replacing=first.secret)).opened
    assert second.secret != first.secret
    async with db.transaction(write=False) as session:
        with pytest.raises(SessionEnded):
            await resume_session(session, first.secret, now=utcnow())
        row, _ = await resume_session(session, second.secret, now=utcnow())
    assert row.csrf_token


async def test_a_session_ends_when_idle_and_touching_it_keeps_it(db) -> None:
    await _owner(db)
    start = utcnow()
    opened = (await _log_in(db, now=start)).opened
    later = start + IDLE_TIMEOUT - timedelta(minutes=1)
    async with db.transaction() as session:
        await touch_session(session, opened.session.id, now=later)
    async with db.transaction(write=False) as session:
        await resume_session(
            session, opened.secret, now=start + IDLE_TIMEOUT + timedelta(minutes=5)
        )
        with pytest.raises(SessionEnded):
            await resume_session(session, opened.secret, now=later + IDLE_TIMEOUT)


async def test_a_session_ends_at_its_absolute_expiry_however_busy(db) -> None:
    await _owner(db)
    start = utcnow()
    opened = (await _log_in(db, now=start)).opened
    moment = start
    while moment < start + ABSOLUTE_TIMEOUT - IDLE_TIMEOUT:
        moment += IDLE_TIMEOUT / 2
        async with db.transaction() as session:
            await touch_session(session, opened.session.id, now=moment)
    async with db.transaction(write=False) as session:
        with pytest.raises(SessionEnded):
            await resume_session(session, opened.secret, now=start + ABSOLUTE_TIMEOUT)


async def test_log_out_ends_every_session_of_the_staff_member(db) -> None:
    _, staff = await _owner(db)
    phone = (await _log_in(db)).opened
    laptop = (await _log_in(db)).opened
    async with db.transaction() as session:
        assert await end_all_sessions(session, staff.id) == 2
    async with db.transaction(write=False) as session:
        for opened in (phone, laptop):
            with pytest.raises(SessionEnded):
                await resume_session(session, opened.secret, now=utcnow())


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(db) -> None:
    await _owner(db)
    refusals = [(await _log_in(db, "wrong password")).refusal for _ in range(5)]
    assert all(isinstance(r, WrongCredentials) for r in refusals[:4])
    assert isinstance(refusals[4], LockedOut)
    assert isinstance((await _log_in(db, ip="10.9.9.9")).refusal, LockedOut)
    later = utcnow() + timedelta(minutes=16)
    assert (await _log_in(db, now=later)).opened is not None


async def test_one_address_guessing_many_accounts_is_locked(db) -> None:
    await _owner(db)
    for number in range(20):
        async with db.transaction() as session:
            outcome = await log_in(
                session,
                LogIn(email=f"guess{number}@shop.example", password="nope"),
                ip="10.6.6.6",
                now=utcnow(),
            )
    assert isinstance(outcome.refusal, LockedOut)
    assert isinstance((await _log_in(db, ip="10.6.6.6")).refusal, LockedOut)
    assert (await _log_in(db, ip="10.0.0.2")).opened is not None
