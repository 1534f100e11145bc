"""Many customers at once, and how many coupons each holds: what bulk issuing is judged by."""

import uuid
from collections import Counter

from sqlalchemy import select

from core.coupons.models import Coupon
from core.customers.models import Customer
from core.db import Database
from core.jobs.models import Job
from core.merchants.models import Merchant


async def many_customers(db: Database, merchant: Merchant, count: int) -> list[str]:
    external_ids = [f"bulk-{n:06d}" for n in range(count)]
    async with db.transaction() as session:
        session.add_all(
            Customer(id=uuid.uuid4(), merchant_id=merchant.id, external_id=external_id)
            for external_id in external_ids
        )
    return external_ids


async def coupons_per_customer(db: Database, template_id: uuid.UUID) -> Counter[str]:
    query = (
        select(Customer.external_id)
        .join(Coupon, Coupon.customer_id == Customer.id)
        .where(Coupon.template_id == template_id)
    )
    async with db.transaction(write=False) as session:
        return Counter((await session.execute(query)).scalars())


async def load_job(db: Database, job_id: uuid.UUID) -> Job:
    async with db.transaction(write=False) as session:
        return await session.get_one(Job, job_id)
