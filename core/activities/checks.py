"""Everything that stops an activity from being published, each problem named by its field,
and what publishing allows but the merchant should know."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.fairness import MARQUEE_CELLS
from core.activities.models import DRAW_KINDS, Activity, Prize
from core.activities.schemas import MarqueeLayout
from core.clock import utcnow
from core.codes.models import CodeBatch
from core.coupons.models import CouponTemplate
from core.rewards.schemas import parse_reward


async def problems_of(
    session: AsyncSession, activity: Activity, prizes: list[Prize]
) -> list[tuple[str, str]]:
    """Everything that stops an activity from being published."""
    problems: list[tuple[str, str]] = []
    if activity.ends_at <= utcnow():
        problems.append(("ends_at", "the activity would already be over"))
    if activity.kind in DRAW_KINDS:
        problems += await _draw_problems(session, activity, prizes)
    elif activity.rules.get("remind_new_round_at"):
        problems.append(("rules.remind_new_round_at", "only draws have a new round each day"))
    if activity.kind == "marquee":
        problems += marquee_problems(
            activity.settings.get("marquee"), {prize.name for prize in prizes}
        )
    if activity.kind == "red_envelope":
        problems += envelope_problems(activity.settings.get("envelope"))
    if activity.kind == "collection":
        problems += await collection_problems(
            session, activity.merchant_id, activity.settings.get("templates") or []
        )
    return problems


async def publish_warnings(
    session: AsyncSession, activity: Activity, prizes: list[Prize]
) -> list[str]:
    """A prize whose reward is limited per customer: a player who already has as many (claimed
    on a collection page, from a code, from this draw) gets the consolation prize instead."""
    warnings = []
    for n, prize in enumerate(prizes):
        reward = parse_reward(prize.reward)
        source = None
        if reward.type == "coupon":
            source = await session.get(CouponTemplate, reward.template_id)
        elif reward.type == "code":
            source = await session.get(CodeBatch, reward.batch_id)
        limit = getattr(source, "per_customer_limit", None)
        if not prize.consolation and limit is not None:
            warnings.append(
                f"prizes.{n}.reward: its {reward.type} is limited to {limit} per customer; a "
                "player who already has that many gets the consolation prize instead, and the "
                "prize keeps its stock"
            )
    return warnings


async def _draw_problems(
    session: AsyncSession, activity: Activity, prizes: list[Prize]
) -> list[tuple[str, str]]:
    problems = []
    if not prizes:
        problems.append(("prizes", "at least one prize is needed"))
    names = [p.name for p in prizes]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(("prizes", f"prize name {name!r} is used twice: names must be unique"))
    consolations = [p for p in prizes if p.consolation]
    if len(consolations) != 1:
        problems.append(("prizes", "exactly one prize must be the consolation prize"))
    for n, prize in enumerate(prizes):
        if prize.weight <= 0:
            problems.append((f"prizes.{n}.weight", "must be more than 0"))
        if prize.consolation and (prize.stock is not None or prize.cost):
            problems.append((f"prizes.{n}.stock", "the consolation prize is unlimited and free"))
        problem = await _reward_problem(session, activity.merchant_id, prize.reward)
        if problem:
            problems.append((f"prizes.{n}.reward", problem))
    return problems


async def _reward_problem(
    session: AsyncSession, merchant_id: uuid.UUID, stored: dict
) -> str | None:
    reward = parse_reward(stored)
    if reward.type == "coupon":
        template = await session.get(CouponTemplate, reward.template_id)
        if template is None or template.merchant_id != merchant_id:
            return "no such coupon template"
        if template.status != "active" or template.auto_apply:
            return "the coupon template is not active or is a promotion"
    if reward.type == "code":
        batch = await session.get(CodeBatch, reward.batch_id)
        if batch is None or batch.merchant_id != merchant_id or batch.kind != "imported":
            return "no such partner code batch"
    return None


def marquee_problems(layout: dict | None, names: set[str]) -> list[tuple[str, str]]:
    """A board whose cells are not the prizes' names, each prize on one cell at least (the
    console checks the form with it too)."""
    if not layout:
        return [("marquee", "a marquee needs its 8 cells laid out")]
    cells = MarqueeLayout.model_validate(layout).cells
    problems = []
    if len(cells) != MARQUEE_CELLS:
        problems.append(("marquee.cells", f"exactly {MARQUEE_CELLS} cells, found {len(cells)}"))
    problems += [
        (f"marquee.cells.{n}", f"no prize named {name!r}")
        for n, name in enumerate(cells)
        if name not in names
    ]
    problems += [
        ("marquee.cells", f"prize {name!r} is on no cell") for name in sorted(names - set(cells))
    ]
    return problems


def envelope_problems(envelope: dict | None) -> list[tuple[str, str]]:
    """A pot that cannot be split as set (the console checks the form with it too)."""
    if not envelope:
        return [("envelope", "a red envelope needs its pot, shares and minimum share")]
    problems = []
    if envelope["pot"] < envelope["shares"] * envelope["min_share"]:
        problems.append(("envelope.pot", "the pot must be at least shares x min_share"))
    if envelope["pot_type"] == "money" and envelope["min_share"] < 1:
        problems.append(("envelope.min_share", "a money share is a coupon: at least 1"))
    return problems


async def collection_problems(
    session: AsyncSession, merchant_id: uuid.UUID, ids: list[str]
) -> list[tuple[str, str]]:
    """Coupons a collection page could not offer, each named by its place."""
    if not ids:
        return [("templates", "a collection page needs at least one coupon template")]
    problems = []
    for n, template_id in enumerate(ids):
        if template_id in ids[:n]:
            problems.append((f"templates.{n}", "this template is already on the page"))
            continue
        template = await session.get(CouponTemplate, uuid.UUID(template_id))
        if template is None or template.merchant_id != merchant_id:
            problems.append((f"templates.{n}", "no such coupon template"))
        elif template.status != "active" or template.auto_apply:
            problems.append((f"templates.{n}", "the template is not active or is a promotion"))
    return problems
