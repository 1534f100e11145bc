"""Staff accounts: sign-up (a merchant and its owner), passwords checked with argon2."""

import uuid

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.merchants.models import Merchant
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant, get_merchant
from core.staff.errors import EmailTaken, StaffNotFound, WrongCredentials
from core.staff.models import Role, StaffMember
from core.staff.schemas import SignUp, StaffCreate

log = structlog.get_logger("confetti.staff")
_hasher = PasswordHasher()
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_UNKNOWN_EMAIL_HASH = _hasher.hash("no account has this password")


async def find_staff_by_email(session: AsyncSession, email: str) -> StaffMember | None:
    query = select(StaffMember).where(StaffMember.email == email.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()


async def merchant_staff_by_email(
    session: AsyncSession, merchant_id: uuid.UUID, email: str
) -> StaffMember:
    """The merchant's staff member with this email; StaffNotFound for anyone else's."""
    staff = await find_staff_by_email(session, email)
    if staff is None or staff.merchant_id != merchant_id:
        raise StaffNotFound(field="email")
    return staff


async def get_staff(session: AsyncSession, staff_id: uuid.UUID) -> StaffMember:
    staff = await session.get(StaffMember, staff_id)
    if staff is None:
        raise StaffNotFound()
    return staff


async def add_staff(
    session: AsyncSession, merchant_id: uuid.UUID, data: StaffCreate, *, role: Role
) -> StaffMember:
    if await find_staff_by_email(session, data.email) is not None:
        raise EmailTaken(field="email")
    staff = StaffMember(
        merchant_id=merchant_id,
        email=data.email,
        password_hash=_hasher.hash(data.password),
        role=role.value,
    )
    session.add(staff)
    await session.flush()
    log.info("staff.added", merchant_id=str(merchant_id), role=role.value)
    return staff


async def sign_up(session: AsyncSession, data: SignUp) -> tuple[Merchant, StaffMember]:
    """A new merchant with its owner. The email is checked first, so a taken one leaves no
    merchant behind."""
    if await find_staff_by_email(session, data.email) is not None:
        raise EmailTaken(field="email")
    merchant_fields = data.model_dump(include=set(MerchantCreate.model_fields))
    merchant = await create_merchant(session, MerchantCreate(**merchant_fields))
    staff = await add_staff(
        session,
        merchant.id,
        StaffCreate(email=data.email, password=data.password),
        role=Role.OWNER,
    )
    return merchant, staff


async def check_password(session: AsyncSession, email: str, password: str) -> StaffMember:
    """The staff member with this email and password, or WrongCredentials. A hash made with
    older argon2 parameters is upgraded on the way."""
    staff = await find_staff_by_email(session, email)
    try:
        _hasher.verify(staff.password_hash if staff else _UNKNOWN_EMAIL_HASH, password)
    except (VerificationError, InvalidHashError):
        raise WrongCredentials() from None
    if staff is None:
        raise WrongCredentials()
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
        await session.flush()
    return staff


async def staff_merchant(session: AsyncSession, staff: StaffMember) -> Merchant:
    return await get_merchant(session, staff.merchant_id)
