"""A code batch's code at the counter: what it grants, and whether it can be redeemed now
(the core's own checks, so the screen says what redeeming would answer)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator
from core.codes.models import Code, CodeBatch
from core.codes.service import check_redeemable
from core.coupons.templates import get_template
from core.errors import ConfettiError
from core.rewards.schemas import CouponReward, PointsReward, parse_reward
from web.refusals import page_refusal


@dataclass(frozen=True)
class CodeAtCounter:
    code: str  # as generated or as the partner wrote it
    batch_name: str
    grants: str | None  # None: a partner's code, which grants what the partner gives
    status: str  # available, redeemed or assigned (handed out)
    used_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None
    refusal: str | None  # why it cannot be redeemed now; None: it can


async def code_at_counter(
    session: AsyncSession, t: Translator, code: Code, batch: CodeBatch
) -> CodeAtCounter:
    try:
        check_redeemable(code, batch)
        refusal = None
    except ConfettiError as refused:
        refusal = page_refusal(t, refused)
    return CodeAtCounter(
        code=code.raw,
        batch_name=batch.name,
        grants=await _grants(session, t, batch),
        status=code.status,
        used_at=code.used_at,
        valid_from=batch.valid_from,
        valid_until=batch.valid_until,
        refusal=refusal,
    )


async def _grants(session: AsyncSession, t: Translator, batch: CodeBatch) -> str | None:
    if batch.kind != "generated":
        return None
    reward = parse_reward(batch.reward)
    if isinstance(reward, PointsReward):
        return t("console.codes.grants_points", points=reward.amount)
    if isinstance(reward, CouponReward):
        template = await get_template(session, batch.merchant_id, reward.template_id)
        return t("console.cashier.grants_coupon", name=template.name)
    return None
