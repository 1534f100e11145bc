"""Money at the edges: integer minor units, never floats or strings."""

from typing import Annotated

from pydantic import Field, StrictInt

MAX_AMOUNT = 10**13  # minor units: far past any single order, well inside 64-bit integers

Money = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT, description="Minor units, e.g. cents")]
PositiveMoney = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT, description="Minor units > 0")]
