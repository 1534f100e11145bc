"""What an analytics question is asked over: a span of time and a channel, and the arithmetic
every answer shares (the merchant's days, rates that are absent rather than divided by zero)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

# Where a customer met the activity: the chat channels, the share page, the shop's own app, and
# calls of the API that named no channel.
CHANNELS = ("telegram", "whatsapp", "web", "app", "api")
# An IN list's length: well inside every database's limit on bound parameters.
CHUNK = 500


@dataclass(frozen=True)
class Filters:
    """`start` inclusive, `end` exclusive, both UTC; None leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None
    channel: str | None = None

    def during(self, column: InstrumentedAttribute) -> list[ColumnElement[bool]]:
        conditions = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions

    def within(self, start: datetime, end: datetime) -> "Filters":
        """These filters, narrowed to [start, end) (empty, not reversed, if they miss it)."""
        start = max(start, self.start) if self.start else start
        end = min(end, self.end) if self.end else end
        return replace(self, start=start, end=max(start, end))


def local_day(moment: datetime, timezone: ZoneInfo) -> date:
    return moment.astimezone(timezone).date()


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places; None when there is no whole to take a part of."""
    return round(part / whole, 4) if whole else None


def chunks(ids: Iterable[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk
