"""Cursor pagination over (created_at, id): stable while rows are added, cheap at any depth."""

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadRequest

Row = TypeVar("Row")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidCursor(BadRequest):
    code = "invalid_cursor"
    message = "The cursor is not one this API gave out."

    def __init__(self) -> None:
        super().__init__(field="cursor")


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    next_cursor: str | None


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, row_id = base64.urlsafe_b64decode(padded).decode().split("|")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            raise ValueError("naive")
        return created_at, uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None


async def paginate(
    session: AsyncSession,
    query: Select[Any],
    model: Any,
    *,
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> Page[Any]:
    """One page of `query`'s rows of `model` (which has created_at and id), oldest first
    unless `newest_first`."""
    if cursor:
        created_at, row_id = decode_cursor(cursor)
        if newest_first:
            query = query.where(
                or_(
                    model.created_at < created_at,
                    and_(model.created_at == created_at, model.id < row_id),
                )
            )
        else:
            query = query.where(
                or_(
                    model.created_at > created_at,
                    and_(model.created_at == created_at, model.id > row_id),
                )
            )
    order = (
        (model.created_at.desc(), model.id.desc()) if newest_first else (model.created_at, model.id)
    )
    query = query.order_by(*order).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
    return Page(rows, next_cursor)
