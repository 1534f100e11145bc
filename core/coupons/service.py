"""Coupons: claiming, granting and issuing them (one by one or in bulk as a job), a customer's
coupons, and their expiry. Templates are in `templates`."""

import uuid
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.code_alphabet import display_code, generate_code, normalize_code
from core.coupons import claims
from core.coupons.errors import (
    ClaimClosed,
    ClaimNotOpen,
    LimitReached,
    OutOfStock,
    PromotionNotClaimable,
    TemplateInactive,
    TemplateNotFound,
)
from core.coupons.models import TEMPLATE_STOCK_KIND, Coupon, CouponTemplate
from core.coupons.schemas import CouponOut, IssueOutcome, IssueRequest, IssueResult, Scope
from core.coupons.templates import get_template, seconds_until, templates_by_id
from core.customers.errors import CustomerNotFound
from core.customers.models import Customer
from core.customers.service import find_customer, get_customer
from core.errors import ConfettiError
from core.events.service import record_event
from core.jobs.models import Job
from core.jobs.schemas import ChunkOutcome
from core.jobs.service import create_job
from core.pagination import Page, paginate
from core.stock import service as stock
from core.stock.models import StockOwner
from core.stock.sold_out import marks_of

CODE_ATTEMPTS = 5


# Up to this many customers are issued within the request; more become a job.
SYNC_ISSUE_LIMIT = 1000


ISSUE_JOB_KIND = "coupons.issue"


async def claim_coupon(
    session: AsyncSession, merchant_id: uuid.UUID, template_id: uuid.UUID, customer_external_id: str
) -> tuple[Coupon, CouponTemplate, Customer | None]:
    """A customer claims one coupon: window, limit and stock all hold under any concurrency.

    On PostgreSQL the claim is one statement (`claims`); the customer is then not loaded and
    comes back as None. SQLite keeps the step-by-step path: it has one writer at a time anyway.
    A template this process knows is sold out is refused before either, with no round trip.
    """
    if marks_of(session).is_sold_out(StockOwner(TEMPLATE_STOCK_KIND, template_id, merchant_id)):
        raise OutOfStock()
    if session.get_bind().dialect.name == "postgresql":
        coupon, template = await _claim_in_one_round_trip(
            session, merchant_id, template_id, customer_external_id
        )
        return coupon, template, None
    template = await get_template(session, merchant_id, template_id)
    customer = await get_customer(session, merchant_id, customer_external_id)
    now = utcnow()
    _check_claim_window(template, now)
    coupon = await _issue_coupon(session, template, customer, now, source="claim")
    return coupon, template, customer


async def _claim_in_one_round_trip(
    session: AsyncSession, merchant_id: uuid.UUID, template_id: uuid.UUID, external_id: str
) -> tuple[Coupon, CouponTemplate]:
    """Raises what the step-by-step path would, in the same order of checks."""
    now = utcnow()
    outcome = await claims.claim_in_one_statement(
        session, merchant_id, template_id, external_id, now, generate_code()
    )
    template = outcome.template
    if template is None:
        raise TemplateNotFound(field="template_id")
    if outcome.customer_id is None:
        raise CustomerNotFound(field="customer")
    if not outcome.claimable:
        _check_claim_window(template, now)
        _check_issuable(template)
    if not outcome.quota_ok:
        raise LimitReached(template.per_customer_limit)
    if outcome.stock_ok and template.total_stock is not None:
        stock.record_take(session, template.stock_owner)
    if outcome.coupon is not None:
        return outcome.coupon, template
    # The quota is taken. Either the statement's shard was empty (others may not be) or the
    # random code collided: finish step by step, in the same transaction.
    if not outcome.stock_ok and not await stock.take_stock(session, template.stock_owner):
        raise OutOfStock()
    coupon = await _insert_with_unique_code(
        session, template, outcome.customer_id, now, "claim", None
    )
    await _record_claimed(session, template, coupon, "claim")
    return coupon, template


def _check_claim_window(template: CouponTemplate, now: datetime) -> None:
    if template.claim_starts_at is not None and now < template.claim_starts_at:
        raise ClaimNotOpen(seconds_until(template.claim_starts_at, now) or 1)
    if template.claim_ends_at is not None and now >= template.claim_ends_at:
        raise ClaimClosed()


async def _issue_coupon(
    session: AsyncSession,
    template: CouponTemplate,
    customer: Customer,
    now: datetime,
    *,
    source: str,
    amount_off: int | None = None,
) -> Coupon:
    _check_issuable(template)
    # The per-customer limit first: it touches only this customer's row, so a refused claim
    # never waits on the template's (hot) stock row.
    limit = template.per_customer_limit
    if limit is not None and not await stock.take_quota(
        session, template.stock_owner, customer.id, merchant_id=template.merchant_id, limit=limit
    ):
        raise LimitReached(limit)
    if template.total_stock is not None and not await stock.take_stock(
        session, template.stock_owner
    ):
        raise OutOfStock()
    coupon = await _insert_with_unique_code(session, template, customer.id, now, source, amount_off)
    await _record_claimed(session, template, coupon, source)
    return coupon


def _check_issuable(template: CouponTemplate) -> None:
    if template.auto_apply:
        raise PromotionNotClaimable()
    if template.status != "active":
        raise TemplateInactive()


async def _record_claimed(
    session: AsyncSession, template: CouponTemplate, coupon: Coupon, source: str
) -> None:
    await record_event(
        session,
        merchant_id=template.merchant_id,
        type="coupon.claimed",
        payload={
            "coupon_id": str(coupon.id),
            "template_id": str(template.id),
            "customer_id": str(coupon.customer_id),
            "source": source,
        },
    )


async def _insert_with_unique_code(
    session: AsyncSession,
    template: CouponTemplate,
    customer_id: uuid.UUID,
    now: datetime,
    source: str,
    amount_off: int | None,
) -> Coupon:
    valid_from, valid_until = template.valid_from, template.valid_until
    if template.valid_days is not None:
        valid_from, valid_until = now, now + timedelta(days=template.valid_days)
    for _ in range(CODE_ATTEMPTS):
        coupon = Coupon(
            id=uuid.uuid4(),
            merchant_id=template.merchant_id,
            template_id=template.id,
            customer_id=customer_id,
            code=generate_code(),
            created_at=now,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            amount_off=amount_off,
        )
        try:
            async with session.begin_nested():
                session.add(coupon)
        except IntegrityError:  # a code collision: ~1 in 10^14 per pair, but never a 500
            continue
        return coupon
    raise RuntimeError("could not find a free coupon code")


async def grant_coupon(
    session: AsyncSession,
    template: CouponTemplate,
    customer: Customer,
    *,
    source: str,
    amount_off: int | None = None,
) -> Coupon:
    """Issue a coupon outside a customer's claim (a grant, a prize, an exchange): the claim
    window does not apply; status, per-customer limit and stock do. `amount_off` gives this
    coupon a value of its own (fixed templates only)."""
    if amount_off is not None and template.kind != "fixed":
        raise ValueError("only a fixed coupon can carry its own amount")
    return await _issue_coupon(
        session, template, customer, utcnow(), source=source, amount_off=amount_off
    )


async def issue_coupons(
    session: AsyncSession, merchant_id: uuid.UUID, request: IssueRequest
) -> IssueResult:
    """The merchant grants coupons: the claim window does not apply; status, limit and stock do."""
    template = await get_template(session, merchant_id, request.template_id)
    now = utcnow()
    outcomes = []
    for external_id in request.customers:
        outcomes.append(await _issue_one(session, template, external_id, now))
    issued = sum(1 for outcome in outcomes if outcome.status == "issued")
    return IssueResult(issued=issued, refused=len(outcomes) - issued, outcomes=outcomes)


async def start_issue_job(
    session: AsyncSession, merchant_id: uuid.UUID, request: IssueRequest
) -> Job:
    """Queue the grant for the workers (see issue_coupons_chunk); an unknown template is
    refused now rather than failing the job later."""
    template = await get_template(session, merchant_id, request.template_id)
    return await create_job(
        session,
        merchant_id,
        kind=ISSUE_JOB_KIND,
        params={"template_id": str(template.id), "customers": request.customers},
        total=len(request.customers),
        counters={"issued": 0, "refused": 0},
    )


async def issue_coupons_chunk(
    session: AsyncSession, job: Job, start: int, end: int
) -> ChunkOutcome:
    """Issue to the job's customers at positions start..end-1, as issue_coupons does."""
    template = await get_template(session, job.merchant_id, uuid.UUID(job.params["template_id"]))
    now = utcnow()
    outcome = ChunkOutcome(counts={"issued": 0, "refused": 0})
    for position, external_id in enumerate(job.params["customers"][start:end], start):
        issued = await _issue_one(session, template, external_id, now)
        if issued.status == "issued":
            outcome.counts["issued"] += 1
            continue
        outcome.counts["refused"] += 1
        outcome.refusals.append(
            {"position": position, "customer": external_id, "reason": issued.reason}
        )
    return outcome


async def _issue_one(
    session: AsyncSession, template: CouponTemplate, external_id: str, now: datetime
) -> IssueOutcome:
    customer = await find_customer(session, template.merchant_id, external_id)
    if customer is None:
        return IssueOutcome(customer=external_id, status="refused", reason="customer_not_found")
    try:
        async with session.begin_nested():
            coupon = await _issue_coupon(session, template, customer, now, source="issue")
    except ConfettiError as refusal:
        return IssueOutcome(customer=external_id, status="refused", reason=refusal.code)
    view = coupon_view(coupon, template, external_id, now)
    return IssueOutcome(customer=external_id, status="issued", coupon=view)


def coupon_view(
    coupon: Coupon, template: CouponTemplate, external_id: str | None, now: datetime
) -> CouponOut:
    return CouponOut(
        id=coupon.id,
        code=display_code(coupon.code),
        template_id=template.id,
        template_name=template.name,
        kind=template.kind,
        currency=template.currency,
        # A coupon may take off its own amount (a red envelope's share of a money pot).
        amount_off=coupon.amount_off if coupon.amount_off is not None else template.amount_off,
        threshold=template.threshold,
        percent_off=template.percent_off,
        max_discount=template.max_discount,
        min_order_amount=template.min_order_amount,
        scope=Scope(skus=template.scope_skus, categories=template.scope_categories),
        stackable=template.stackable,
        customer=external_id,
        status=coupon.status_at(now),
        claimed_at=coupon.created_at,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        used_at=coupon.used_at,
    )


async def customer_coupon(
    session: AsyncSession, customer_id: uuid.UUID, coupon_id: uuid.UUID
) -> Coupon | None:
    """One of the customer's own coupons; anyone else's id finds nothing."""
    coupon = await session.get(Coupon, coupon_id)
    return coupon if coupon is not None and coupon.customer_id == customer_id else None


async def coupon_by_code(
    session: AsyncSession, merchant_id: uuid.UUID, code: str
) -> tuple[Coupon, CouponTemplate, Customer] | None:
    """The merchant's coupon with this code (typed with or without its dashes, any case), its
    template and its holder: what a cashier sees before redeeming it."""
    row = (
        await session.execute(
            select(Coupon, CouponTemplate, Customer)
            .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
            .join(Customer, Customer.id == Coupon.customer_id)
            .where(Coupon.merchant_id == merchant_id, Coupon.code == normalize_code(code))
        )
    ).one_or_none()
    return None if row is None else tuple(row)


CouponFilter = Literal["available", "used", "expired"]


async def list_customer_coupons(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    external_id: str,
    *,
    status: CouponFilter | None,
    limit: int,
    cursor: str | None,
) -> Page[CouponOut]:
    customer = await get_customer(session, merchant_id, external_id)
    now = utcnow()
    query = select(Coupon).where(
        Coupon.merchant_id == merchant_id, Coupon.customer_id == customer.id
    )
    if status is not None:
        query = query.where(_status_condition(status, now))
    page = await paginate(session, query, Coupon, limit=limit, cursor=cursor)
    templates = await templates_by_id(session, {coupon.template_id for coupon in page.items})
    items = [
        coupon_view(coupon, templates[coupon.template_id], external_id, now)
        for coupon in page.items
    ]
    return Page(items, page.next_cursor)


def _status_condition(status: CouponFilter, now: datetime):
    unexpired = or_(Coupon.valid_until.is_(None), Coupon.valid_until > now)
    if status == "available":
        return and_(Coupon.status == "available", unexpired)
    if status == "used":
        return Coupon.status == "used"
    return or_(Coupon.status == "expired", and_(Coupon.status == "available", ~unexpired))
