"""The coupon collection page in the editor: which coupon templates it offers, in the order
customers see them, one select per place (`templates.N`). Places left blank are dropped and
the rest numbered again, so errors land beside the places shown."""

import re
from typing import Any

from bots.conversation.i18n import Translator
from core.coupons.schemas import CouponTemplateOut
from web.console.forms import Form, Reader, text

_SLOT = re.compile(r"^templates\.(\d+)$")
MAX_TEMPLATES = 50  # as many as ActivityCreate.templates takes


def drop_blank_slots(form: Form) -> None:
    chosen = [value for _, value in sorted(_slots(form)) if value.strip()]
    form.values = {name: value for name, value in form.values.items() if not _SLOT.match(name)}
    form.values |= {f"templates.{n}": value for n, value in enumerate(chosen)}


def _slots(form: Form) -> list[tuple[int, str]]:
    """(place, value) of each place as typed."""
    return [
        (int(m.group(1)), value) for name, value in form.values.items() if (m := _SLOT.match(name))
    ]


def typed(templates: list[str]) -> dict[str, str]:
    """A stored page's coupons, one per place in their order."""
    return {f"templates.{n}": template for n, template in enumerate(templates)}


def readers(form: Form) -> dict[str, Reader]:
    return {f"templates.{n}": text for n in range(max(slot_count(form, []), 1))}


def build(data: dict[str, Any], form: Form, t: Translator) -> None:
    """At least one coupon, each once."""
    chosen = [template for template in data.get("templates", []) if template]
    data["templates"] = chosen
    if not chosen:
        form.errors.setdefault("templates.0", t("console.collection.none_chosen"))
    for n, template in enumerate(chosen):
        if template in chosen[:n]:
            form.errors.setdefault(f"templates.{n}", t("console.collection.twice"))


def slot_count(form: Form, offered: list[CouponTemplateOut]) -> int:
    """A place for every coupon the page could offer, and for every one already chosen."""
    typed = 1 + max((n for n, _ in _slots(form)), default=-1)
    return min(max(len(offered), typed, 1), MAX_TEMPLATES)


def options(offered: list[CouponTemplateOut], t: Translator) -> list[tuple[str, str]]:
    return [("", t("console.collection.empty_slot"))] + [
        (str(template.id), template.name) for template in offered
    ]
