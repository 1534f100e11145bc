"""Earning rules, and the orders and occasions that earn points by them."""

import uuid
from datetime import date

from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.customers.models import Customer
from core.customers.service import get_customer
from core.merchants.models import Merchant
from core.points.balances import points_balance
from core.points.errors import (
    CurrencyMismatch,
    DuplicateRule,
    OrderOfAnotherCustomer,
    RuleNotFound,
)
from core.points.models import EarningRule, PointsEntry
from core.points.schemas import OrderPointsOut, OrderReport, RuleCreate
from core.points.service import earn_once, find_entry, lock_account, reverse_earning


async def create_rule(
    session: AsyncSession, merchant_id: uuid.UUID, data: RuleCreate
) -> tuple[EarningRule, list[str]]:
    """Add a rule, or refuse one that duplicates a rule in force (DuplicateRule); returns the
    rule and warnings about the rules it adds up with.

    What duplicates: a bonus (signup, birthday, activity) pays its occasion, so a second rule
    of the same kind would pay the same occasion twice, whatever its points. A per_amount rule
    duplicates one with the same rate (points_per_unit / unit_amount: 2 per 200 is 1 per 100
    rounded differently), which would double every order. Per_amount rules at different rates
    add up on purpose (a base rate and a bonus rate), and the answer warns that they do."""
    data.check()
    await _lock_merchant_rules(session, merchant_id)
    existing = await _rules_of_kind(session, merchant_id, data.kind)
    for rule in existing:
        if data.kind != "per_amount":
            raise DuplicateRule(rule.id, f"every {data.kind} bonus would be paid twice")
        if rule.points_per_unit * data.unit_amount == data.points_per_unit * rule.unit_amount:
            raise DuplicateRule(rule.id, "it earns at the same rate, so orders would earn twice")
    rule = EarningRule(id=uuid.uuid4(), merchant_id=merchant_id, **data.model_dump())
    session.add(rule)
    await session.flush()
    warnings = [
        f"Adds up with per_amount rule {other.id} ({other.points_per_unit} per "
        f"{other.unit_amount}): an order earns by every per_amount rule."
        for other in existing
    ]
    return rule, warnings


async def _lock_merchant_rules(session: AsyncSession, merchant_id: uuid.UUID) -> None:
    """Serialize rule changes per merchant, so two identical rules sent at once cannot both
    pass the duplicate check. FOR NO KEY UPDATE: rows that reference the merchant (coupons,
    events) are still inserted meanwhile. SQLite's write lock already serializes."""
    await session.execute(
        select(Merchant.id).where(Merchant.id == merchant_id).with_for_update(key_share=True)
    )


async def list_rules(session: AsyncSession, merchant_id: uuid.UUID) -> list[EarningRule]:
    query = (
        select(EarningRule)
        .where(EarningRule.merchant_id == merchant_id)
        .order_by(EarningRule.created_at, EarningRule.id)
    )
    return list((await session.execute(query)).scalars())


async def delete_rule(
    session: AsyncSession, merchant_id: uuid.UUID, rule_id: uuid.UUID
) -> EarningRule:
    """Rules only shape future earnings, so deleting one rewrites no history."""
    rule = (
        await session.execute(
            select(EarningRule).where(
                EarningRule.id == rule_id, EarningRule.merchant_id == merchant_id
            )
        )
    ).scalar_one_or_none()
    if rule is None:
        raise RuleNotFound()
    await session.delete(rule)
    await session.flush()
    return rule


def points_for_amount(rules: list[EarningRule], amount: int) -> int:
    """Each per_amount rule gives points_per_unit for every whole unit_amount (rounded down)."""
    return sum(amount // rule.unit_amount * rule.points_per_unit for rule in rules)


async def _rules_of_kind(
    session: AsyncSession, merchant_id: uuid.UUID, kind: str
) -> list[EarningRule]:
    query = select(EarningRule).where(
        EarningRule.merchant_id == merchant_id, EarningRule.kind == kind
    )
    return list((await session.execute(query)).scalars())


async def _award_bonus(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    kind: str,
    reason: str,
    source_ref: str,
) -> tuple[int, bool]:
    """The bonus of every `kind` rule, once per source_ref: (points, whether credited now)."""
    points = sum(rule.points for rule in await _rules_of_kind(session, merchant_id, kind))
    if points == 0:
        return 0, False
    entry, credited = await earn_once(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        points=points,
        reason=reason,
        source_ref=source_ref,
    )
    return entry.points, credited


async def award_signup(session: AsyncSession, merchant_id: uuid.UUID, customer: Customer) -> int:
    """The sign-up bonus, once per customer; the points credited (0 without a signup rule)."""
    points, _ = await _award_bonus(
        session,
        merchant_id,
        customer.id,
        kind="signup",
        reason="sign-up bonus",
        source_ref=f"signup:{customer.id}",
    )
    return points


async def award_for_activity(
    session: AsyncSession, merchant_id: uuid.UUID, customer: Customer, *, activity_ref: str
) -> int:
    """Points for taking part, once per customer and `activity_ref` (up to 200 characters: an
    activity's id, or one try of it; the caller decides what counts once)."""
    points, _ = await _award_bonus(
        session,
        merchant_id,
        customer.id,
        kind="activity",
        reason=f"took part in {activity_ref}",
        source_ref=f"activity:{customer.id}:{activity_ref}",
    )
    return points


async def award_birthdays(session: AsyncSession, merchant: Merchant, today: date) -> int:
    """Birthday bonuses for customers born on `today` (the merchant's local date; 29 February
    birthdays count on 28 February in other years). Once per customer and year, however often
    the job runs; returns how many were credited by this run."""
    days = [today.day]
    if (today.month, today.day) == (2, 28) and not _is_leap(today.year):
        days.append(29)
    born_today = select(Customer.id).where(
        Customer.merchant_id == merchant.id,
        extract("month", Customer.birthday) == today.month,
        extract("day", Customer.birthday).in_(days),
    )
    credited = 0
    for customer_id in (await session.execute(born_today)).scalars():
        _, new = await _award_bonus(
            session,
            merchant.id,
            customer_id,
            kind="birthday",
            reason=f"birthday bonus {today.year}",
            source_ref=f"birthday:{customer_id}:{today.year}",
        )
        credited += new
    return credited


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# --- orders -------------------------------------------------------------------------------------


def _earning_ref(order_id: str) -> str:
    return f"order:{order_id}"


def _refund_ref(order_id: str) -> str:
    return f"order:{order_id}:refund"


async def report_order(
    session: AsyncSession, merchant: Merchant, report: OrderReport
) -> OrderPointsOut:
    """The shop reports an order: paid earns by the per_amount rules, refunded takes back what
    is left of those points. Each happens once per order_id, in whatever order reports come."""
    if report.currency != merchant.currency:
        raise CurrencyMismatch(merchant.currency)
    customer = await get_customer(session, merchant.id, report.customer)
    await lock_account(session, merchant.id, customer.id)
    earning, reversal = await _order_entries(session, merchant.id, customer.id, report.order_id)
    if report.status == "paid" and earning is None and reversal is None:
        earning = await _earn_for_order(session, merchant.id, customer.id, report)
    if report.status == "refunded" and reversal is None:
        reversal = await reverse_earning(
            session,
            merchant_id=merchant.id,
            customer_id=customer.id,
            earning=earning,
            reason=f"refund of order {report.order_id}",
            source_ref=_refund_ref(report.order_id),
        )
    return OrderPointsOut(
        order_id=report.order_id,
        customer=report.customer,
        status="refunded" if reversal is not None else "paid",
        points_earned=earning.points if earning is not None else 0,
        points_reversed=-reversal.points if reversal is not None else 0,
        balance=await points_balance(session, merchant.id, customer.id),
    )


async def _order_entries(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID, order_id: str
) -> tuple[PointsEntry | None, PointsEntry | None]:
    earning = await find_entry(session, merchant_id, _earning_ref(order_id))
    reversal = await find_entry(session, merchant_id, _refund_ref(order_id))
    if any(entry is not None and entry.customer_id != customer_id for entry in (earning, reversal)):
        raise OrderOfAnotherCustomer()
    return earning, reversal


async def _earn_for_order(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID, report: OrderReport
) -> PointsEntry | None:
    rules = await _rules_of_kind(session, merchant_id, "per_amount")
    points = points_for_amount(rules, report.amount)
    if points == 0:
        return None
    entry, _ = await earn_once(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        points=points,
        reason=f"order {report.order_id}",
        source_ref=_earning_ref(report.order_id),
    )
    return entry
