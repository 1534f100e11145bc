"""Changing an activity after it is created: what may change while a draft, and what stays
fixed once published (`PATCH /activities/{id}` and the console's editor)."""

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.checks import collection_problems, envelope_problems
from core.activities.errors import (
    ActivityInvalid,
    FixedOncePublished,
    InvalidStatusChange,
)
from core.activities.models import DRAW_KINDS, Activity, Prize
from core.activities.prizes import add_prizes, prizes_of, rebuild_table
from core.activities.schemas import ActivityPatch, EnvelopeSettings, Rules
from core.activities.service import effective_status, get_activity
from core.clock import utcnow
from core.errors import ValidationFailed
from core.stock import service as stock


async def update_activity(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, patch: ActivityPatch
) -> Activity:
    activity = await get_activity(session, merchant_id, activity_id, lock=True)
    now = utcnow()
    status = effective_status(activity, now)
    if status == "ended":
        raise InvalidStatusChange("An ended activity cannot change: its server seed is public.")
    changes = patch.model_dump(exclude_unset=True)
    for field in ("name", "description", "starts_at", "ends_at", "rules", "envelope", "templates"):
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
    if patch.envelope is not None:
        _replace_envelope(activity, patch.envelope, published)
    if patch.templates is not None:
        await _replace_templates(session, activity, patch.templates, published)
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
    add_prizes(session, activity, patch.prizes)
    await session.flush()


def _replace_envelope(activity: Activity, envelope: EnvelopeSettings, published: bool) -> None:
    if activity.kind != "red_envelope":
        raise ValidationFailed("only a red envelope has a pot", field="envelope")
    if published:
        raise FixedOncePublished(
            "The pot and its shares are fixed once published: they were split then, and "
            "customers open them."
        )
    settings = envelope.model_dump()
    problems = envelope_problems(settings)
    if problems:
        raise ActivityInvalid(problems)
    activity.settings = {**activity.settings, "envelope": settings}


async def _replace_templates(
    session: AsyncSession, activity: Activity, templates: list[uuid.UUID], published: bool
) -> None:
    if activity.kind != "collection":
        raise ValidationFailed("only a collection page offers coupon templates", field="templates")
    if published:
        raise FixedOncePublished(
            "The coupons of a collection page are fixed once published: customers collect "
            "from them."
        )
    ids = [str(template) for template in templates]
    problems = await collection_problems(session, activity.merchant_id, ids)
    if problems:
        raise ActivityInvalid(problems)
    activity.settings = {**activity.settings, "templates": ids}


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
        await rebuild_table(session, activity, list(prizes.values()))
