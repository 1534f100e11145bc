"""A flash-sale claim in one round trip on PostgreSQL.

The rules are those of `service._issue_coupon` (window, status, per-customer limit, stock, a
unique code, the `coupon.claimed` event and its outbox row), written as one statement of
data-modifying CTEs: the stock row is locked for the statement's duration only, not across
several round trips of Python work, so claims of a hot template queue for microseconds instead
of milliseconds. Each step runs only if the one before succeeded, and the final row says which
step stopped it, so the caller raises the same refusal the step-by-step path would. A refusal
is raised, and the caller's transaction rolls back whatever the statement already took.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from core.commit_signals import signal_on_commit
from core.coupons.models import Coupon, CouponTemplate
from core.events.service import OUTBOX_SIGNAL
from core.models import UTCDateTime

# The template's own columns come back with the outcome: the caller needs them for the view.
_TEMPLATE_COLUMNS = [column.name for column in CouponTemplate.__table__.columns]

# Parameters are cast where PostgreSQL cannot infer their type from a column (asyncpg needs it).
_SQL = """
WITH template AS (
    SELECT * FROM coupon_templates WHERE id = :template_id AND merchant_id = :merchant_id
), customer AS (
    SELECT id FROM customers WHERE merchant_id = :merchant_id AND external_id = :external_id
), claimable AS (
    SELECT t.id, t.per_customer_limit, t.total_stock, t.stock_shards, t.valid_days,
           t.valid_from, t.valid_until, c.id AS customer_id
    FROM template t, customer c
    WHERE t.status = 'active' AND NOT t.auto_apply
      AND (t.claim_starts_at IS NULL OR t.claim_starts_at <= CAST(:now AS timestamptz))
      AND (t.claim_ends_at IS NULL OR CAST(:now AS timestamptz) < t.claim_ends_at)
), quota AS (
    INSERT INTO quota_usage (owner_kind, owner_id, holder_id, period, merchant_id, used)
    SELECT 'coupon_template', id, customer_id, '', CAST(:merchant_id AS uuid), 1
    FROM claimable WHERE per_customer_limit >= 1
    ON CONFLICT (owner_kind, owner_id, holder_id, period) DO UPDATE
    SET used = quota_usage.used + 1
    WHERE quota_usage.used + 1 <= (SELECT per_customer_limit FROM claimable)
    RETURNING 1
), quota_ok AS (
    SELECT 1 FROM claimable WHERE per_customer_limit IS NULL
    UNION ALL SELECT 1 FROM quota
), stock AS (
    UPDATE stock_buckets SET remaining = remaining - 1
    WHERE owner_kind = 'coupon_template' AND owner_id = :template_id
      AND shard = (SELECT CAST(:pick AS integer) % stock_shards FROM claimable)
      AND remaining >= 1 AND EXISTS (SELECT 1 FROM quota_ok)
    RETURNING 1
), stock_ok AS (
    SELECT 1 FROM claimable WHERE total_stock IS NULL AND EXISTS (SELECT 1 FROM quota_ok)
    UNION ALL SELECT 1 FROM stock
), coupon AS (
    INSERT INTO coupons (id, merchant_id, template_id, customer_id, code, status, valid_from,
                         valid_until, source, created_at)
    SELECT CAST(:coupon_id AS uuid), CAST(:merchant_id AS uuid), id, customer_id,
           CAST(:code AS text), 'available',
           CASE WHEN valid_days IS NULL THEN valid_from ELSE CAST(:now AS timestamptz) END,
           CASE WHEN valid_days IS NULL THEN valid_until
                ELSE CAST(:now AS timestamptz) + make_interval(days => valid_days) END,
           'claim', CAST(:now AS timestamptz)
    FROM claimable WHERE EXISTS (SELECT 1 FROM stock_ok)
    ON CONFLICT (merchant_id, code) DO NOTHING
    RETURNING id, customer_id, valid_from, valid_until
), event AS (
    INSERT INTO events (id, merchant_id, type, payload, occurred_at)
    SELECT CAST(:event_id AS uuid), CAST(:merchant_id AS uuid), 'coupon.claimed',
           json_build_object('coupon_id', id::text, 'template_id', CAST(:template_text AS text),
                             'customer_id', customer_id::text, 'source', 'claim'),
           CAST(:now AS timestamptz)
    FROM coupon
    RETURNING id, payload
), outbox AS (
    INSERT INTO outbox (event_id, topic, body, created_at)
    SELECT id, 'coupon.claimed',
           json_build_object('id', id::text, 'type', 'coupon.claimed',
                             'merchant_id', CAST(:merchant_text AS text),
                             'occurred_at', CAST(:occurred_at AS text), 'payload', payload)::text,
           CAST(:now AS timestamptz)
    FROM event
)
SELECT t.*,
       (SELECT id FROM customer) AS claim_customer_id,
       EXISTS (SELECT 1 FROM claimable) AS claim_claimable,
       EXISTS (SELECT 1 FROM quota_ok) AS claim_quota_ok,
       EXISTS (SELECT 1 FROM stock_ok) AS claim_stock_ok,
       (SELECT valid_from FROM coupon) AS claim_valid_from,
       (SELECT valid_until FROM coupon) AS claim_valid_until,
       EXISTS (SELECT 1 FROM coupon) AS claim_issued
FROM template t
"""
CLAIM = text(_SQL).columns(
    **{column.name: column.type for column in CouponTemplate.__table__.columns},
    claim_valid_from=UTCDateTime(),
    claim_valid_until=UTCDateTime(),
)


@dataclass
class ClaimOutcome:
    """How far one claim statement got; `template` is None when there is no such template."""

    template: CouponTemplate | None
    customer_id: uuid.UUID | None
    claimable: bool
    quota_ok: bool
    stock_ok: bool
    coupon: Coupon | None


async def claim_in_one_statement(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    template_id: uuid.UUID,
    external_id: str,
    now: datetime,
    code: str,
) -> ClaimOutcome:
    coupon_id, event_id = uuid.uuid4(), uuid.uuid4()
    parameters = {
        "template_id": template_id,
        "template_text": str(template_id),
        "merchant_id": merchant_id,
        "merchant_text": str(merchant_id),
        "external_id": external_id,
        "now": now,
        "pick": random.randrange(1 << 30),
        "coupon_id": coupon_id,
        "code": code,
        "event_id": event_id,
        # As the events' envelopes write it (pydantic's JSON for a UTC datetime).
        "occurred_at": now.isoformat().replace("+00:00", "Z"),
    }
    row = (await session.execute(CLAIM, parameters)).mappings().one_or_none()
    if row is None:
        return ClaimOutcome(None, None, False, False, False, None)
    template = CouponTemplate(**{name: row[name] for name in _TEMPLATE_COLUMNS})
    coupon = None
    if row["claim_issued"]:
        signal_on_commit(session, OUTBOX_SIGNAL)
        coupon = Coupon(
            id=coupon_id,
            merchant_id=merchant_id,
            template_id=template_id,
            customer_id=row["claim_customer_id"],
            code=code,
            status="available",
            created_at=now,
            valid_from=row["claim_valid_from"],
            valid_until=row["claim_valid_until"],
            source="claim",
            used_at=None,
            reminded_at=None,
            amount_off=None,
        )
        # The row exists: the session treats the coupon as loaded, so a caller's edit to it is
        # flushed as an UPDATE like any other coupon's.
        make_transient_to_detached(coupon)
        session.add(coupon)
    return ClaimOutcome(
        template,
        row["claim_customer_id"],
        row["claim_claimable"],
        row["claim_quota_ok"],
        row["claim_stock_ok"],
        coupon,
    )
