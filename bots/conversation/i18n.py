"""Message catalogs (one JSON file per language) and the merchant-facing formats of money and time.

A customer's language is the one they picked in the menu, else their chat app's, else English.
"""

import json
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency, get_currency_precision

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"


@cache
def catalog(language: str) -> dict[str, str]:
    return json.loads((LOCALES_DIR / f"{language}.json").read_text(encoding="utf-8"))


@cache
def languages() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in LOCALES_DIR.glob("*.json")))


def pick_language(chosen: str | None, app_language: str | None) -> str:
    """The first of: the customer's choice, their app's language ("es-MX" → "es"), English."""
    for candidate in (chosen, app_language):
        if candidate:
            base = candidate.replace("_", "-").split("-")[0].lower()
            if base in languages():
                return base
    return DEFAULT_LANGUAGE


class Translator:
    """Texts, money and times for one customer of one merchant."""

    def __init__(self, language: str, timezone: str) -> None:
        self.language = language
        self.timezone = ZoneInfo(timezone)

    def __call__(self, key: str, **values: object) -> str:
        text = catalog(self.language).get(key) or catalog(DEFAULT_LANGUAGE)[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalog(DEFAULT_LANGUAGE)

    def money(self, minor_units: int, currency: str) -> str:
        digits = get_currency_precision(currency)
        amount = Decimal(minor_units).scaleb(-digits)
        return format_currency(amount, currency, locale=self.language)

    def time(self, moment: datetime) -> str:
        """In the merchant's timezone, as the customer's language writes it."""
        return format_datetime(
            moment, "d MMM yyyy, HH:mm", tzinfo=self.timezone, locale=self.language
        )
