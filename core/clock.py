"""The one place that reads the wall clock, so tests can reason about time."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# A timestamp from outside: must carry an offset, and is kept in UTC from then on.
UtcTimestamp = Annotated[AwareDatetime, AfterValidator(as_utc)]
