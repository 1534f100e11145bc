"""What a staff member types at a wizard's step, read into what the step keeps: an amount in
the merchant's currency, a whole number, a time in the merchant's timezone."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

from bots.conversation.staff.wizard import BadValue
from core.money import MAX_AMOUNT

LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"


def read_amount(text: str, currency: str, *, least: int = 1) -> int:
    """ "12.50" (or "12,50") in the currency's main unit → minor units (1250)."""
    digits = get_currency_precision(currency)
    try:
        amount = Decimal(text.replace(",", ".").strip())
    except InvalidOperation:
        raise BadValue("staff.value.amount", digits=digits) from None
    minor = amount.scaleb(digits) if amount.is_finite() else amount
    if not amount.is_finite() or minor != minor.to_integral_value():
        raise BadValue("staff.value.amount", digits=digits)
    if not least <= minor <= MAX_AMOUNT:
        raise BadValue("staff.value.amount", digits=digits)
    return int(minor)


def read_count(text: str, *, least: int = 1, most: int = 10**9) -> int:
    if not text.isdigit() or not least <= int(text) <= most:
        raise BadValue("staff.value.count", least=least, most=most)
    return int(text)


def read_local_time(text: str, timezone: str, *, after: datetime | None = None) -> str:
    """ "2026-12-24 18:00" in the merchant's timezone → an ISO UTC time (what a wizard keeps)."""
    try:
        naive = datetime.strptime(" ".join(text.split()), LOCAL_TIME_FORMAT)
    except ValueError:
        raise BadValue("staff.value.time") from None
    moment = naive.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    if after is not None and moment <= after:
        raise BadValue("staff.value.time_too_early")
    return moment.isoformat()
