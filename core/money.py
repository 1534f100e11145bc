"""Money at the edges: integer minor units, never floats or strings."""

from decimal import Decimal
from typing import Annotated

from babel.numbers import get_currency_precision
from pydantic import Field, StrictInt

MAX_AMOUNT = 10**13  # minor units: far past any single order, well inside 64-bit integers

Money = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT, description="Minor units, e.g. cents")]
PositiveMoney = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT, description="Minor units > 0")]


def money_text(minor_units: int, currency: str) -> str:
    """An amount as API messages write it, the same in every language: `50.00 EUR`, `500 JPY`."""
    digits = get_currency_precision(currency)
    return f"{Decimal(minor_units).scaleb(-digits):.{digits}f} {currency}"
