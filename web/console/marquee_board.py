"""The marquee's board in the editor: which prize sits on each of the eight outer cells
(clockwise from the top-left; the centre is the start button), read from `marquee.cells.N`
and checked as publishing checks it, and the board as the page will show it, with the chance
of the light stopping on each cell."""

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bots.conversation.i18n import Translator
from core.activities.checks import marquee_problems
from core.activities.fairness import MARQUEE_CELLS
from web.console.forms import Form, Reader, text
from web.console.odds import Chance

WHOLE_BOARD = "marquee.cells"  # where a problem of no one cell (a prize on none) is shown
OFFERS = "board_offers"  # the editor's note of the prizes its cells offer now


@dataclass(frozen=True)
class Cell:
    n: int  # 0..7, clockwise from the top-left
    field: str
    name: str  # the prize on it, as typed
    options: list[tuple[str, str]]  # what the cell's select offers: (value, text)
    chance: Chance | None


def readers() -> dict[str, Reader]:
    return {f"{WHOLE_BOARD}.{n}": text for n in range(MARQUEE_CELLS)}


def build(data: dict[str, Any], form: Form, t: Translator) -> None:
    """A blank cell is missing; the rest is the core's publish check, against the prizes as
    typed, so the board cannot be saved in a shape that could never be published."""
    cells = data["marquee"]["cells"]
    data["marquee"] = {"cells": cells}
    form.fields.add(WHOLE_BOARD)
    for n, name in enumerate(cells):
        if not name:
            form.errors.setdefault(f"{WHOLE_BOARD}.{n}", t("console.error.required"))
    names = {prize.get("name") for prize in data.get("prizes", []) if prize.get("name")}
    for field, message in marquee_problems(data["marquee"], names):
        form.errors.setdefault(field, message)


def typed(layout: dict[str, Any] | None) -> dict[str, str]:
    cells = (layout or {}).get("cells") or []
    return {f"{WHOLE_BOARD}.{n}": name for n, name in enumerate(cells)}


def offers(chances: list[Chance]) -> str:
    return json.dumps(list(dict.fromkeys(chance.name for chance in chances)))


def offers_changed(form: Form, chances: list[Chance]) -> bool:
    """Whether the prizes named differ from those the board's selects offer: only then does
    the editor need new selects (a swap would lose a cell chosen while the answer travels)."""
    return form.value(OFFERS) != offers(chances)


def board(form: Form, chances: list[Chance]) -> list[Cell]:
    """The eight cells as typed: each offers the prizes named in the table (and keeps a name
    typed before the prize was renamed, to show its error), with its chance of being the
    one the light stops on (the prize's, split among the cells showing it)."""
    by_name = {chance.name: chance for chance in chances}
    chosen = [form.value(f"{WHOLE_BOARD}.{n}") for n in range(MARQUEE_CELLS)]
    cells = []
    for n, name in enumerate(chosen):
        names = list(by_name)
        if name and name not in by_name:
            names.append(name)
        chance = None
        if name in by_name:
            chance = Chance(name, by_name[name].share / Fraction(chosen.count(name)))
        cells.append(Cell(n, f"{WHOLE_BOARD}.{n}", name, [(p, p) for p in names], chance))
    return cells
