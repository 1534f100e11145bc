"""The law of the ledger: whatever happens, once expiry has run the ledger's sum equals the live
lots' remaining points, and the balance is never negative."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from core.clock import utcnow
from core.points.balances import points_balance
from core.points.errors import InsufficientPoints
from core.points.models import PointsEntry, PointsLot
from core.points.service import adjust_points, earn_points, expire_points, spend_points
from tests.factories import customer, merchant_with_key

operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 50), st.booleans()),  # True: expires at once
        st.tuples(st.just("spend"), st.integers(1, 60)),
        st.tuples(st.just("adjust"), st.integers(-40, 40).filter(bool)),
        st.tuples(st.just("expire")),
    ),
    max_size=8,
)


async def apply(session, account: dict, operation: tuple) -> None:
    kind, *args = operation
    if kind == "earn":
        entry = await earn_points(session, **account, points=args[0], reason="p")
        if args[1]:
            await session.execute(
                update(PointsLot)
                .where(PointsLot.id == entry.lot_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    elif kind == "spend":
        await spend_points(session, **account, points=args[0], reason="p")
    elif kind == "adjust":
        await adjust_points(session, **account, points=args[0], reason="p")
    else:
        await expire_points(session)


async def ledger_sum(session, customer_id) -> int:
    query = select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.customer_id == customer_id
    )
    return await session.scalar(query)


async def lots_sum(session, customer_id) -> int:
    query = select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(
        PointsLot.customer_id == customer_id
    )
    return await session.scalar(query)


@pytest.mark.parametrize("backend", ["sqlite"])
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
async def test_ledger_equals_live_lots_after_expiry_and_balance_never_negative(db, steps) -> None:
    merchant, _ = await merchant_with_key(db)
    holder = await customer(db, merchant, "alice")
    account = {"merchant_id": merchant.id, "customer_id": holder.id}
    for operation in steps:
        async with db.transaction() as session:
            before = await points_balance(session, merchant.id, holder.id)
            try:
                await apply(session, account, operation)
            except InsufficientPoints:
                debit = operation[1] if operation[0] == "spend" else -operation[1]
                assert debit > before  # refused only when the balance really was short
            assert await points_balance(session, merchant.id, holder.id) >= 0
            assert await ledger_sum(session, holder.id) == await lots_sum(session, holder.id)
    async with db.transaction() as session:
        await expire_points(session)
        balance = await points_balance(session, merchant.id, holder.id)
        assert await ledger_sum(session, holder.id) == balance == await lots_sum(session, holder.id)
