"""The prize table editor's rows: read from the form's `prizes.N.*` fields (rows left blank
are dropped and the rest numbered again, so errors land beside the rows shown), and turned
into the prizes core.activities expects. A row's reward is one select: nothing, points (with
the amount beside it) or a coupon of a template."""

import re
from collections.abc import Iterable
from typing import Any

from core.activities.models import Prize
from core.coupons.models import CouponTemplate
from web.console.forms import Form, Reader, checkbox, money, money_input, text, whole_number

FIELDS = ("name", "weight", "stock", "cost", "reward", "points", "consolation")
_ROW_FIELD = re.compile(r"^prizes\.(\d+)\.(\w+)$")
# What may be left untouched in a row the merchant did not use.
_DEFAULTS = {"reward": "none"}
NEW_ROWS = 3  # a new draw's editor starts with this many rows (more with "Add a prize")


def row_count(form: Form) -> int:
    return 1 + max((int(m.group(1)) for m in map(_ROW_FIELD.match, form.values) if m), default=-1)


def drop_blank_rows(form: Form) -> None:
    rows = [
        {name: form.value(f"prizes.{n}.{name}") for name in FIELDS} for n in range(row_count(form))
    ]
    used = [row for row in rows if any(v.strip() and v != _DEFAULTS.get(k) for k, v in row.items())]
    form.values = {name: value for name, value in form.values.items() if not _ROW_FIELD.match(name)}
    for n, row in enumerate(used):
        form.values |= {f"prizes.{n}.{name}": value for name, value in row.items() if value}


def readers(form: Form, currency: str) -> dict[str, Reader]:
    read: dict[str, Reader] = {}
    for n in range(row_count(form)):
        read |= {
            f"prizes.{n}.name": text,
            f"prizes.{n}.weight": whole_number(blank=1),
            f"prizes.{n}.stock": whole_number(),
            f"prizes.{n}.cost": money(currency, blank=0),
            f"prizes.{n}.consolation": checkbox,
            f"prizes.{n}.reward": text,
            f"prizes.{n}.points": whole_number(),
        }
    return read


def with_rewards(prizes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's reward select (and points amount) as the reward it stands for."""
    built = []
    for row in prizes:
        row = dict(row)
        choice, points = row.pop("reward", "none"), row.pop("points", None)
        if choice == "points":
            row["reward"] = {"type": "points", "amount": points}
        elif choice.startswith("coupon:"):
            row["reward"] = {"type": "coupon", "template_id": choice.removeprefix("coupon:")}
        else:
            row["reward"] = {"type": "none"}
        built.append(row)
    return built


def place_reward_errors(form: Form) -> None:
    """pydantic names a reward's problems by the reward's parts: put them beside the select
    (or the points amount)."""
    for name in list(form.errors):
        found = re.match(r"^(prizes\.\d+)\.reward\.", name)
        if found:
            beside = "points" if name.endswith(".amount") else "reward"
            form.errors.setdefault(f"{found.group(1)}.{beside}", form.errors.pop(name))


def typed_rows(prizes: list[Prize], currency: str) -> dict[str, str]:
    """Stored prizes as the editor's rows show them."""
    values = {}
    for n, prize in enumerate(prizes):
        reward = prize.reward
        values |= {
            f"prizes.{n}.name": prize.name,
            f"prizes.{n}.weight": str(prize.weight),
            f"prizes.{n}.stock": "" if prize.stock is None else str(prize.stock),
            f"prizes.{n}.cost": money_input(prize.cost, currency) if prize.cost else "",
            f"prizes.{n}.reward": reward_choice(reward),
            f"prizes.{n}.points": str(reward["amount"]) if reward["type"] == "points" else "",
        }
        if prize.consolation:
            values[f"prizes.{n}.consolation"] = "on"
    return values


def reward_choice(reward: dict[str, Any]) -> str:
    if reward["type"] == "coupon":
        return f"coupon:{reward['template_id']}"
    return reward["type"] if reward["type"] == "points" else "none"


def reward_options(templates: Iterable[CouponTemplate], t) -> list[tuple[str, str]]:
    options = [
        ("none", t("console.prize.reward.none")),
        ("points", t("console.prize.reward.points")),
    ]
    options += [
        (f"coupon:{template.id}", t("console.prize.reward.coupon", name=template.name))
        for template in templates
        if template.status != "archived" and not template.auto_apply
    ]
    return options


def weights_of(form: Form) -> list[tuple[str, int, int | None]]:
    """(name, weight, stock) of each row as typed, for the odds preview: what cannot be read
    yet counts as the blank value."""
    rows = []
    for n in range(row_count(form)):
        name = form.value(f"prizes.{n}.name").strip()
        if not name:
            continue
        rows.append(
            (
                name,
                _number(form.value(f"prizes.{n}.weight"), 1),
                _number(form.value(f"prizes.{n}.stock"), None),
            )
        )
    return rows


def _number(raw: str, blank: int | None) -> int | None:
    try:
        return int(raw.strip())
    except ValueError:
        return blank
