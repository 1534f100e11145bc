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

DEFAULT_LANGUAGE = "en"


class Catalogs:
    """One JSON file of texts per language in a folder: the chats' here, the web pages' in
    web/locales. Both offer the same languages."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @cache  # noqa: B019 (two instances, each alive for the whole process)
    def texts(self, language: str) -> dict[str, str]:
        return json.loads((self.folder / f"{language}.json").read_text(encoding="utf-8"))

    @cache  # noqa: B019
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(path.stem for path in self.folder.glob("*.json")))


CHAT_TEXTS = Catalogs(Path(__file__).parent / "locales")


def catalog(language: str) -> dict[str, str]:
    return CHAT_TEXTS.texts(language)


def languages() -> tuple[str, ...]:
    return CHAT_TEXTS.languages()


def pick_language(*candidates: str | None) -> str:
    """The first candidate that is a language we speak ("es-MX" counts as "es"), else
    English: the customer's choice, then their app's (or browser's) language."""
    for candidate in candidates:
        if candidate:
            base = candidate.replace("_", "-").split("-")[0].lower()
            if base in languages():
                return base
    return DEFAULT_LANGUAGE


class Translator:
    """Texts, money and times for one customer of one merchant."""

    def __init__(self, language: str, timezone: str, texts: Catalogs = CHAT_TEXTS) -> None:
        self.language = language
        self.timezone = ZoneInfo(timezone)
        self.texts = texts

    def __call__(self, key: str, **values: object) -> str:
        text = self.texts.texts(self.language).get(key) or self.texts.texts(DEFAULT_LANGUAGE)[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.texts.texts(DEFAULT_LANGUAGE)

    def money(self, minor_units: int, currency: str) -> str:
        digits = get_currency_precision(currency)
        amount = Decimal(minor_units).scaleb(-digits)
        return format_currency(amount, currency, locale=self.language)

    def time(self, moment: datetime) -> str:
        """In the merchant's timezone, as the customer's language writes it."""
        return format_datetime(
            moment, "d MMM yyyy, HH:mm", tzinfo=self.timezone, locale=self.language
        )
