"""The state of a staff member's wizard in progress (bots/conversation/staff/wizard.py runs
them): one row per staff member, so a wizard survives a restart of the service."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.staff.models import StaffWizard


async def wizard_of(session: AsyncSession, staff_id: uuid.UUID) -> StaffWizard | None:
    return await session.get(StaffWizard, staff_id)


async def begin_wizard(
    session: AsyncSession, staff_id: uuid.UUID, flow: str, *, now: datetime
) -> StaffWizard:
    """A new wizard at its first step, replacing any other in progress."""
    await drop_wizard(session, staff_id)
    row = StaffWizard(staff_id=staff_id, flow=flow, step=0, values={}, updated_at=now)
    session.add(row)
    await session.flush()
    return row


async def move_wizard(
    session: AsyncSession, row: StaffWizard, step: int, values: dict, *, now: datetime
) -> None:
    row.step, row.values, row.updated_at = step, values, now
    await session.flush()


async def drop_wizard(session: AsyncSession, staff_id: uuid.UUID) -> bool:
    """False when there was none."""
    row = await session.get(StaffWizard, staff_id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True
