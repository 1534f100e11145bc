from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.coupons.expiry import expire_coupons
from core.coupons.models import Coupon
from core.coupons.service import claim_coupon
from core.events.models import Event
from tests.factories import coupon_template, customer, merchant_with_key


async def test_expiry_job_marks_past_coupons_expired_once_with_an_event(db) -> None:
    merchant, _ = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    template = await coupon_template(db, merchant, valid_days=3)
    async with db.transaction() as session:
        past, _, _ = await claim_coupon(session, merchant.id, template.id, "alice")
        current, _, _ = await claim_coupon(session, merchant.id, template.id, "alice")
        past.valid_until = utcnow() - timedelta(minutes=1)
    async with db.transaction() as session:
        assert await expire_coupons(session) == 1
    async with db.transaction() as session:
        assert await expire_coupons(session) == 0
        statuses = dict((await session.execute(select(Coupon.id, Coupon.status))).all())
        events = (
            (await session.execute(select(Event.payload).where(Event.type == "coupon.expired")))
            .scalars()
            .all()
        )
    assert statuses == {past.id: "expired", current.id: "available"}
    assert [e["coupon_id"] for e in events] == [str(past.id)]
