"""Redeeming a code: a typed code grants its batch's reward, once, with wrong guesses limited.

Both the API and the chat call `try_code`; each owns its transaction and commits it whatever the
outcome, so a wrong guess stays counted while nothing else of the try is kept.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.codes.attempts import give_back, take_attempt
from core.codes.errors import CodeNotFound, CodeNotRedeemable, CodeUsed
from core.codes.models import Code
from core.codes.schemas import RedeemCodeResult
from core.codes.service import check_redeemable, code_by_text, take_customer_quota
from core.customers.models import Customer
from core.errors import ConfettiError
from core.events.service import record_event
from core.rewards.flows import grant_reward
from core.rewards.schemas import parse_reward

# Refusals that say the guess was wrong: they count against the customer's attempts.
WRONG_GUESSES = (CodeNotFound, CodeUsed, CodeNotRedeemable)


@dataclass(frozen=True)
class CodeTry:
    """What came of a try: the redemption, or the wrong guess it was (counted, nothing else
    kept). Other refusals (expired, limit reached) are raised and change nothing."""

    redeemed: RedeemCodeResult | None = None
    wrong: ConfettiError | None = None


async def try_code(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer: Customer,
    typed: str,
    *,
    client_ip: str | None,
    limit: int,
    now: datetime,
) -> CodeTry:
    """Count the try, then redeem in a savepoint: a wrong guess undoes the redemption's changes
    but keeps the count; a good code gives the count back."""
    attempt = await take_attempt(session, merchant_id, customer.id, client_ip, limit=limit, now=now)
    try:
        async with session.begin_nested():
            redeemed = await redeem_code(session, merchant_id, customer, typed)
    except WRONG_GUESSES as wrong:
        return CodeTry(wrong=wrong)
    await give_back(session, attempt)
    return CodeTry(redeemed=redeemed)


async def redeem_code(
    session: AsyncSession, merchant_id: uuid.UUID, customer: Customer, typed: str
) -> RedeemCodeResult:
    """Redeem a generated code: it grants its batch's reward, once."""
    found = await code_by_text(session, merchant_id, typed)
    if found is None:
        raise CodeNotFound(field="code")
    code, batch = found
    check_redeemable(code, batch)
    await take_customer_quota(session, batch, customer)
    claimed = await session.execute(
        update(Code)
        .where(Code.id == code.id, Code.status == "available")
        .values(status="redeemed", customer_id=customer.id, used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # someone redeemed it between our read and this write
        raise CodeUsed(field="code")
    reward = parse_reward(batch.reward)
    granted = await grant_reward(
        session, merchant_id=merchant_id, customer=customer, reward=reward, source="code"
    )
    await record_event(
        session,
        merchant_id=merchant_id,
        type="code.redeemed",
        payload={
            "batch_id": str(batch.id),
            "code_id": code.id,
            "customer_id": str(customer.id),
            "reward": reward.type,
        },
    )
    return RedeemCodeResult(code=code.raw, batch_id=batch.id, reward=granted)
