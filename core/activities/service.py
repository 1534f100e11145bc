"""Activities: creating, checking, publishing and reading them. Playing is in `play`."""

import secrets
import uuid
from datetime import datetime
from functools import lru_cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.envelopes import split_pot
from core.activities.errors import (
    ActivityInvalid,
    ActivityNotFound,
    FixedOncePublished,
    InvalidStatusChange,
)
from core.activities.fairness import MARQUEE_CELLS, new_server_seed, seed_hash, table_fingerprint
from core.activities.fairness import PrizeTable as DrawTable
from core.activities.groups import envelope_owner
from core.activities.models import Activity, EnvelopeShare, Prize, PrizeTable
from core.activities.schemas import (
    ActivityCreate,
    ActivityOut,
    ActivityPatch,
    CollectionItem,
    EnvelopeOut,
    MarqueeLayout,
    PrizeIn,
    PrizeOut,
    Rules,
)
from core.clock import utcnow
from core.codes.models import CodeBatch
from core.coupons.models import Coupon, CouponTemplate
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.service import create_template, get_template, template_view
from core.customers.service import get_customer
from core.db import get_owned
from core.errors import ValidationFailed
from core.events.service import record_event
from core.merchants.models import Merchant
from core.pagination import Page, paginate
from core.rewards.schemas import parse_reward
from core.stock import service as stock

DRAW_KINDS = ("lucky_draw", "marquee")


async def create_activity(
    session: AsyncSession, merchant: Merchant, data: ActivityCreate
) -> Activity:
    if data.ends_at <= data.starts_at:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    seed = new_server_seed()
    activity = Activity(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        kind=data.kind,
        name=data.name,
        description=data.description,
        cover_image_url=data.cover_image_url,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        slug=secrets.token_urlsafe(9),
        rules=data.rules.model_dump(mode="json"),
        settings={
            "marquee": data.marquee.model_dump() if data.marquee else None,
            "envelope": data.envelope.model_dump() if data.envelope else None,
            "templates": [str(t) for t in data.templates],
        },
        budget=data.budget,
        server_seed=seed,
        server_seed_hash=seed_hash(seed),
        created_at=utcnow(),
    )
    session.add(activity)
    _add_prizes(session, activity, data.prizes)
    await session.flush()
    return activity


async def get_activity(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, *, lock: bool = False
) -> Activity:
    return await get_owned(
        session, Activity, merchant_id, activity_id, ActivityNotFound(), lock=lock
    )


async def activity_by_slug(session: AsyncSession, slug: str) -> Activity:
    activity = (
        await session.execute(select(Activity).where(Activity.slug == slug))
    ).scalar_one_or_none()
    if activity is None:
        raise ActivityNotFound()
    return activity


async def list_activities(
    session: AsyncSession, merchant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Activity]:
    query = select(Activity).where(Activity.merchant_id == merchant_id)
    return await paginate(session, query, Activity, limit=limit, cursor=cursor)


async def prizes_of(session: AsyncSession, activity_id: uuid.UUID) -> list[Prize]:
    rows = await session.execute(
        select(Prize).where(Prize.activity_id == activity_id).order_by(Prize.position)
    )
    return list(rows.scalars())


def effective_status(activity: Activity, now: datetime) -> str:
    """The status as the window makes it: start and end happen on time, whether or not a
    scheduled job has run."""
    if activity.status in ("scheduled", "live", "paused") and now >= activity.ends_at:
        return "ended"
    if activity.status == "scheduled" and now >= activity.starts_at:
        return "live"
    return activity.status


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
        problems += _marquee_problems(activity, prizes)
    if activity.kind == "red_envelope":
        problems += _envelope_problems(activity)
    if activity.kind == "collection":
        problems += await _collection_problems(session, activity)
    return problems


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


def _marquee_problems(activity: Activity, prizes: list[Prize]) -> list[tuple[str, str]]:
    layout = activity.settings.get("marquee")
    if not layout:
        return [("marquee", "a marquee needs its 8 cells laid out")]
    cells = MarqueeLayout.model_validate(layout).cells
    names = {prize.name for prize in prizes}
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


def _envelope_problems(activity: Activity) -> list[tuple[str, str]]:
    envelope = activity.settings.get("envelope")
    if not envelope:
        return [("envelope", "a red envelope needs its pot, shares and minimum share")]
    problems = []
    if envelope["pot"] < envelope["shares"] * envelope["min_share"]:
        problems.append(("envelope.pot", "the pot must be at least shares x min_share"))
    if envelope["pot_type"] == "money" and envelope["min_share"] < 1:
        problems.append(("envelope.min_share", "a money share is a coupon: at least 1"))
    return problems


async def _collection_problems(session: AsyncSession, activity: Activity) -> list[tuple[str, str]]:
    ids = activity.settings.get("templates") or []
    if not ids:
        return [("templates", "a collection page needs at least one coupon template")]
    problems = []
    for n, template_id in enumerate(ids):
        template = await session.get(CouponTemplate, uuid.UUID(template_id))
        if template is None or template.merchant_id != activity.merchant_id:
            problems.append((f"templates.{n}", "no such coupon template"))
        elif template.status != "active" or template.auto_apply:
            problems.append((f"templates.{n}", "the template is not active or is a promotion"))
    return problems


async def publish(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID
) -> Activity:
    """Check everything, then set up stock, the first prize table and the envelope shares."""
    activity = await get_activity(session, merchant_id, activity_id, lock=True)
    if activity.status != "draft":
        raise InvalidStatusChange(f"Only a draft can be published; this one is {activity.status}.")
    prizes = await prizes_of(session, activity.id)
    problems = await problems_of(session, activity, prizes)
    if problems:
        raise ActivityInvalid(problems)
    for prize in prizes:
        if prize.stock is not None:
            await stock.create_stock(
                session, prize.stock_owner, merchant_id=merchant_id, quantity=prize.stock
            )
    if activity.budget is not None:
        await stock.create_stock(
            session, activity.budget_owner, merchant_id=merchant_id, quantity=activity.budget
        )
    if activity.kind in DRAW_KINDS:
        await save_table(session, activity, 1, prizes)
    if activity.kind == "red_envelope":
        await _split_envelope(session, activity)
    now = utcnow()
    activity.status = "live" if activity.starts_at <= now else "scheduled"
    activity.published_at = now
    await session.flush()
    if activity.status == "live":
        await _record_status_event(session, activity.merchant_id, activity.id, "started")
    return activity


async def _record_status_event(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, happened: str
) -> None:
    await record_event(
        session,
        merchant_id=merchant_id,
        type=f"activity.{happened}",
        payload={"activity_id": str(activity_id)},
    )


async def catch_up_statuses(session: AsyncSession) -> int:
    """Store what the clock has done: scheduled activities whose start has come are live, and
    those whose end has come are ended, each with its event (activity.started, activity.ended).
    effective_status already behaves so; this records it once, whoever runs it and how often."""
    now = utcnow()
    moves = (
        (
            "started",
            (Activity.status == "scheduled")
            & (Activity.starts_at <= now)
            & (Activity.ends_at > now),
            {"status": "live"},
        ),
        (
            "ended",
            Activity.status.in_(("scheduled", "live", "paused")) & (Activity.ends_at <= now),
            {"status": "ended", "ended_at": Activity.ends_at},
        ),
    )
    moved = 0
    for happened, due, values in moves:
        rows = await session.execute(
            update(Activity)
            .where(due)
            .values(**values, updated_at=now)
            .returning(Activity.merchant_id, Activity.id)
            .execution_options(synchronize_session=False)
        )
        for merchant_id, activity_id in rows.all():
            await _record_status_event(session, merchant_id, activity_id, happened)
            moved += 1
    return moved


async def save_table(
    session: AsyncSession, activity: Activity, version: int, prizes: list[Prize]
) -> PrizeTable:
    entries = [[str(p.id), p.weight] for p in prizes]
    table = PrizeTable(
        activity_id=activity.id,
        version=version,
        entries=entries,
        fingerprint=table_fingerprint(draw_table(entries)),
    )
    session.add(table)
    await session.flush()
    return table


def draw_table(entries: list[list]) -> DrawTable:
    return _built_table(tuple((key, weight) for key, weight in entries))


@lru_cache(maxsize=256)
def _built_table(entries: tuple[tuple[str, int], ...]) -> DrawTable:
    """Build each table's alias structure once per process, so a draw stays O(1)."""
    return DrawTable(entries)


async def _split_envelope(session: AsyncSession, activity: Activity) -> None:
    envelope = activity.settings["envelope"]
    if envelope["pot_type"] == "money":
        template = await _envelope_coupon_template(session, activity)
        activity.settings = {
            **activity.settings,
            "envelope": {**envelope, "template_id": str(template.id)},
        }
    amounts = split_pot(envelope["pot"], envelope["shares"], envelope["min_share"])
    session.add_all(
        EnvelopeShare(activity_id=activity.id, position=n, amount=amount)
        for n, amount in enumerate(amounts)
    )
    await stock.create_stock(
        session, envelope_owner(activity), merchant_id=activity.merchant_id, quantity=len(amounts)
    )
    await session.flush()


async def _envelope_coupon_template(session: AsyncSession, activity: Activity) -> CouponTemplate:
    """The fixed-coupon template money shares are paid out in; each coupon carries its share."""
    merchant = await session.get(Merchant, activity.merchant_id)
    terms = CouponTemplateCreate(
        name=f"Red envelope: {activity.name}"[:200],
        kind="fixed",
        amount_off=max(activity.settings["envelope"]["min_share"], 1),
        valid_days=30,
    )
    return await create_template(session, merchant, terms)


_TRANSITIONS = {
    "pause": ({"live"}, "paused"),
    "resume": ({"paused"}, "live"),
    "end": ({"scheduled", "live", "paused"}, "ended"),
}


async def change_status(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, action: str
) -> Activity:
    activity = await get_activity(session, merchant_id, activity_id, lock=True)
    now = utcnow()
    current = effective_status(activity, now)
    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        raise InvalidStatusChange(f"Cannot {action} an activity that is {current}.")
    # Started by the clock, but not yet recorded by catch_up_statuses: record it now, which
    # the stored status is about to stop showing.
    started_unrecorded = activity.status == "scheduled" and current == "live"
    activity.status = target
    activity.updated_at = now
    if target == "ended":
        activity.ended_at = now
    await session.flush()
    if started_unrecorded:
        await _record_status_event(session, merchant_id, activity.id, "started")
    if target == "ended":
        await _record_status_event(session, merchant_id, activity.id, "ended")
    return activity


async def update_activity(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, patch: ActivityPatch
) -> Activity:
    activity = await get_activity(session, merchant_id, activity_id, lock=True)
    now = utcnow()
    status = effective_status(activity, now)
    if status == "ended":
        raise InvalidStatusChange("An ended activity cannot change: its server seed is public.")
    changes = patch.model_dump(exclude_unset=True)
    for field in ("name", "description", "starts_at", "ends_at", "rules"):
        if field in changes and changes[field] is None:
            raise ValidationFailed(f"{field} cannot be null", field=field)
    if status in ("live", "paused") and changes.get("starts_at") and changes["starts_at"] > now:
        # Customers have played and its start was announced: pause it instead.
        raise ValidationFailed(
            "The activity has started; its start cannot move into the future (pause it instead)",
            field="starts_at",
        )
    published = activity.status != "draft"
    for field in ("name", "description", "cover_image_url", "starts_at", "ends_at"):
        if field in changes:
            setattr(activity, field, changes[field])
    if activity.ends_at <= activity.starts_at:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    if "rules" in changes:
        activity.rules = Rules.model_validate(changes["rules"]).model_dump(mode="json")
    if patch.prizes is not None or patch.marquee is not None:
        if published:
            raise FixedOncePublished(
                "Prizes, weights and the board are fixed once published: draws are checked "
                "against the published table."
            )
        await _replace_prizes(session, activity, patch)
    if patch.prize_stock:
        await _change_prize_stock(session, activity, patch.prize_stock, published)
    activity.updated_at = now
    await session.flush()
    return activity


async def _replace_prizes(session: AsyncSession, activity: Activity, patch: ActivityPatch) -> None:
    if patch.marquee is not None:
        activity.settings = {**activity.settings, "marquee": patch.marquee.model_dump()}
    if patch.prizes is None:
        return
    await session.execute(delete(Prize).where(Prize.activity_id == activity.id))
    _add_prizes(session, activity, patch.prizes)
    await session.flush()


def _add_prizes(session: AsyncSession, activity: Activity, prizes: list[PrizeIn]) -> None:
    session.add_all(
        Prize(
            activity_id=activity.id,
            merchant_id=activity.merchant_id,
            position=n,
            reward=prize.reward.model_dump(mode="json"),
            **prize.model_dump(exclude={"reward"}),
        )
        for n, prize in enumerate(prizes)
    )


async def record_view(
    session: AsyncSession, activity: Activity, customer_id: uuid.UUID | None, channel: str
) -> None:
    """Someone saw the activity (a share page, a chat message, the shop's own app)."""
    await record_event(
        session,
        merchant_id=activity.merchant_id,
        type="activity.viewed",
        payload={
            "activity_id": str(activity.id),
            "customer_id": str(customer_id) if customer_id else None,
            "channel": channel,
        },
    )


async def _change_prize_stock(
    session: AsyncSession, activity: Activity, new_stock: dict[str, int], published: bool
) -> None:
    prizes = {prize.name: prize for prize in await prizes_of(session, activity.id)}
    for name, total in new_stock.items():
        prize = prizes.get(name)
        if prize is None:
            raise ValidationFailed(f"no prize named {name!r}", field=f"prize_stock.{name}")
        if prize.stock is None or prize.consolation:
            raise ValidationFailed("this prize has no stock", field=f"prize_stock.{name}")
        if published and total < prize.stock:
            raise FixedOncePublished("Stock of a published activity may only be raised.")
        if published:
            await stock.adjust_stock(session, prize.stock_owner, total - prize.stock)
        prize.stock = total
    if published and activity.kind in DRAW_KINDS:
        # A restocked prize may have left the table: draw from the full table again.
        from core.activities.play import rebuild_table

        await rebuild_table(session, activity)


async def activity_view(
    session: AsyncSession, activity: Activity, base_url: str, now: datetime | None = None
) -> ActivityOut:
    now = now or utcnow()
    prizes = await prizes_of(session, activity.id)
    published = activity.published_at is not None
    status = effective_status(activity, now)
    budget_remaining = None
    if activity.budget is not None:
        budget_remaining = (
            await stock.remaining_stock(session, activity.budget_owner)
            if published
            else activity.budget
        )
    return ActivityOut(
        id=activity.id,
        kind=activity.kind,
        name=activity.name,
        description=activity.description,
        cover_image_url=activity.cover_image_url,
        status=status,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        slug=activity.slug,
        share_url=f"{base_url}/a/{activity.slug}",
        server_seed_hash=activity.server_seed_hash,
        server_seed=activity.server_seed if status == "ended" else None,
        rules=Rules.model_validate(activity.rules),
        budget=activity.budget,
        budget_remaining=budget_remaining,
        prizes=[await _prize_view(session, prize, published) for prize in prizes],
        marquee=activity.settings.get("marquee"),
        envelope=await envelope_view(session, activity),
        templates=[uuid.UUID(t) for t in activity.settings.get("templates") or []],
        created_at=activity.created_at,
        published_at=activity.published_at,
    )


async def _prize_view(session: AsyncSession, prize: Prize, published: bool) -> PrizeOut:
    remaining = prize.stock
    if published and prize.stock is not None:
        remaining = await stock.remaining_stock(session, prize.stock_owner)
    return PrizeOut(
        id=prize.id,
        name=prize.name,
        weight=prize.weight,
        stock=prize.stock,
        remaining=remaining,
        cost=prize.cost,
        consolation=prize.consolation,
        reward=prize.reward,
    )


async def envelope_view(session: AsyncSession, activity: Activity) -> EnvelopeOut | None:
    envelope = activity.settings.get("envelope")
    if not envelope:
        return None
    opened = (
        await session.execute(
            select(func.count()).where(
                EnvelopeShare.activity_id == activity.id, EnvelopeShare.opened_by.is_not(None)
            )
        )
    ).scalar_one()
    return EnvelopeOut(**envelope, opened=opened, left=envelope["shares"] - opened)


async def collection_view(
    session: AsyncSession, activity: Activity, customer_external_id: str | None
) -> list[CollectionItem]:
    """The page's templates, with countdowns and stock, and which ones this customer holds."""
    held: dict[uuid.UUID, int] = {}
    if customer_external_id is not None:
        customer = await get_customer(session, activity.merchant_id, customer_external_id)
        rows = await session.execute(
            select(Coupon.template_id, func.count())
            .where(Coupon.customer_id == customer.id)
            .group_by(Coupon.template_id)
        )
        held = dict(rows.all())
    now = utcnow()
    items = []
    for template_id in activity.settings.get("templates") or []:
        template = await get_template(session, activity.merchant_id, uuid.UUID(template_id))
        view = await template_view(session, template, now)
        items.append(CollectionItem(template=view, held=held.get(template.id, 0)))
    return items
