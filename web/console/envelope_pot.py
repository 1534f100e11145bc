"""The red envelope's pot in the editor: points or money (typed in the merchant's currency,
stored in minor units), the number of shares and the least share, and whether each envelope
opens alone or once a group of friends has joined (EnvelopeSettings). A pot the core could
never split is refused beside its field by the core's own check, and the editor shows what
each share may be while it is typed."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bots.conversation.i18n import Translator
from core.activities.checks import envelope_problems
from core.activities.schemas import EnvelopeOut, EnvelopeSettings
from web.console.forms import Form, Reader, money, money_input, read_fields, text, whole_number

GROUP_HOURS = 24  # EnvelopeSettings' default: how long a group has to fill


@dataclass(frozen=True)
class ShareRange:
    """What one opener may get: every share is at least the minimum, and they sum to the pot."""

    pot_type: str
    pot: int
    shares: int
    lowest: int
    highest: int
    average: int  # rounded down

    def amount(self, minor_units: int, currency: str, t: Translator) -> str:
        return amount_text(minor_units, self.pot_type, currency, t)

    def sentence(self, currency: str, t: Translator) -> str:
        return t(
            "console.envelope.range",
            shares=self.shares,
            lowest=self.amount(self.lowest, currency, t),
            highest=self.amount(self.highest, currency, t),
            average=self.amount(self.average, currency, t),
        )


def readers(form: Form, currency: str) -> dict[str, Reader]:
    amount = money if form.value("envelope.pot_type") == "money" else _points
    return {
        "envelope.pot_type": text,
        "envelope.pot": amount(currency),
        "envelope.shares": whole_number(),
        "envelope.min_share": amount(currency, blank=1),
        "envelope.opening": text,
        "envelope.group_friends": whole_number(),
        "envelope.group_hours": whole_number(blank=GROUP_HOURS),
    }


def typed(envelope: dict[str, Any] | None, currency: str) -> dict[str, str]:
    """A stored pot as the editor's inputs show it (what `readers` reads back)."""
    if not envelope:
        return {"envelope.pot_type": "points", "envelope.opening": "single"}
    pot_type = envelope["pot_type"]

    def amount(value: int) -> str:
        return money_input(value, currency) if pot_type == "money" else str(value)

    group = envelope.get("group_friends")
    return {
        "envelope.pot_type": pot_type,
        "envelope.pot": amount(envelope["pot"]),
        "envelope.shares": str(envelope["shares"]),
        "envelope.min_share": amount(envelope["min_share"]),
        "envelope.opening": "group" if group else "single",
        "envelope.group_friends": str(group) if group else "",
        "envelope.group_hours": str(envelope.get("group_hours", GROUP_HOURS)),
    }


def _points(currency: str, blank: int | None = None) -> Reader:
    return whole_number(blank)


def build(
    data: dict[str, Any], form: Form, t: Translator, currency: str
) -> EnvelopeSettings | None:
    """A single envelope has no group; a group one needs its size. The core then checks that
    the pot can be split so: the settings, if they can be read at all."""
    envelope = data["envelope"]
    if envelope.pop("opening") != "group":
        envelope["group_friends"] = None
    elif envelope["group_friends"] is None and "envelope.group_friends" not in form.errors:
        form.errors["envelope.group_friends"] = t("console.error.required")
    try:
        settings = EnvelopeSettings.model_validate(envelope)
    except ValidationError:
        return None  # the activity's schema names each bad value
    for field, message in envelope_problems(settings.model_dump()):
        if field == "envelope.pot":  # the core's rule, said with the amounts typed
            pot_type = settings.pot_type
            message = t(
                "console.envelope.pot_too_small",
                shares=settings.shares,
                share=amount_text(settings.min_share, pot_type, currency, t),
                pot=amount_text(settings.shares * settings.min_share, pot_type, currency, t),
            )
        form.errors.setdefault(field, message)
    return settings


def amount_text(amount: int, pot_type: str, currency: str, t: Translator) -> str:
    """A share or a pot as the page says it: money in the currency, or points."""
    if pot_type == "money":
        return t.money(amount, currency)
    return t("console.envelope.points_amount", count=amount)


def share_range(form: Form, currency: str, t: Translator) -> tuple[ShareRange | None, list[str]]:
    """The range of one share for the pot as typed, or why there is none (nothing, when the
    pot or the shares are not typed yet)."""
    scratch = Form(values=dict(form.values))
    data = read_fields(scratch, readers(scratch, currency), t)
    if not (form.value("envelope.pot").strip() and form.value("envelope.shares").strip()):
        return None, []
    settings = build(data, scratch, t, currency)
    if scratch.errors or settings is None:
        return None, sorted(set(scratch.errors.values())) or [t("console.envelope.unreadable")]
    return range_of(settings), []


def range_of(envelope: EnvelopeSettings | EnvelopeOut) -> ShareRange:
    pot, shares, least = envelope.pot, envelope.shares, envelope.min_share
    highest = pot - (shares - 1) * least
    return ShareRange(envelope.pot_type, pot, shares, least, highest, pot // shares)
