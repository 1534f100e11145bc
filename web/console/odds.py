"""The chance of each prize of a draw: its weight over the weights of the prizes that can
still be won (a prize whose stock is 0 never comes up), as the draw picks them."""

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from babel.numbers import format_percent


@dataclass(frozen=True)
class Chance:
    name: str
    share: Fraction  # 0 to 1

    @property
    def percent(self) -> float:
        return float(self.share * 100)

    def percent_text(self, language: str) -> str:
        """As the language writes it: "12.5 %" in English, "12,5 %" in Spanish."""
        return format_percent(float(self.share), "#,##0.0 %", locale=language)


def chances(prizes: Sequence[tuple[str, int, int | None]]) -> list[Chance]:
    """(name, weight, stock or None for unlimited) → each prize's chance, in order."""
    winnable = [weight if stock != 0 else 0 for _, weight, stock in prizes]
    total = sum(max(weight, 0) for weight in winnable)
    return [
        Chance(name, Fraction(max(weight, 0), total) if total else Fraction(0))
        for (name, _, _), weight in zip(prizes, winnable, strict=True)
    ]
