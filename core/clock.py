"""The one place that reads the wall clock, so tests can reason about time; and the one form a
time or date from outside may take."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _iso_8601_only(form: str, example: str) -> Callable[[object], object]:
    """A check that lets through only text in ISO 8601's form (or a value already read):
    pydantic would also read a number, or a string of digits, as a Unix time, and such a
    number is more likely a mistake than a moment."""
    pattern = re.compile(form)

    def check(value: object) -> object:
        if isinstance(value, date) or (isinstance(value, str) and pattern.match(value)):
            return value
        raise ValueError(f"an ISO 8601 string is expected, such as {example}")

    return check


# A timestamp from outside: ISO 8601 with an offset (a date, "T" or a space as RFC 3339 allows,
# the time, then the offset, which pydantic requires), and kept in UTC from then on.
UtcTimestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_8601_only(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", "2026-12-01T10:00:00Z")),
    AfterValidator(as_utc),
]
# A calendar date from outside (a birthday): ISO 8601's YYYY-MM-DD.
IsoDate = Annotated[date, BeforeValidator(_iso_8601_only(r"^\d{4}-\d{2}-\d{2}$", "1990-04-12"))]
