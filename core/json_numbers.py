"""Decimals read from JSON numbers only: pydantic's Decimal would also read "12.5" and true,
and every number in the API is a JSON number (tests/regressions/test_strict_input.py)."""

from collections.abc import Callable


def number_only(example: str) -> Callable[[object], object]:
    """A BeforeValidator refusing text and booleans, naming an `example` of what it takes."""

    def check(value: object) -> object:
        if isinstance(value, str | bool):
            raise ValueError(f"a JSON number, such as {example}")
        return value

    return check
