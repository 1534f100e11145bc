"""Coupon templates: creating, changing and showing them, with their stock."""

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.errors import InvalidStatusChange
from core.clock import utcnow
from core.coupons.errors import StockBelowIssued, TemplateNotFound
from core.coupons.models import Coupon, CouponTemplate
from core.coupons.schemas import (
    CouponTemplateCreate,
    CouponTemplateOut,
    CouponTemplatePatch,
    Scope,
    TemplateTerms,
)
from core.db import get_owned
from core.errors import ValidationFailed
from core.merchants.models import Merchant
from core.pagination import Page, paginate
from core.stock import service as stock
from core.stock.models import SHARD_ABOVE

StatusAction = Literal["pause", "resume", "archive"]


_TRANSITIONS: dict[StatusAction, tuple[set[str], str]] = {
    "pause": ({"active"}, "paused"),
    "resume": ({"paused", "draft"}, "active"),
    "archive": ({"draft", "active", "paused"}, "archived"),
}


async def create_template(
    session: AsyncSession,
    merchant: Merchant,
    data: CouponTemplateCreate,
    *,
    shard_above: int = SHARD_ABOVE,
) -> CouponTemplate:
    """A stock above `shard_above` units is sharded, unless `data` says how many rows."""
    data.check()
    currency = _merchant_currency(merchant, data.currency)
    fields = data.model_dump(exclude={"scope", "currency", "stock_shards"})
    shards = data.stock_shards or stock.shards_for(data.total_stock or 0, above=shard_above)
    template = CouponTemplate(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        currency=currency,
        scope_skus=data.scope.skus,
        scope_categories=data.scope.categories,
        stock_shards=shards,
        **fields,
    )
    session.add(template)
    await session.flush()
    if template.total_stock is not None:
        await stock.create_stock(
            session, template.stock_owner, merchant_id=merchant.id, quantity=template.total_stock
        )
    return template


def _merchant_currency(merchant: Merchant, given: str | None) -> str:
    if given is not None and given.upper() != merchant.currency:
        raise ValidationFailed(
            f"currency: must be the merchant's currency ({merchant.currency})", field="currency"
        )
    return merchant.currency


async def get_template(
    session: AsyncSession, merchant_id: uuid.UUID, template_id: uuid.UUID, *, lock: bool = False
) -> CouponTemplate:
    not_found = TemplateNotFound(field="template_id")
    return await get_owned(session, CouponTemplate, merchant_id, template_id, not_found, lock=lock)


async def list_templates(
    session: AsyncSession, merchant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[CouponTemplate]:
    query = select(CouponTemplate).where(CouponTemplate.merchant_id == merchant_id)
    return await paginate(session, query, CouponTemplate, limit=limit, cursor=cursor)


async def update_template(
    session: AsyncSession, merchant: Merchant, template_id: uuid.UUID, patch: CouponTemplatePatch
) -> CouponTemplate:
    template = await get_template(session, merchant.id, template_id, lock=True)
    changes = patch.model_dump(exclude_unset=True)
    merged = TemplateTerms.model_validate({**_terms_of(template), **changes})
    merged.check()
    if "total_stock" in changes:
        await _change_total_stock(session, template, merged.total_stock)
    for name, value in merged.model_dump(exclude={"scope", "currency", "kind"}).items():
        setattr(template, name, value)
    template.scope_skus = merged.scope.skus
    template.scope_categories = merged.scope.categories
    template.updated_at = utcnow()
    await session.flush()
    return template


def _terms_of(template: CouponTemplate) -> dict:
    names = TemplateTerms.model_fields.keys() - {"scope"}
    terms = {name: getattr(template, name) for name in names}
    terms["scope"] = {"skus": template.scope_skus, "categories": template.scope_categories}
    return terms


async def _change_total_stock(
    session: AsyncSession, template: CouponTemplate, new_total: int | None
) -> None:
    issued = await issued_count(session, template.id)
    if new_total is not None and new_total < issued:
        raise StockBelowIssued(field="total_stock")
    owner = template.stock_owner
    if template.total_stock is None and new_total is not None:
        await stock.create_stock(
            session, owner, merchant_id=template.merchant_id, quantity=new_total - issued
        )
    elif template.total_stock is not None and new_total is None:
        await stock.delete_stock(session, owner)
    elif template.total_stock is not None and new_total is not None:
        delta = new_total - template.total_stock
        if not await stock.adjust_stock(session, owner, delta):
            raise StockBelowIssued(field="total_stock")


async def change_status(
    session: AsyncSession, merchant_id: uuid.UUID, template_id: uuid.UUID, action: StatusAction
) -> CouponTemplate:
    template = await get_template(session, merchant_id, template_id, lock=True)
    allowed_from, target = _TRANSITIONS[action]
    if template.status not in allowed_from:
        raise InvalidStatusChange(f"Cannot {action} a template that is {template.status}.")
    template.status = target
    template.updated_at = utcnow()
    await session.flush()
    return template


async def issued_count(session: AsyncSession, template_id: uuid.UUID) -> int:
    query = select(func.count()).where(Coupon.template_id == template_id)
    return (await session.execute(query)).scalar_one()


async def template_view(
    session: AsyncSession, template: CouponTemplate, now: datetime | None = None
) -> CouponTemplateOut:
    now = now or utcnow()
    remaining = None
    if template.total_stock is not None:
        remaining = await stock.remaining_stock(session, template.stock_owner)
    opens = template.claim_starts_at
    return CouponTemplateOut.model_validate(
        {
            **{
                name: getattr(template, name)
                for name in CouponTemplateOut.model_fields
                if hasattr(template, name)
            },
            "remaining_stock": remaining,
            "issued_count": await issued_count(session, template.id),
            "seconds_until_open": seconds_until(opens, now),
            "scope": Scope(skus=template.scope_skus, categories=template.scope_categories),
        }
    )


def seconds_until(moment: datetime | None, now: datetime) -> int | None:
    if moment is None or moment <= now:
        return None
    return int((moment - now).total_seconds() + 0.999)


async def templates_by_id(
    session: AsyncSession, ids: set[uuid.UUID]
) -> dict[uuid.UUID, CouponTemplate]:
    if not ids:
        return {}
    rows = await session.execute(select(CouponTemplate).where(CouponTemplate.id.in_(ids)))
    return {template.id: template for template in rows.scalars()}
