"""HTML forms: what was typed, read into the values a core schema expects, and every problem
named by the field it belongs to, so a page can show each error beside its field with the
typed text kept.

Field names are the schema's dotted paths (`rules.points_cost`, `prizes.0.weight`): a problem
pydantic or a service reports under a path lands beside the input of that name."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision
from pydantic import BaseModel, ValidationError
from sanic import Request

from bots.conversation.i18n import Translator
from core.errors import ConfettiError, ValidationFailed
from web.console.access import CSRF_FIELD

LOCAL_TIME_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


@dataclass
class Form:
    """The values as typed (strings) and the errors, by field name."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)  # the fields the page shows

    def other_errors(self) -> list[str]:
        """Errors of no field on the page (a rule across fields, the whole form)."""
        return [message for name, message in self.errors.items() if name not in self.fields]

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def checked(self, name: str) -> bool:
        return self.values.get(name) == "on"


def typed(request: Request) -> dict[str, str]:
    """The submitted fields, each as typed (the first value of a repeated name)."""
    form = request.form or {}
    return {name: form.get(name, "") for name in form if name != CSRF_FIELD}


class FieldProblem(ValueError):
    """A value that cannot even be read (not a number, not a time): a page text's key."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


Reader = Callable[[str], Any]
Model = TypeVar("Model", bound=BaseModel)


def text(raw: str) -> str:
    return raw.strip()


def optional_text(raw: str) -> str | None:
    return raw.strip() or None


def whole_number(blank: int | None = None) -> Reader:
    def read(raw: str) -> int | None:
        if not raw.strip():
            return blank
        try:
            return int(raw.strip())
        except ValueError:
            raise FieldProblem("console.error.whole_number") from None

    return read


def money(currency: str, blank: int | None = None) -> Reader:
    """An amount typed in the currency's main unit ("12.50") as integer minor units (1250)."""
    digits = get_currency_precision(currency)

    def read(raw: str) -> int | None:
        if not raw.strip():
            return blank
        try:
            amount = Decimal(raw.strip().replace(",", "."))
        except InvalidOperation:
            raise FieldProblem("console.error.amount", digits=digits) from None
        minor = amount.scaleb(digits)
        if not amount.is_finite() or minor != minor.to_integral_value():
            raise FieldProblem("console.error.amount", digits=digits)
        return int(minor)

    return read


def local_time(timezone: str) -> Reader:
    """A time typed in the merchant's timezone, as an aware datetime (stored in UTC)."""

    def read(raw: str) -> datetime | None:
        if not raw.strip():
            return None
        try:
            naive = datetime.strptime(raw.strip(), LOCAL_TIME_FORMAT)
        except ValueError:
            raise FieldProblem("console.error.time") from None
        return naive.replace(tzinfo=ZoneInfo(timezone))

    return read


def decimal(raw: str) -> Decimal | None:
    if not raw.strip():
        return None
    try:
        return Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise FieldProblem("console.error.number") from None


def checkbox(raw: str) -> bool:
    return raw == "on"


def money_input(minor_units: int | None, currency: str) -> str:
    """Minor units as the amount field shows them ("12.50")."""
    if minor_units is None:
        return ""
    digits = get_currency_precision(currency)
    return f"{Decimal(minor_units).scaleb(-digits):.{digits}f}"


def time_input(moment: datetime | None, timezone: str) -> str:
    return (
        "" if moment is None else moment.astimezone(ZoneInfo(timezone)).strftime(LOCAL_TIME_FORMAT)
    )


def read_fields(form: Form, readers: Mapping[str, Reader], t: Translator) -> dict[str, Any]:
    """The typed values read by their readers, nested by their dotted names; a value that
    cannot be read leaves its error in `form.errors`."""
    flat: dict[str, Any] = {}
    form.fields |= set(readers)
    for name, read in readers.items():
        try:
            flat[name] = read(form.value(name))
        except FieldProblem as problem:
            form.errors[name] = t(problem.key, **problem.values)
    return nest(flat)


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"rules.a": 1, "prizes.0.name": "x"} → {"rules": {"a": 1}, "prizes": [{"name": "x"}]}."""
    root: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, last = name.split(".")
        node = root
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    children = {key: _lists(value) for key, value in node.items()}
    if children and all(key.isdigit() for key in children):
        return [children[key] for key in sorted(children, key=int)]
    return children


def without_blanks(data: dict[str, Any]) -> dict[str, Any]:
    """The values typed, leaving out blank ones: a schema then says a required one is missing
    ("required"), not that "" breaks its pattern."""
    return {name: value for name, value in data.items() if value not in ("", None)}


def validated(model: type[Model], data: dict[str, Any], form: Form, t: Translator) -> Model | None:
    """The schema built from the data, or None with every problem in `form.errors`."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        for error in invalid.errors():
            name = ".".join(str(part) for part in error["loc"])
            form.errors.setdefault(name, pydantic_message(error, t))
        return None


def add_refusal(form: Form, refused: ConfettiError) -> None:
    """A service's refusal beside the field it names (its message names it too: drop that);
    one that names no field is the whole form's."""
    problems = refused.problems if isinstance(refused, ValidationFailed) else [refused]
    for problem in problems:
        name = problem.field or ""
        form.errors.setdefault(name, problem.message.removeprefix(f"{name}: "))


# pydantic's problems that pages say in the visitor's language: the text, and the limit it names.
_PYDANTIC_TEXTS = {
    "missing": ("console.error.required", None),
    "int_type": ("console.error.whole_number", None),
    "string_too_short": ("console.error.too_short", "min_length"),
    "string_too_long": ("console.error.too_long", "max_length"),
    "greater_than_equal": ("console.error.at_least", "ge"),
    "greater_than": ("console.error.more_than", "gt"),
    "less_than_equal": ("console.error.at_most", "le"),
    "string_pattern_mismatch": ("console.error.format", None),
}


def pydantic_message(error: Mapping[str, Any], t: Translator) -> str:
    limits = error.get("ctx") or {}
    if error["type"] == "string_too_short" and limits.get("min_length") == 1:
        return t("console.error.required")
    if error["type"] not in _PYDANTIC_TEXTS:
        return str(error["msg"]).removeprefix("Value error, ")
    key, limit = _PYDANTIC_TEXTS[error["type"]]
    return t(key, limit=limits.get(limit)) if limit else t(key)
