"""The parts of the activity editor that depend on the kind: one form and one reader for all
four kinds, each kind being the common fields plus its sections (the budget, the prize table,
the marquee's board, the red envelope's pot, the collection's coupons).

A section is fixed either once the activity is created (the budget: the core has no way to
change it afterwards) or once it is published (draws are checked against the published table,
the pot is split then, customers collect from the page's coupons). While it may change, the
same readers serve the creation form and the draft's editor."""

from dataclasses import dataclass
from typing import Any, Literal

from bots.conversation.i18n import Translator
from core.activities.models import Activity, Prize
from web.console import collection_picker, envelope_pot, marquee_board, prize_table
from web.console.forms import Form, Reader, money


@dataclass(frozen=True)
class Section:
    name: str  # its part of the editor: the `<name>_section` macro of activity_sections.html
    fixed: Literal["created", "published"]

    def editable(self, activity: Activity | None) -> bool:
        if activity is None:
            return True
        return self.fixed == "published" and activity.status == "draft"

    def prepare(self, form: Form) -> None:
        """Tidy what was typed before it is read (drop the rows left blank)."""

    def readers(self, form: Form, currency: str) -> dict[str, Reader]:
        raise NotImplementedError

    def build(self, data: dict[str, Any], form: Form, t: Translator, currency: str) -> None:
        """The values read, in place, in the shape the core's schema expects; a problem the
        core would only find at publish time goes beside its field now."""

    def placed(self, form: Form) -> None:
        """Move the schema's errors beside the inputs that hold them."""

    def typed(self, activity: Activity, prizes: list[Prize], currency: str) -> dict[str, str]:
        """A stored activity's values as this section's inputs show them."""
        return {}


class Budget(Section):
    def readers(self, form: Form, currency: str) -> dict[str, Reader]:
        return {"budget": money(currency)}


class Prizes(Section):
    def prepare(self, form: Form) -> None:
        prize_table.drop_blank_rows(form)

    def readers(self, form: Form, currency: str) -> dict[str, Reader]:
        return prize_table.readers(form, currency)

    def build(self, data: dict[str, Any], form: Form, t: Translator, currency: str) -> None:
        data["prizes"] = prize_table.with_rewards(data.get("prizes", []))

    def placed(self, form: Form) -> None:
        prize_table.place_reward_errors(form)

    def typed(self, activity: Activity, prizes: list[Prize], currency: str) -> dict[str, str]:
        return prize_table.typed_rows(prizes, currency)


class Board(Section):
    def readers(self, form: Form, currency: str) -> dict[str, Reader]:
        return marquee_board.readers()

    def build(self, data: dict[str, Any], form: Form, t: Translator, currency: str) -> None:
        marquee_board.build(data, form, t)

    def typed(self, activity: Activity, prizes: list[Prize], currency: str) -> dict[str, str]:
        return marquee_board.typed(activity.settings.get("marquee"))


class Envelope(Section):
    def readers(self, form: Form, currency: str) -> dict[str, Reader]:
        return envelope_pot.readers(form, currency)

    def build(self, data: dict[str, Any], form: Form, t: Translator, currency: str) -> None:
        envelope_pot.build(data, form, t, currency)

    def typed(self, activity: Activity, prizes: list[Prize], currency: str) -> dict[str, str]:
        return envelope_pot.typed(activity.settings.get("envelope"), currency)


class Coupons(Section):
    def prepare(self, form: Form) -> None:
        collection_picker.drop_blank_slots(form)

    def readers(self, form: Form, currency: str) -> dict[str, Reader]:
        return collection_picker.readers(form)

    def build(self, data: dict[str, Any], form: Form, t: Translator, currency: str) -> None:
        collection_picker.build(data, form, t)

    def typed(self, activity: Activity, prizes: list[Prize], currency: str) -> dict[str, str]:
        return collection_picker.typed(activity.settings.get("templates") or [])


BUDGET = Budget("budget", "created")
PRIZES = Prizes("prizes", "published")
BOARD = Board("board", "published")
ENVELOPE = Envelope("envelope", "published")
COUPONS = Coupons("coupons", "published")

SECTIONS: dict[str, tuple[Section, ...]] = {
    "lucky_draw": (BUDGET, PRIZES),
    "marquee": (BUDGET, PRIZES, BOARD),
    "red_envelope": (ENVELOPE,),
    "collection": (COUPONS,),
}
KINDS = tuple(SECTIONS)
