import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.customers.errors import CustomerNotFound
from core.customers.models import ChannelIdentity, Customer
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


async def customer_by_id(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer | None:
    """One of the merchant's customers by internal id (ids that travel in chat buttons and
    links, so another merchant's are as absent as unknown ones)."""
    customer = await session.get(Customer, customer_id)
    return customer if customer is not None and customer.merchant_id == merchant_id else None


async def get_customer(session: AsyncSession, merchant_id: uuid.UUID, external_id: str) -> Customer:
    customer = await find_customer(session, merchant_id, external_id)
    if customer is None:
        raise CustomerNotFound(field="customer")
    return customer


def channel_external_id(channel: str, address: str) -> str:
    """A chat customer's id in the shop's terms, so every API that takes a customer takes them."""
    return f"{channel}:{address}"


async def enter_by_channel(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    channel: str,
    address: str,
    *,
    name: str | None = None,
) -> tuple[Customer, ChannelIdentity, bool]:
    """The customer behind a chat identity, created on first contact (True if so); the identity
    row comes back locked, so this customer's messages are handled one at a time."""
    external_id = channel_external_id(channel, address)
    fields = CustomerUpsert(name=name[:200]) if name else CustomerUpsert()
    customer, created = await upsert_customer(session, merchant_id, external_id, fields)
    await session.execute(
        upsert_insert(session)(ChannelIdentity)
        .values(
            id=uuid.uuid4(),
            merchant_id=merchant_id,
            customer_id=customer.id,
            channel=channel,
            address=address,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["merchant_id", "channel", "address"])
    )
    identity = (
        await session.execute(
            select(ChannelIdentity)
            .where(
                ChannelIdentity.merchant_id == merchant_id,
                ChannelIdentity.channel == channel,
                ChannelIdentity.address == address,
            )
            .with_for_update()
        )
    ).scalar_one()
    return customer, identity, created
