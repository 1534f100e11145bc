"""One try at an activity, whatever its kind: checks, tries, points cost, then the kind's own
step (a fair draw, opening an envelope, or collecting a coupon) with the reward it grants, all
in one transaction."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.activities import fairness
from core.activities.errors import NotEligible, NotLive
from core.activities.groups import open_together, pay_share, take_share
from core.activities.models import DRAW_KINDS, Activity, Play, Prize
from core.activities.prizes import (
    consolation_of,
    current_table,
    draw_table,
    known_sold_out,
    prizes_of,
    rebuild_table,
    take_prize,
)
from core.activities.referrals import credit_referral
from core.activities.schemas import GroupOut, PlayRequest, PlayResult, PrizeWon, Proof, Rules
from core.activities.service import effective_status, get_activity
from core.activities.tries import Try, take_try
from core.clock import utcnow
from core.coupons.service import claim_coupon, coupon_view
from core.customers.models import Customer
from core.customers.service import get_customer
from core.errors import ConfettiError, ValidationFailed
from core.events.service import record_event
from core.merchants.models import Merchant
from core.points.service import spend_points
from core.rewards.flows import grant_reward
from core.rewards.schemas import GrantedReward, parse_reward


@dataclass
class Outcome:
    """What the kind's own step produced."""

    reward: GrantedReward
    prize: Prize | None = None
    drawn: Prize | None = None
    table_version: int | None = None
    cell: int | None = None
    share: int | None = None
    group: GroupOut | None = None


async def play(
    session: AsyncSession,
    merchant: Merchant,
    activity_id: uuid.UUID,
    request: PlayRequest,
    *,
    channel: str = "api",
) -> PlayResult:
    activity = await get_activity(session, merchant.id, activity_id)
    now = utcnow()
    status = effective_status(activity, now)
    if status != "live":
        raise NotLive(variant=status)
    customer = await get_customer(session, merchant.id, request.customer)
    rules = Rules.model_validate(activity.rules)
    if rules.new_customers_only and customer.created_at < activity.published_at:
        raise NotEligible(
            "Only customers new since this activity began may take part.",
            variant="new_customers_only",
        )
    referrer_id = await credit_referral(session, activity, customer, request.referrer)
    attempt = await take_try(session, activity, customer, rules, merchant.timezone, now)
    if rules.points_cost:
        await spend_points(
            session,
            merchant_id=merchant.id,
            customer_id=customer.id,
            points=rules.points_cost,
            reason=f"activity:{activity.id}",
        )
    # The customer's id is part of the client seed: two customers choosing the same seed
    # still get independent draws.
    client_seed = f"{customer.id.hex}:{request.client_seed or secrets.token_hex(8)}"
    if activity.kind in DRAW_KINDS:
        outcome = await _draw(session, activity, customer, client_seed, attempt.nonce)
    elif activity.kind == "red_envelope":
        outcome = await _open_envelope(session, activity, customer, request.group)
    else:
        outcome = await _collect(session, activity, customer, request.template_id)
    return await _record(
        session, activity, customer, attempt, client_seed, outcome, referrer_id, now, channel
    )


async def _draw(
    session: AsyncSession, activity: Activity, customer: Customer, client_seed: str, nonce: int
) -> Outcome:
    # The prizes are read once for the whole try, the fallback's table rebuild included.
    prizes = {str(prize.id): prize for prize in await prizes_of(session, activity.id)}
    table = await current_table(session, activity.id)
    digest = fairness.roll(activity.server_seed, client_seed, nonce)
    drawn = prizes[fairness.pick(draw_table(table.entries), digest)]
    consolation = consolation_of(prizes.values())
    granted, reward = drawn, await _win(session, activity, customer, drawn)
    if reward is None:
        # The prize ran out (its stock, the budget, or what it grants: a sold-out coupon, an
        # empty code batch), or this customer may not have it (they hold as many coupons of
        # its template as allowed): the consolation prize instead, and later tries draw from a
        # table without what ran out. The odds stay as published; nobody re-rolls.
        granted = consolation
        reward = await _grant(session, activity, customer, consolation)
        await rebuild_table(session, activity, list(prizes.values()))
    cell = None
    if activity.kind == "marquee":
        names = {prize.name: key for key, prize in prizes.items()}
        layout = [names[name] for name in activity.settings["marquee"]["cells"]]
        cell = fairness.cell_for(str(granted.id), layout, digest)
    return Outcome(reward, granted, drawn, table.version, cell=cell)


async def _grant(
    session: AsyncSession, activity: Activity, customer: Customer, prize: Prize
) -> GrantedReward:
    return await grant_reward(
        session,
        merchant_id=activity.merchant_id,
        customer=customer,
        reward=parse_reward(prize.reward),
        source="activity",
    )


async def _win(
    session: AsyncSession, activity: Activity, customer: Customer, prize: Prize
) -> GrantedReward | None:
    """The prize, its stock taken and its reward granted; or None with nothing taken, when
    either refuses. One savepoint holds both, so a reward that cannot be granted to this
    customer never uses up the prize's stock."""
    if known_sold_out(session, prize):
        return None
    try:
        async with session.begin_nested():
            if not await take_prize(session, activity, prize):
                return None
            return await _grant(session, activity, customer, prize)
    except ConfettiError:
        return None


async def _open_envelope(
    session: AsyncSession, activity: Activity, customer: Customer, group_id: uuid.UUID | None
) -> Outcome:
    if activity.settings["envelope"].get("group_friends"):
        reward, share, group = await open_together(session, activity, customer, group_id)
        return Outcome(reward, share=share.amount if share else None, group=group)
    share = await take_share(session, activity, customer, None)
    reward = await pay_share(session, activity, customer, share)
    await session.flush()
    return Outcome(reward, share=share.amount)


async def _collect(
    session: AsyncSession, activity: Activity, customer: Customer, template_id: uuid.UUID | None
) -> Outcome:
    if template_id is None or str(template_id) not in activity.settings["templates"]:
        raise ValidationFailed("choose one of this page's coupon templates", field="template_id")
    coupon, template, _ = await claim_coupon(
        session, activity.merchant_id, template_id, customer.external_id
    )
    view = coupon_view(coupon, template, customer.external_id, utcnow())
    return Outcome(GrantedReward(type="coupon", coupon=view))


def is_win(prize: Prize | None, reward_type: str) -> bool:
    """What the winners ticker shows: something was granted, and not as the consolation prize
    (a group envelope's member is paid later, when the group fills)."""
    return reward_type != "none" and (prize is None or not prize.consolation)


async def _record(
    session: AsyncSession,
    activity: Activity,
    customer: Customer,
    attempt: Try,
    client_seed: str,
    outcome: Outcome,
    referrer_id: uuid.UUID | None,
    now: datetime,
    channel: str,
) -> PlayResult:
    entry = Play(
        id=uuid.uuid4(),
        activity_id=activity.id,
        merchant_id=activity.merchant_id,
        customer_id=customer.id,
        nonce=attempt.nonce,
        client_seed=client_seed,
        table_version=outcome.table_version,
        drawn_prize_id=outcome.drawn.id if outcome.drawn else None,
        prize_id=outcome.prize.id if outcome.prize else None,
        cell=outcome.cell,
        share=outcome.share,
        outcome=outcome.reward.model_dump(mode="json"),
        referrer_id=referrer_id,
        won=is_win(outcome.prize, outcome.reward.type),
        channel=channel,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    payload = {
        "activity_id": str(activity.id),
        "customer_id": str(customer.id),
        "play_id": str(entry.id),
        "kind": activity.kind,
        "channel": channel,
    }
    await record_event(
        session, merchant_id=activity.merchant_id, type="activity.played", payload=payload
    )
    if outcome.prize is not None and not outcome.prize.consolation:
        await record_event(
            session,
            merchant_id=activity.merchant_id,
            type="prize.won",
            payload={**payload, "prize_id": str(outcome.prize.id), "cost": outcome.prize.cost},
        )
    prize = outcome.prize
    return PlayResult(
        play_id=entry.id,
        activity_id=activity.id,
        kind=activity.kind,
        prize=PrizeWon(id=prize.id, name=prize.name, consolation=prize.consolation)
        if prize
        else None,
        reward=outcome.reward,
        cell=outcome.cell,
        share=outcome.share,
        group=outcome.group,
        tries_left=attempt.tries_left,
        proof=Proof(
            server_seed_hash=activity.server_seed_hash,
            client_seed=client_seed,
            nonce=attempt.nonce,
            table_version=outcome.table_version,
        )
        if outcome.table_version is not None
        else None,
    )
