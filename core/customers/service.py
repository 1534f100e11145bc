import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.customers.errors import CustomerNotFound
from core.customers.models import Customer
from core.customers.schemas import CustomerUpsert
from core.db import upsert_insert


async def upsert_customer(
    session: AsyncSession, merchant_id: uuid.UUID, external_id: str, data: CustomerUpsert
) -> tuple[Customer, bool]:
    """Create the customer with this shop id, or update the fields given; True if created.

    Race-free: two concurrent first calls for one id create one customer.
    """
    fields = data.model_dump(exclude_unset=True)
    inserted = await session.execute(
        upsert_insert(session)(Customer)
        .values(
            id=uuid.uuid4(),
            merchant_id=merchant_id,
            external_id=external_id,
            created_at=utcnow(),
            **fields,
        )
        .on_conflict_do_nothing(index_elements=["merchant_id", "external_id"])
    )
    customer = await get_customer(session, merchant_id, external_id)
    created = inserted.rowcount == 1
    if not created and fields:
        for name, value in fields.items():
            setattr(customer, name, value)
        await session.flush()
    return customer, created


async def find_customer(
    session: AsyncSession, merchant_id: uuid.UUID, external_id: str
) -> Customer | None:
    query = select(Customer).where(
        Customer.merchant_id == merchant_id, Customer.external_id == external_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get_customer(session: AsyncSession, merchant_id: uuid.UUID, external_id: str) -> Customer:
    customer = await find_customer(session, merchant_id, external_id)
    if customer is None:
        raise CustomerNotFound(field="customer")
    return customer
